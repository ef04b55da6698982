import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Tensor, tensor, zeros, ones, full, arange, eye, randn, randu, Rng, ArgumentError, ShapeError, reshape } from '../../src/ops/index.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

describe('Tensor and creation helpers', () => {
  test('tensor infers the shape of nested arrays and copies values', () => {
    const src = [[1, 2, 3], [4, 5, 6]];
    const t = tensor(src);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    src[0][0] = 99;
    expect(t.data[0]).toBe(1);
  });

  test('tensor takes a flat array with an explicit shape, and a scalar', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    const s = tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(3.5);
    expect(tensor(Float32Array.of(1, 2)).shape).toEqual([2]);
  });

  test('ragged nested arrays are rejected with the path of the offending row', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow('ragged nested array: values[0] has shape [2] but values[1] has shape [1]');
  });

  test('values that do not fill the shape are rejected with both counts', () => {
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2,2] (4 elements)');
  });

  test('the Tensor constructor checks that data fits the shape', () => {
    expect(() => new Tensor(new Float32Array(3), [2, 2])).toThrow(ArgumentError);
    expect(() => new Tensor(new Float32Array(2), [2, -1])).toThrow('shape must hold non-negative integers');
    expect(() => new Tensor(new Float32Array(2), [2, 0.5])).toThrow(ArgumentError);
  });

  test('zeros, ones, full, eye and arange fill as named', () => {
    expect(Array.from(zeros([2, 2]).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones([3]).data)).toEqual([1, 1, 1]);
    expect(Array.from(full([2], 7).data)).toEqual([7, 7]);
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(Array.from(arange(4).data)).toEqual([0, 1, 2, 3]);
    expect(Array.from(arange(1, 2, 0.25).data)).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arange(0).shape).toEqual([0]);
    expect(() => arange(0, 1, 0)).toThrow('arange: step must not be 0');
    expect(() => zeros([Number.NaN])).toThrow('zeros: shape must hold non-negative integers');
    expect(() => full([Infinity], 1)).toThrow(ArgumentError);
  });

  test('randn and randu are reproducible from the seed and have the requested moments', () => {
    const a = randn([10_000], new Rng(1));
    const b = randn([10_000], new Rng(1));
    expect(a.data).toEqual(b.data);
    const m = a.data.reduce((s, v) => s + v, 0) / a.size;
    const v = a.data.reduce((s, x) => s + (x - m) ** 2, 0) / a.size;
    expect(Math.abs(m)).toBeLessThan(0.05);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
    const u = randu([10_000], new Rng(2), { low: -1, high: 3 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u.data)).toBeLessThan(3);
    expect(() => randu([2], new Rng(1), { low: 1, high: 1 })).toThrow('randu: high must exceed low');
  });

  test('item() refuses tensors with more than one element, naming the shape', () => {
    expect(() => zeros([2, 3]).item()).toThrow('item: expected a tensor with one element, found shape [2,3]');
  });

  test('toString prints small tensors whole and elides long dimensions', () => {
    expect(tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1, 2],\n        [3, 4]], shape=[2,2])');
    expect(tensor([0.5]).toString()).toBe('tensor([0.5000], shape=[1])');
    expect(arange(100).toString()).toBe('tensor([0, 1, 2, ..., 97, 98, 99], shape=[100])');
    expect(tensor(2, undefined, { requiresGrad: true }).toString()).toBe('tensor(2, shape=[], requiresGrad=true)');
  });
});

describe('reshape', () => {
  prop.prop([arbTensor({ rank: [0, 4] })], { numRuns: 40 })('for any x, reshape to [-1] keeps the values in row-major order', (x) => {
    const flat = x.reshape([-1]);
    expect(flat.shape).toEqual([x.size]);
    expect(flat.data).toEqual(x.data);
  });

  prop.prop([arbTensor({ rank: [1, 4] })], { numRuns: 30 })('reshape gradient matches finite differences', (x) => {
    checkGradients((t) => reshape(t, [x.size]), [x]);
  });

  test('a reshape that changes the element count names both shapes', () => {
    expect(() => zeros([2, 3]).reshape([4, 2])).toThrow(ShapeError);
    expect(() => zeros([2, 3]).reshape([4, 2])).toThrow('reshape: cannot reshape [2,3] (6 elements) to [4,2] (8 elements)');
    expect(() => zeros([2, 3]).reshape([-1, -1])).toThrow('at most one dimension may be -1');
    expect(() => zeros([2, 3]).reshape([4, -1])).toThrow('cannot reshape [2,3] (6 elements) to [4,-1]');
  });

  prop.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })], { numRuns: 20 })(
    'for any m, n, reshape([m, -1]) of an m·n tensor infers n',
    (m, n) => {
      expect(zeros([m * n]).reshape([m, -1]).shape).toEqual([m, n]);
    },
  );
});
