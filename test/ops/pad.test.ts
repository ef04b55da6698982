import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { pad } from '../../src/ops/pad.js';
import { slice } from '../../src/ops/slice.js';
import { ArgumentError, backward, sum, tensor } from '../../src/ops/index.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** A tensor and `[before, after]` pairs for some of its trailing dimensions. */
const padded = arbTensor({ rank: [0, 4], dim: [1, 3] }).chain((x) =>
  fc.tuple(
    fc.constant(x),
    fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { maxLength: x.rank }),
    fc.double({ min: -3, max: 3, noNaN: true }),
  ),
);

describe('pad', () => {
  test.prop([padded], runs)('pad gradient matches finite differences', ([x, padding, value]) => {
    checkGradients((t) => pad(t, padding, value), [x]);
  });

  test.prop([padded], runs)('for any padding, slicing the original box back out recovers x', ([x, padding, value]) => {
    const y = pad(x, padding, value);
    const lead = x.rank - padding.length;
    const before = x.shape.map((_, i) => (i < lead ? 0 : padding[i - lead][0]));
    expect(y.shape).toEqual(x.shape.map((d, i) => (i < lead ? d : padding[i - lead][0] + d + padding[i - lead][1])));
    const back = slice(y, before, before.map((b, i) => b + x.shape[i]));
    expect(back.data).toEqual(x.data);
  });

  test.prop([padded], runs)('for any padding, the padded elements all equal value', ([x, padding, value]) => {
    const y = pad(x, padding, value);
    const fill = Math.fround(value);
    const count = Array.from(y.data).filter((v) => v === fill).length - Array.from(x.data).filter((v) => v === fill).length;
    expect(count).toBe(y.size - x.size);
  });

  test('worked examples: a vector, a row padding with -1, both dimensions of a matrix', () => {
    expect(pad(tensor([1, 2]), [[1, 2]]).toArray()).toEqual([0, 1, 2, 0, 0]);
    expect(pad(tensor([[1, 2], [3, 4]]), [[1, 0]], -1).toArray()).toEqual([
      [-1, 1, 2],
      [-1, 3, 4],
    ]);
    expect(pad(tensor([[5]]), [[1, 0], [0, 1]]).toArray()).toEqual([
      [0, 0],
      [5, 0],
    ]);
  });

  test('fewer pairs than dimensions pad the last dimensions (NCHW: pad H and W only)', () => {
    const x = tensor(new Array(8).fill(1), [2, 1, 2, 2]);
    expect(pad(x, [[1, 1], [2, 2]]).shape).toEqual([2, 1, 4, 6]);
    expect(pad(x, []).shape).toEqual([2, 1, 2, 2]);
  });

  test('value may be -Infinity, as max pooling needs', () => {
    expect(pad(tensor([1]), [[1, 0]], -Infinity).toArray()).toEqual([-Infinity, 1]);
  });

  test('backward slices the gradient: d Σ pad(x) / dx is all ones', () => {
    const x = tensor([[1, 2]], undefined, { requiresGrad: true });
    backward(sum(pad(x, [[1, 1], [0, 3]], 7)));
    expect(x.grad!.toArray()).toEqual([[1, 1]]);
  });

  test('bad padding throws an ArgumentError naming it and the shape', () => {
    const x = tensor([1, 2]);
    expect(() => pad(x, [[1, 1], [1, 1]])).toThrow(ArgumentError);
    expect(() => pad(x, [[1, 1], [1, 1]])).toThrow(
      'pad: 2 [before, after] pairs for a tensor of rank 1 (padding [[1,1],[1,1]], x [2])',
    );
    expect(() => pad(x, [[-1, 0]])).toThrow('pad: padding amounts must be non-negative integers, found [[-1,0]] (x [2])');
    expect(() => pad(x, [[0.5, 0]])).toThrow('pad: padding amounts must be non-negative integers');
    expect(() => pad(x, [[1]] as never)).toThrow('pad: each padding entry must be a [before, after] pair, found [[1]]');
    expect(() => pad(x, 1 as never)).toThrow('pad: padding must be an array of [before, after] pairs, found 1');
    expect(() => pad(x, [[1, 1]], 'a' as never)).toThrow('pad: value must be a number, found string');
  });
});
