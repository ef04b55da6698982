import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { backward, sum, tensor, zeros, ArgumentError, Tensor } from '../../src/ops/index.js';
import { argmax, argmin, max, mean, min } from '../../src/ops/reduce.js';
import { arbReduction, arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

describe('mean', () => {
  test.prop([arbReduction({})], runs)('for any x and axes, mean gradient matches finite differences', ([x, axis, keepDims]) => {
    checkGradients((t) => mean(t, axis, keepDims), [x]);
  });

  test.prop([arbReduction({})], runs)('for any x and axes, mean = sum / N', ([x, axis, keepDims]) => {
    const m = mean(x, axis, keepDims);
    const s = sum(x, axis, keepDims);
    const n = x.size / s.size;
    expect(m.shape).toEqual(s.shape);
    s.data.forEach((v, i) => expect(m.data[i]).toBeCloseTo(v / n, 6));
  });

  test('worked examples: mean([[1,2],[3,4]], 0) = [2,3], over axis 1 kept = [[1.5],[3.5]], over all = 2.5', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(mean(x, 0).toArray()).toEqual([2, 3]);
    expect(mean(x, -1, true).toArray()).toEqual([[1.5], [3.5]]);
    expect(mean(x).item()).toBe(2.5);
    expect(mean(x).shape).toEqual([]);
    expect(mean(x, [0, 1], true).shape).toEqual([1, 1]);
  });

  test('the gradient of mean over N elements is 1/N each', () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    backward(mean(x));
    expect(Array.from(x.grad!.data)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  test('the mean of no elements is NaN (0/0), as in NumPy', () => {
    expect(mean(zeros([0])).item()).toBeNaN();
    expect(mean(zeros([2, 0]), 1).toArray()).toEqual([NaN, NaN]);
  });

  test('a bad axis is rejected naming mean', () => {
    expect(() => mean(tensor([[1, 2]]), 2)).toThrow(ArgumentError);
    expect(() => mean(tensor([[1, 2]]), 2)).toThrow('mean: axis 2 is out of range for a tensor of rank 2');
    expect(() => mean(tensor([[1, 2]]), [1, -1])).toThrow('mean: repeated axis in [1,-1]');
  });
});

describe('max, min', () => {
  // Distinct values 0.05 apart: a tie (or a near-tie within h) has no single gradient.
  test.prop([arbReduction({ distinct: 0.05 })], runs)('for any x with distinct values, max gradient matches finite differences', ([x, axis, keepDims]) => {
    checkGradients((t) => max(t, axis, keepDims), [x]);
  });
  test.prop([arbReduction({ distinct: 0.05 })], runs)('for any x with distinct values, min gradient matches finite differences', ([x, axis, keepDims]) => {
    checkGradients((t) => min(t, axis, keepDims), [x]);
  });

  test.prop([arbReduction({})], runs)('for any x and axes, min <= mean <= max, and max(x) = −min(−x)', ([x, axis, keepDims]) => {
    const hi = max(x, axis, keepDims);
    const lo = min(x, axis, keepDims);
    const m = mean(x, axis, keepDims);
    const negated = new Tensor(Float32Array.from(x.data, (v) => -v), x.shape);
    expect(Array.from(min(negated, axis, keepDims).data, (v) => -v)).toEqual(Array.from(hi.data));
    m.data.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(lo.data[i] - 1e-6);
      expect(v).toBeLessThanOrEqual(hi.data[i] + 1e-6);
    });
  });

  test('worked examples on [[1,5,2],[7,0,3]]', () => {
    const x = tensor([[1, 5, 2], [7, 0, 3]]);
    expect(max(x, 1).toArray()).toEqual([5, 7]);
    expect(max(x, 0).toArray()).toEqual([7, 5, 3]);
    expect(min(x, 1, true).toArray()).toEqual([[1], [0]]);
    expect(max(x).item()).toBe(7);
    expect(min(x, [0, 1]).item()).toBe(0);
    expect(max(tensor(3)).item()).toBe(3);
  });

  test('at a tie the gradient goes to the first maximal element, the one argmax picks', () => {
    const x = tensor([[3, 1, 3], [2, 2, 0]], undefined, { requiresGrad: true });
    backward(sum(max(x, 1)));
    expect(x.grad!.toArray()).toEqual([[1, 0, 0], [1, 0, 0]]);
    expect(argmax(x, 1).toArray()).toEqual([0, 0]);
  });

  test('NaN propagates: max and min of a slice holding NaN are NaN', () => {
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(min(tensor([[NaN, 1], [2, 3]]), 1).toArray()).toEqual([NaN, 2]);
  });

  test('reducing over an empty axis throws; an empty result is fine', () => {
    expect(() => max(zeros([2, 0]), 1)).toThrow(ArgumentError);
    expect(() => max(zeros([2, 0]), 1)).toThrow('max: cannot reduce over an empty axis: input [2,0], axes [1]');
    expect(() => min(zeros([0]))).toThrow('min: cannot reduce over an empty axis: input [0], axes [0]');
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
  });

  test('a bad axis is rejected naming the op', () => {
    expect(() => max(tensor([1, 2]), -2)).toThrow('max: axis -2 is out of range for a tensor of rank 1');
    expect(() => min(tensor([1, 2]), 1.5)).toThrow('min: axis 1.5 is out of range');
  });
});

