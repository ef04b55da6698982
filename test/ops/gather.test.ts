import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { gather, takeAlongAxis } from '../../src/ops/gather.js';
import { ArgumentError, ShapeError, Tensor, backward, sum, tensor } from '../../src/ops/index.js';
import { arbShape, arbTensor, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** Integer tensors of `shape` with values in `[0, n)`; repeats are likely. */
const arbIndices = (shape: readonly number[], n: number): fc.Arbitrary<Tensor> =>
  fc
    .array(fc.nat({ max: n - 1 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
    .map((vs) => tensor(vs, [...shape]));

/** x, an axis of x, and indices of any small shape into that axis. */
const gatherCase = arbTensor({ rank: [1, 3], dim: [1, 3] }).chain((x) =>
  fc.nat({ max: x.rank - 1 }).chain((axis) =>
    fc.tuple(fc.constant(x), arbShape({ rank: [0, 2], dim: [1, 3] }).chain((s) => arbIndices(s, x.shape[axis])), fc.constant(axis)),
  ),
);

/** x, an axis, and indices of x's rank with any number of picks along the axis. */
const takeCase = arbTensor({ rank: [1, 3], dim: [1, 3] }).chain((x) =>
  fc.tuple(fc.nat({ max: x.rank - 1 }), fc.integer({ min: 1, max: 3 })).chain(([axis, picks]) =>
    fc.tuple(
      fc.constant(x),
      arbIndices(x.shape.map((d, i) => (i === axis ? picks : d)), x.shape[axis]),
      fc.constant(axis),
    ),
  ),
);

describe('gather', () => {
  test.prop([gatherCase], runs)('gather gradient matches finite differences (repeated indices included)', ([x, idx, axis]) => {
    checkGradients((t) => gather(t, idx, axis), [x]);
  });

  test.prop([gatherCase], runs)(
    'for any indices, gather has shape x.shape[:axis] + indices.shape + x.shape[axis+1:]',
    ([x, idx, axis]) => {
      expect(gather(x, idx, axis).shape).toEqual([...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
    },
  );

  test.prop([arbTensor({ rank: [1, 3], dim: [1, 3] })], runs)('gathering 0..n-1 along axis 0 gives x back', (x) => {
    const all = Array.from({ length: x.shape[0] }, (_, i) => i);
    expect(gather(x, all).data).toEqual(x.data);
  });

  test('worked examples: rows, a 2-D index, a column, a scalar index', () => {
    const table = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(gather(table, [2, 0, 2]).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(gather(table, tensor([[0], [1]])).toArray()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(gather(table, [1], 1).toArray()).toEqual([[2], [4], [6]]);
    expect(gather(table, tensor(1), -1).toArray()).toEqual([2, 4, 6]);
  });

  test('backward scatter-adds: a repeated index accumulates its gradient', () => {
    const x = tensor([10, 20, 30], undefined, { requiresGrad: true });
    backward(sum(gather(x, [2, 0, 2, 2])));
    expect(Array.from(x.grad!.data)).toEqual([1, 0, 3]);
  });

  test('indices get no gradient', () => {
    const x = tensor([10, 20], undefined, { requiresGrad: true });
    const idx = tensor([1, 0], undefined, { requiresGrad: true });
    backward(sum(gather(x, idx)));
    expect(idx.grad).toBeNull();
  });

  test('out-of-range, negative and non-integer indices throw, naming the index and the axis size', () => {
    const x = tensor([[1, 2], [3, 4], [5, 6]]);
    expect(() => gather(x, [0, 3])).toThrow(ArgumentError);
    expect(() => gather(x, [0, 3])).toThrow('gather: index 3 at indices[1] is out of range for axis 0 of size 3 (x [3,2])');
    expect(() => gather(x, tensor([[0, 1], [-1, 0]]), 1)).toThrow(
      'gather: index -1 at indices[1,0] is out of range for axis 1 of size 2 (x [3,2])',
    );
    expect(() => gather(x, [0.5])).toThrow('gather: indices must hold integers, found 0.5 at indices[0]');
    expect(() => gather(x, tensor([1.5]))).toThrow('gather: indices must hold integers, found 1.5 at indices[0]');
    expect(() => gather(x, [0], 2)).toThrow('gather: axis 2 is out of range for a tensor of rank 2');
    expect(() => gather(tensor(1), [0])).toThrow(ShapeError);
  });
});

describe('takeAlongAxis', () => {
  test.prop([takeCase], runs)('takeAlongAxis gradient matches finite differences', ([x, idx, axis]) => {
    checkGradients((t) => takeAlongAxis(t, idx, axis), [x]);
  });

  test.prop([arbShape({ rank: [2, 2], dim: [1, 4] }).chain((s) => fc.tuple(arbTensorOfShape(s), arbIndices([s[0], 1], s[1])))], runs)(
    'for logits [N,C] and labels [N,1], takeAlongAxis(logits, labels, 1)[i] = logits[i, labels[i]]',
    ([logits, labels]) => {
      const picked = takeAlongAxis(logits, labels, 1);
      expect(picked.shape).toEqual([logits.shape[0], 1]);
      const C = logits.shape[1];
      Array.from(picked.data).forEach((v, i) => expect(v).toBe(logits.data[i * C + labels.data[i]]));
    },
  );

  test('worked example: the logit of each row label, and picks along axis 0', () => {
    const logits = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(takeAlongAxis(logits, tensor([[2], [0]]), 1).toArray()).toEqual([[3], [4]]);
    expect(takeAlongAxis(logits, tensor([[1, 0, 1]]), 0).toArray()).toEqual([[4, 2, 6]]);
    expect(takeAlongAxis(tensor([7, 8, 9]), [2, 2], -1).toArray()).toEqual([9, 9]);
  });

  test('backward scatter-adds into x; indices get no gradient', () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    backward(sum(takeAlongAxis(x, tensor([[1, 1], [0, 1]]), 1)));
    expect(x.grad!.toArray()).toEqual([[0, 2], [1, 1]]);
  });

  test('indices whose shape does not fit x, or out-of-range indices, throw', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => takeAlongAxis(x, tensor([[0]]), 1)).toThrow(ShapeError);
    expect(() => takeAlongAxis(x, tensor([[0]]), 1)).toThrow(
      "takeAlongAxis: indices of shape [1,1] must have x's rank and match x's shape [2,3] outside axis 1",
    );
    expect(() => takeAlongAxis(x, [0, 1], 1)).toThrow("takeAlongAxis: indices of shape [2] must have x's rank");
    expect(() => takeAlongAxis(x, tensor([[0], [3]]), 1)).toThrow(
      'takeAlongAxis: index 3 at indices[1,0] is out of range for axis 1 of size 3 (x [2,3])',
    );
  });
});
