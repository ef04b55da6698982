import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { checkReduction, reduce, REDUCTIONS } from '../../../src/models/losses/reduction.js';
import { arbTensor } from '../../../src/testing/index.js';

describe('reduction', () => {
  test('an omitted reduction means mean', () => {
    expect(checkReduction('mse', undefined)).toBe('mean');
  });

  test('each known reduction is accepted as it is', () => {
    for (const r of REDUCTIONS) expect(checkReduction('mse', r)).toBe(r);
  });

  test('an unknown reduction is an ArgumentError naming the loss, the choices and the value', () => {
    expect(() => checkReduction('mse', 'avg')).toThrow(ArgumentError);
    expect(() => checkReduction('mse', 'avg')).toThrow("mse: reduction must be 'mean', 'sum' or 'none', found 'avg'");
    expect(() => checkReduction('mse', 3)).toThrow("mse: reduction must be 'mean', 'sum' or 'none', found 3");
  });

  test('a loss may accept extra reductions', () => {
    const allowed = ['mean', 'sum', 'none', 'batchmean'] as const;
    expect(checkReduction('klDivergence', 'batchmean', allowed)).toBe('batchmean');
    expect(() => checkReduction('klDivergence', 'avg', allowed)).toThrow(
      "klDivergence: reduction must be 'mean', 'sum', 'none' or 'batchmean', found 'avg'",
    );
  });

  test('mean and sum give scalars, none keeps the terms', () => {
    const terms = tensor([[1, 2], [3, 6]]);
    expect(reduce(terms, 'mean').shape).toEqual([]);
    expect(reduce(terms, 'mean').item()).toBe(3);
    expect(reduce(terms, 'sum').item()).toBe(12);
    expect(reduce(terms, 'none')).toBe(terms);
  });

  test.prop([arbTensor({ rank: [1, 3], dim: [1, 4] })], { numRuns: 20 })(
    'for any terms, sum = mean × number of terms',
    (x) => {
      expect(reduce(x, 'sum').item()).toBeCloseTo(reduce(x, 'mean').item() * x.size, 4);
    },
  );

  test('the mean of no terms is NaN, as in PyTorch', () => {
    expect(reduce(tensor([]), 'mean').item()).toBeNaN();
  });
});
