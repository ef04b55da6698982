import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { backward, neg, sum, tensor } from '../../src/ops/index.js';
import { abs, exp, log, sqrt } from '../../src/ops/unary.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };
const small = { rank: [0, 3], dim: [1, 3] } as const;
const positive = { ...small, min: 0.5, max: 3 };

describe('exp, log, sqrt, abs', () => {
  test.prop([arbTensor(small)], runs)('for any x, exp gradient matches finite differences', (x) => {
    checkGradients(exp, [x]);
  });
  test.prop([arbTensor(positive)], runs)('for any x > 0, log gradient matches finite differences', (x) => {
    checkGradients(log, [x]);
  });
  test.prop([arbTensor(positive)], runs)('for any x > 0, sqrt gradient matches finite differences', (x) => {
    checkGradients(sqrt, [x]);
  });
  test.prop([arbTensor({ ...small, awayFrom: [0] })], runs)('for any x away from 0, abs gradient matches finite differences', (x) => {
    checkGradients(abs, [x]);
  });

  test.prop([arbTensor(small)], runs)('for any x, log(exp(x)) = x', (x) => {
    const back = log(exp(x));
    x.data.forEach((v, i) => expect(back.data[i]).toBeCloseTo(v, 5));
  });
  test.prop([arbTensor(positive)], runs)('for any x >= 0, sqrt(x)² = x', (x) => {
    const root = sqrt(x);
    x.data.forEach((v, i) => expect(root.data[i] * root.data[i]).toBeCloseTo(v, 5));
  });
  test.prop([arbTensor(small)], runs)('for any x, abs(x) >= 0 and abs(x) = abs(-x)', (x) => {
    const a = abs(x);
    x.data.forEach((v, i) => {
      expect(a.data[i]).toBeGreaterThanOrEqual(0);
      expect(a.data[i]).toBe(Math.abs(-v));
    });
  });

  test('worked examples: exp 0 = 1, ln 1 = 0, ln e = 1, √4 = 2, |−2| = 2', () => {
    expect(exp(tensor([0, 1])).data[0]).toBe(1);
    expect(exp(tensor([0, 1])).data[1]).toBeCloseTo(Math.E, 6);
    expect(log(tensor([1, Math.E])).data[0]).toBe(0);
    expect(log(tensor([1, Math.E])).data[1]).toBeCloseTo(1, 6);
    expect(sqrt(tensor([4, 9])).toArray()).toEqual([2, 3]);
    expect(abs(tensor([[-2, 0], [3, -0.5]])).toArray()).toEqual([[2, 0], [3, 0.5]]);
  });

  test('shapes are kept, scalars included', () => {
    expect(exp(tensor([[1, 2, 3]])).shape).toEqual([1, 3]);
    expect(sqrt(tensor(16)).shape).toEqual([]);
    expect(sqrt(tensor(16)).item()).toBe(4);
  });

  test('IEEE edge cases: ln 0 = −∞, ln(−1) and √−1 are NaN, exp(−∞) = 0', () => {
    expect(log(tensor([0])).item()).toBe(-Infinity);
    expect(log(tensor([-1])).item()).toBeNaN();
    expect(sqrt(tensor([-1])).item()).toBeNaN();
    expect(exp(tensor([-Infinity])).item()).toBe(0);
  });

  test('abs has gradient sign(x), 0 at x = 0 (as PyTorch)', () => {
    const x = tensor([-3, 0, 2], undefined, { requiresGrad: true });
    backward(sum(abs(x)));
    expect(Array.from(x.grad!.data)).toEqual([-1, 0, 1]);
  });

  test('d exp(x)/dx = exp(x), d ln x/dx = 1/x, d √x/dx = 1/(2√x) at known points', () => {
    const x = tensor([1, 4], undefined, { requiresGrad: true });
    backward(sum(exp(x)));
    expect(x.grad!.data[0]).toBeCloseTo(Math.E, 5);
    const y = tensor([2, 4], undefined, { requiresGrad: true });
    backward(sum(log(y)));
    expect(Array.from(y.grad!.data)).toEqual([0.5, 0.25]);
    const z = tensor([4, 16], undefined, { requiresGrad: true });
    backward(sum(sqrt(z)));
    expect(Array.from(z.grad!.data)).toEqual([0.25, 0.125]);
  });

  test('inputs are not mutated', () => {
    const x = tensor([-1, 2, 3]);
    abs(x);
    exp(x);
    expect(Array.from(x.data)).toEqual([-1, 2, 3]);
  });
});

describe('unary ops on bad input', () => {
  test('a non-tensor argument is rejected with the op name', () => {
    expect(() => exp([1, 2] as never)).toThrow('exp: x must be a Tensor or a number, found an array');
    expect(() => neg('x' as never)).toThrow('neg: x must be a Tensor or a number, found string');
  });
  test('a number is a scalar tensor', () => {
    expect(sqrt(4).item()).toBe(2);
  });
});
