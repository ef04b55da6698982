import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, sum, tensor, zeros, ArgumentError } from '../../src/ops/index.js';
import { logSumExp } from '../../src/ops/log-sum-exp.js';
import { max } from '../../src/ops/reduce.js';
import { arbReduction, arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

describe('logSumExp', () => {
  test.prop([arbReduction({ min: -3, max: 3 })], runs)('for any x and axes, logSumExp gradient matches finite differences', ([x, axis, keepDims]) => {
    checkGradients((t) => logSumExp(t, axis, keepDims), [x]);
  });

  test.prop([arbReduction({ min: -5, max: 5 })], runs)('for any x and axes, logSumExp = ln Σ exp(x) (float64 reference) and max <= logSumExp', ([x, axis, keepDims]) => {
    const lse = logSumExp(x, axis, keepDims);
    const naive = sum(tensor(Array.from(x.data, Math.exp), x.shape), axis, keepDims);
    const hi = max(x, axis, keepDims);
    expect(lse.shape).toEqual(naive.shape);
    lse.data.forEach((v, i) => {
      expect(v).toBeCloseTo(Math.log(naive.data[i]), 5);
      expect(v).toBeGreaterThanOrEqual(hi.data[i]);
    });
  });

  test.prop([arbTensor({ rank: [1, 3], dim: [1, 3] }), fc.double({ min: -1000, max: 1000, noNaN: true })], runs)(
    'for any x and shift c, logSumExp(x + c) = logSumExp(x) + c (no overflow for large |c|)',
    (x, c) => {
      const shifted = tensor(Array.from(x.data, (v) => v + c), x.shape);
      const expected = logSumExp(x).item() + Math.fround(c);
      const got = logSumExp(shifted).item();
      expect(Number.isFinite(got)).toBe(true);
      // float32 spacing near |c| is about 1.2e-7·|c|; rounding x + c and the result costs a few of those.
      expect(Math.abs(got - expected)).toBeLessThan(1e-5 * (1 + Math.abs(c)));
    },
  );

  test('worked examples: [1000, 1000] = 1000 + ln 2 and [−1000, −1000] = −1000 + ln 2, both finite', () => {
    expect(logSumExp(tensor([1000, 1000])).item()).toBeCloseTo(1000 + Math.LN2, 3);
    expect(logSumExp(tensor([-1000, -1000])).item()).toBeCloseTo(-1000 + Math.LN2, 3);
    expect(logSumExp(tensor([[0, 0], [1, 1]]), 1).data[1]).toBeCloseTo(1 + Math.LN2, 6);
    expect(logSumExp(tensor([[0, 0], [1, 1]]), 0, true).shape).toEqual([1, 2]);
    expect(logSumExp(tensor(2)).item()).toBe(2);
  });

  test('the gradient is softmax along the reduced axis', () => {
    const x = tensor([[1, 2, 3], [0, 0, 0]], undefined, { requiresGrad: true });
    backward(sum(logSumExp(x, 1)));
    const e = [1, 2, 3].map(Math.exp);
    const z = e[0] + e[1] + e[2];
    const g = x.grad!.data;
    e.forEach((v, i) => expect(g[i]).toBeCloseTo(v / z, 6));
    [3, 4, 5].forEach((i) => expect(g[i]).toBeCloseTo(1 / 3, 6));
  });

  test('infinite inputs: all −∞ gives −∞, any +∞ gives +∞, no elements gives −∞ (as PyTorch)', () => {
    expect(logSumExp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logSumExp(tensor([1, Infinity])).item()).toBe(Infinity);
    expect(logSumExp(tensor([-Infinity, 0])).item()).toBe(0);
    expect(logSumExp(zeros([0])).item()).toBe(-Infinity);
    expect(logSumExp(tensor([1, NaN])).item()).toBeNaN();
  });

  test('a bad axis is rejected naming logSumExp', () => {
    expect(() => logSumExp(tensor([1, 2]), 1)).toThrow(ArgumentError);
    expect(() => logSumExp(tensor([1, 2]), 1)).toThrow('logSumExp: axis 1 is out of range for a tensor of rank 1');
  });
});
