import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { concat, stack } from '../../src/ops/concat.js';
import { slice } from '../../src/ops/slice.js';
import { ArgumentError, ShapeError, tensor, zeros } from '../../src/ops/index.js';
import { arbShape, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** 1–3 tensors that agree everywhere but along `axis`, and that axis. */
const concatable = arbShape({ rank: [1, 3], dim: [1, 3] }).chain((shape) =>
  fc.tuple(fc.nat({ max: shape.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).chain(
    ([axis, sizes]) =>
      fc.tuple(
        fc.tuple(...sizes.map((d) => arbTensorOfShape(shape.map((s, i) => (i === axis ? d : s))))),
        fc.constant(axis),
      ),
  ),
);

/** 1–3 tensors of one shape, and an axis for the new dimension (possibly negative). */
const stackable = arbShape({ rank: [0, 3], dim: [1, 3] }).chain((shape) =>
  fc.tuple(
    fc.array(arbTensorOfShape(shape), { minLength: 1, maxLength: 3 }),
    fc.integer({ min: -(shape.length + 1), max: shape.length }),
  ),
);

describe('concat, stack', () => {
  test.prop([concatable], runs)('concat gradient matches finite differences', ([parts, axis]) => {
    checkGradients((...ts) => concat(ts, axis), parts);
  });

  test.prop([stackable], runs)('stack gradient matches finite differences', ([parts, axis]) => {
    checkGradients((...ts) => stack(ts, axis), parts);
  });

  test.prop([concatable], runs)('for any pieces, concat then slice along the axis recovers each piece', ([parts, axis]) => {
    const joined = concat(parts, axis);
    let start = 0;
    for (const part of parts) {
      const begin = part.shape.map((_, j) => (j === axis ? start : 0));
      const end = part.shape.map((d, j) => (j === axis ? start + d : d));
      const piece = slice(joined, begin, end);
      expect(piece.shape).toEqual(part.shape);
      expect(piece.data).toEqual(part.data);
      start += part.shape[axis];
    }
    expect(start).toBe(joined.shape[axis]);
  });

  test.prop([stackable], runs)('for any tensors of one shape, stack(ts, axis) has ts.length at axis', ([parts, axis]) => {
    const out = stack(parts, axis);
    const ax = axis < 0 ? axis + parts[0].rank + 1 : axis;
    expect(out.shape).toEqual([...parts[0].shape.slice(0, ax), parts.length, ...parts[0].shape.slice(ax)]);
  });

  test('concat joins along axis 0 by default, or along any axis', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4]]);
    expect(concat([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(concat([a, b], 1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(concat([a, b], -1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1).toArray()).toEqual([
      [1, 3, 4],
      [2, 5, 6],
    ]);
  });

  test('stack adds a new axis: stack([[1,2],[3,4]], 1) = [[1,3],[2,4]]', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    expect(stack([a, b]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([a, b], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([a, b], -1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
  });

  test('shapes that differ outside the axis throw a ShapeError naming the tensor index and shapes', () => {
    expect(() => concat([zeros([2, 3]), zeros([1, 3]), zeros([3, 4])])).toThrow(ShapeError);
    expect(() => concat([zeros([2, 3]), zeros([1, 3]), zeros([3, 4])])).toThrow(
      'concat: tensor 2 of shape [3,4] does not match tensor 0 of shape [2,3] outside axis 0',
    );
    expect(() => concat([zeros([2, 3]), zeros([2, 3, 1])], 1)).toThrow(
      'concat: tensor 1 of shape [2,3,1] does not match tensor 0 of shape [2,3] outside axis 1',
    );
    expect(() => stack([zeros([2]), zeros([3])])).toThrow(
      'stack: tensor 1 of shape [3] differs from tensor 0 of shape [2]; stack needs equal shapes',
    );
  });

  test('bad arguments throw an ArgumentError: empty list, scalars for concat, axis out of range', () => {
    expect(() => concat([])).toThrow(ArgumentError);
    expect(() => concat([])).toThrow('concat: expected a non-empty array of tensors, found []');
    expect(() => stack([])).toThrow('stack: expected a non-empty array of tensors, found []');
    expect(() => concat([tensor(1), tensor(2)])).toThrow('concat: cannot concatenate scalars (tensor 0 has shape []); use stack');
    expect(() => concat([zeros([2])], 1)).toThrow('concat: axis 1 is out of range for a tensor of rank 1');
    expect(() => stack([zeros([2])], 2)).toThrow('stack: axis 2 is out of range for a tensor of rank 2');
    expect(() => concat([zeros([2]), [1] as never])).toThrow('concat: tensor 1 is not a Tensor (found object)');
  });

  test('inputs are not mutated and the result does not share their storage', () => {
    const a = tensor([1, 2]);
    const out = concat([a]);
    out.data[0] = 9;
    expect(Array.from(a.data)).toEqual([1, 2]);
  });
});
