import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { inversePermutation, permute, transpose } from '../../src/ops/transpose.js';
import { ArgumentError, ShapeError, tensor } from '../../src/ops/index.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** A tensor and a permutation of its axes. */
const withPermutation = arbTensor({ rank: [0, 4], dim: [1, 3] }).chain((x) => {
  const axes = x.shape.map((_, i) => i);
  return fc.tuple(fc.constant(x), fc.shuffledSubarray(axes, { minLength: axes.length, maxLength: axes.length }));
});

describe('permute, transpose', () => {
  test.prop([withPermutation], runs)('permute gradient matches finite differences', ([x, p]) => {
    checkGradients((t) => permute(t, p), [x]);
  });

  test.prop([arbTensor({ rank: [2, 4], dim: [1, 3] }), fc.nat(), fc.nat()], runs)(
    'transpose gradient matches finite differences',
    (x, i, j) => {
      checkGradients((t) => transpose(t, i % x.rank, j % x.rank), [x]);
    },
  );

  test.prop([withPermutation], runs)('for any permutation p, permute(permute(x, p), inverse(p)) equals x', ([x, p]) => {
    const back = permute(permute(x, p), inversePermutation(p));
    expect(back.shape).toEqual(x.shape);
    expect(back.data).toEqual(x.data);
  });

  test.prop([withPermutation], runs)('for any permutation p, permute(x, p).shape[d] = x.shape[p[d]]', ([x, p]) => {
    expect(permute(x, p).shape).toEqual(p.map((a) => x.shape[a]));
  });

  test.prop([arbTensor({ rank: [2, 4], dim: [1, 3] })], runs)('transposing twice gives x back', (x) => {
    expect(transpose(transpose(x)).data).toEqual(x.data);
  });

  test('transpose of [[1,2,3],[4,5,6]] is [[1,4],[2,5],[3,6]]', () => {
    expect(transpose(tensor([[1, 2, 3], [4, 5, 6]])).toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  test('permute [2,3,4] by [2,0,1] gives out[k,i,j] = x[i,j,k]; negative axes count from the end', () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const y = permute(x, [2, 0, 1]);
    expect(y.shape).toEqual([4, 2, 3]);
    // y[3, 1, 2] = x[1, 2, 3] = 1·12 + 2·4 + 3
    expect(y.data[3 * 6 + 1 * 3 + 2]).toBe(23);
    expect(permute(x, [-1, 0, -2]).data).toEqual(y.data);
  });

  test('transpose swaps any two axes, batched over the rest', () => {
    const x = tensor(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    expect(transpose(x).shape).toEqual([2, 4, 3]);
    expect(transpose(x, 0, 2).data).toEqual(permute(x, [2, 1, 0]).data);
  });

  test('the result is a copy: x is not mutated and does not share storage', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = permute(x, [0, 1]);
    y.data[0] = 9;
    expect(Array.from(x.data)).toEqual([1, 2, 3, 4]);
  });

  test('axes that are not a permutation throw an ArgumentError naming them', () => {
    const x = tensor(new Array(6).fill(0), [1, 2, 3]);
    expect(() => permute(x, [0, 0, 1])).toThrow(ArgumentError);
    expect(() => permute(x, [0, 0, 1])).toThrow(
      'permute: axes [0,0,1] is not a permutation of the 3 axes of a tensor of shape [1,2,3]',
    );
    expect(() => permute(x, [0, 1])).toThrow('permute: axes [0,1] is not a permutation');
    expect(() => permute(x, [0, 1, 3])).toThrow('permute: axes [0,1,3] is not a permutation');
  });

  test('transpose needs rank >= 2, like PyTorch x.mT', () => {
    expect(() => transpose(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => transpose(tensor([1, 2, 3]))).toThrow(
      'transpose: needs a tensor of rank >= 2 to swap two axes, found shape [3]',
    );
    expect(() => transpose(tensor([[1]]), 0, 2)).toThrow('transpose: axis 2 is out of range for a tensor of rank 2');
  });
});