describe('argmax, argmin', () => {
  test.prop([arbTensor({ rank: [1, 3], dim: [1, 4] })], runs)('for any x, x at argmax along the last axis is the max', (x) => {
    const n = x.shape[x.rank - 1];
    const idx = argmax(x, -1);
    const hi = max(x, -1);
    idx.data.forEach((k, row) => {
      expect(Number.isInteger(k) && k >= 0 && k < n).toBe(true);
      expect(x.data[row * n + k]).toBe(hi.data[row]);
    });
  });

  test.prop([arbTensor({ rank: [0, 3], dim: [1, 4] })], runs)('for any x, argmax with no axis is the flat index of the max', (x) => {
    const k = argmax(x).item();
    expect(x.data[k]).toBe(max(x).item());
    expect(x.data[argmin(x).item()]).toBe(min(x).item());
  });

  test('worked examples: argmax([[1,5,2],[7,0,3]], 1) = [1, 0]; over all = 3', () => {
    const x = tensor([[1, 5, 2], [7, 0, 3]]);
    expect(argmax(x, 1).toArray()).toEqual([1, 0]);
    expect(argmax(x, 0).toArray()).toEqual([1, 0, 1]);
    expect(argmin(x, 1, true).toArray()).toEqual([[0], [1]]);
    expect(argmax(x).item()).toBe(3);
    expect(argmin(x).item()).toBe(4);
  });

  test('with a list of axes the index is row-major within the reduced block', () => {
    // x[i, j, k] = values; reduce axes 0 and 2 (block 2x2) for each j.
    const x = tensor([[[0, 1], [9, 2]], [[5, 3], [4, 8]]]);
    // j = 0: block [[0,1],[5,3]] -> max 5 at (1,0) -> 2; j = 1: [[9,2],[4,8]] -> 9 at (0,0) -> 0.
    expect(argmax(x, [0, 2]).toArray()).toEqual([2, 0]);
    expect(argmax(x, [2, 0], true).shape).toEqual([1, 2, 1]);
  });

  test('ties go to the first index; NaN wins, as in NumPy', () => {
    expect(argmax(tensor([2, 7, 7])).item()).toBe(1);
    expect(argmin(tensor([2, 2, 7])).item()).toBe(0);
    expect(argmax(tensor([1, NaN, 3, NaN])).item()).toBe(1);
    expect(argmin(tensor([1, NaN, 0])).item()).toBe(1);
  });

  test('argmax is not differentiable: its result never requires grad', () => {
    const x = tensor([1, 3, 2], undefined, { requiresGrad: true });
    const k = argmax(x);
    expect(k.requiresGrad).toBe(false);
    expect(k.node).toBeNull();
  });

  test('empty axes and bad axes are rejected naming the op', () => {
    expect(() => argmax(zeros([3, 0]), 1)).toThrow('argmax: cannot reduce over an empty axis: input [3,0], axes [1]');
    expect(() => argmin(tensor([1]), 1)).toThrow('argmin: axis 1 is out of range for a tensor of rank 1');
  });
});
