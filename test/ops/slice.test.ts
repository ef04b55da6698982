import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { slice } from '../../src/ops/slice.js';
import { ArgumentError, Tensor, backward, sum, tensor } from '../../src/ops/index.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** A tensor and begin/end lists over some leading axes, with negative and out-of-range bounds. */
const sliced = arbTensor({ rank: [0, 4], dim: [1, 4] }).chain((x) =>
  fc.tuple(
    fc.constant(x),
    fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: x.rank }),
    fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: x.rank }),
  ),
);

/** Python's `x[b:e]` on a list, the semantics slice follows on each axis. */
function pythonRange(size: number, b: number | undefined, e: number | undefined): number[] {
  const clamp = (i: number): number => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const lo = clamp(b ?? 0);
  const hi = clamp(e ?? size);
  return Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);
}

/** Reference slice by enumerating the picked index of every axis. */
function naiveSlice(x: Tensor, begin: number[], end: number[]): { shape: number[]; data: number[] } {
  const ranges = x.shape.map((d, i) => pythonRange(d, begin[i], end[i]));
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  let offsets = [0];
  ranges.forEach((r, i) => {
    offsets = offsets.flatMap((o) => r.map((j) => o + j * strides[i]));
  });
  return { shape: ranges.map((r) => r.length), data: offsets.map((o) => x.data[o]) };
}

describe('slice', () => {
  test.prop([sliced], runs)('slice gradient matches finite differences', ([x, begin, end]) => {
    checkGradients((t) => slice(t, begin, end), [x]);
  });

  test.prop([sliced], runs)('for any bounds, slice follows Python slicing on every axis', ([x, begin, end]) => {
    const y = slice(x, begin, end);
    const expected = naiveSlice(x, begin, end);
    expect(y.shape).toEqual(expected.shape);
    expect(Array.from(y.data)).toEqual(expected.data);
  });

  test('worked examples: x[1:], x[0:2, 1:-1], x[-1:99, 2:]', () => {
    const x = tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(slice(x, [1]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(slice(x, [0, 1], [2, -1]).toArray()).toEqual([[1, 2], [5, 6]]);
    expect(slice(x, [-1, 2], [99]).toArray()).toEqual([[10, 11]]);
  });

  test('end <= begin gives an empty axis, not an error', () => {
    const y = slice(tensor([1, 2, 3]), [2], [1]);
    expect(y.shape).toEqual([0]);
  });

  test('backward scatters the gradient into zeros: d Σ x[1:3] / dx = [0, 1, 1, 0]', () => {
    const x = tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
    backward(sum(slice(x, [1], [3])));
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 1, 0]);
  });

  test('the result is a copy: writing to it leaves x unchanged', () => {
    const x = tensor([1, 2, 3]);
    const y = slice(x, [0]);
    y.data[0] = 9;
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
  });

  test('more bounds than axes, or non-integer bounds, throw an ArgumentError naming them and the shape', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => slice(x, [0, 0, 0])).toThrow(ArgumentError);
    expect(() => slice(x, [0, 0, 0])).toThrow('slice: begin [0,0,0] has 3 entries but x has rank 2 (shape [2,2])');
    expect(() => slice(x, [0], [1, 1, 1])).toThrow('slice: end [1,1,1] has 3 entries but x has rank 2');
    expect(() => slice(x, [0.5])).toThrow('slice: begin must hold integers, found [0.5] (x [2,2])');
    expect(() => slice(x, 1 as never)).toThrow('slice: begin must be an array of integers, found 1');
  });
});
