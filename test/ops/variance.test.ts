import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, tensor, ArgumentError } from '../../src/ops/index.js';
import { mean } from '../../src/ops/reduce.js';
import { variance } from '../../src/ops/variance.js';
import { arbTensor, checkGradients, type ArbTensorOptions } from '../../src/testing/index.js';

const runs = { numRuns: 40 };
type Axis = number | number[] | undefined;

/** A tensor (rank >= 1, every dimension >= 2) with a non-empty axis argument, so N >= 2 > correction. */
const withAxis = (opts: ArbTensorOptions = {}) =>
  arbTensor({ rank: [1, 3], dim: [2, 3], ...opts }).chain((x) => {
    const all = Array.from({ length: x.rank }, (_, i) => i);
    const choices: fc.Arbitrary<Axis>[] = [
      fc.constant(undefined),
      fc.subarray(all, { minLength: 1 }),
      fc.integer({ min: -x.rank, max: x.rank - 1 }),
    ];
    return fc.tuple(fc.constant(x), fc.oneof(...choices), fc.boolean());
  });

describe('variance', () => {
  test.prop([withAxis(), fc.constantFrom(0, 1)], runs)(
    'for any x, axes and correction 0 or 1, variance gradient matches finite differences',
    ([x, axis, keepDims], correction) => {
      checkGradients((t) => variance(t, axis, keepDims, { correction }), [x]);
    },
  );

  test.prop([withAxis()], runs)('for any x, the population variance is mean(x²) − mean(x)²', ([x, axis, keepDims]) => {
    const v = variance(x, axis, keepDims, { correction: 0 });
    const m2 = mean(tensor(Array.from(x.data, (a) => a * a), x.shape), axis, keepDims);
    const m = mean(x, axis, keepDims);
    v.data.forEach((got, i) => expect(got).toBeCloseTo(m2.data[i] - m.data[i] * m.data[i], 4));
  });

  test.prop([withAxis(), fc.double({ min: -10, max: 10, noNaN: true })], runs)(
    'for any x and shift c, variance(x + c) = variance(x), and variance >= 0',
    ([x, axis, keepDims], c) => {
      const v = variance(x, axis, keepDims);
      const shifted = variance(tensor(Array.from(x.data, (a) => a + c), x.shape), axis, keepDims);
      v.data.forEach((got, i) => {
        expect(got).toBeGreaterThanOrEqual(0);
        expect(shifted.data[i]).toBeCloseTo(got, 3);
      });
    },
  );

  test('worked examples: variance([1,2,3,4]) = 5/3 with correction 1 and 1.25 with correction 0', () => {
    const x = tensor([1, 2, 3, 4]);
    expect(variance(x).item()).toBeCloseTo(5 / 3, 6);
    expect(variance(x, undefined, false, { correction: 0 }).item()).toBe(1.25);
    expect(variance(tensor([[1, 2], [3, 5]]), 1).toArray()).toEqual([0.5, 2]);
    expect(variance(tensor([[1, 2], [3, 5]]), 0, true).toArray()).toEqual([[2, 4.5]]);
  });

  test('the gradient is 2(x − mean)/(N − correction)', () => {
    const x = tensor([1, 2, 3, 4], undefined, { requiresGrad: true });
    backward(variance(x));
    const g = Array.from(x.grad!.data);
    [-1.5, -0.5, 0.5, 1.5].forEach((d, i) => expect(g[i]).toBeCloseTo((2 * d) / 3, 6));
  });

  test('N <= correction divides by 0, as PyTorch: one element gives NaN, a nonzero spread +∞', () => {
    expect(variance(tensor([3])).item()).toBeNaN();
    expect(variance(tensor([1, 2]), 0, false, { correction: 2 }).item()).toBe(Infinity);
  });

  test('a bad correction or axis is rejected naming variance', () => {
    expect(() => variance(tensor([1, 2]), 0, false, { correction: -1 })).toThrow(ArgumentError);
    expect(() => variance(tensor([1, 2]), 0, false, { correction: -1 })).toThrow(
      'variance: correction must be a finite number >= 0, found -1',
    );
    expect(() => variance(tensor([1, 2]), 0, false, { correction: NaN })).toThrow('found NaN');
    expect(() => variance(tensor([[1, 2]]), 3)).toThrow('variance: axis 3 is out of range for a tensor of rank 2');
  });
});
