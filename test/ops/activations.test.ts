import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { elu, leakyRelu, relu, sigmoid, softplus, tanh } from '../../src/ops/activations.js';
import { ArgumentError, backward, sum, tensor, type Tensor } from '../../src/ops/index.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };
const small = { rank: [0, 3], dim: [1, 4] } as const;
// −0 and +0 are the same number here; toEqual would tell them apart.
const values = (t: Tensor): number[] => Array.from(t.data, (v) => (v === 0 ? 0 : v));

/** Gradient of `sum(fn(x))`, i.e. the element-wise derivative of an element-wise op. */
function derivative(fn: (x: Tensor) => Tensor, xs: number[]): number[] {
  const x = tensor(xs, undefined, { requiresGrad: true });
  backward(sum(fn(x)));
  return values(x.grad!);
}

describe('sigmoid', () => {
  test.prop([arbTensor(small)], runs)('sigmoid gradient matches finite differences', (x) => {
    checkGradients(sigmoid, [x]);
  });
  test.prop([arbTensor({ ...small, min: -15, max: 15 })], runs)('for any x in [−15, 15], sigmoid(x) is in (0, 1)', (x) => {
    for (const y of values(sigmoid(x))) expect(y > 0 && y < 1).toBe(true);
  });
  test.prop([arbTensor({ ...small, min: -1e30, max: 1e30 })], runs)('for any finite x, sigmoid(x) is in [0, 1] and not NaN', (x) => {
    for (const y of values(sigmoid(x))) expect(y >= 0 && y <= 1).toBe(true);
  });
  test.prop([arbTensor({ ...small, min: -10, max: 10 })], runs)('for any x, sigmoid(−x) = 1 − sigmoid(x)', (x) => {
    const minus = values(sigmoid(tensor(values(x).map((v) => -v))));
    values(sigmoid(x)).forEach((y, i) => expect(minus[i]).toBeCloseTo(1 - y, 6));
  });
  test('sigmoid(0) = 0.5', () => {
    expect(sigmoid(tensor(0)).item()).toBe(0.5);
  });
  test('sigmoid(−1000) = 0 and sigmoid(1000) = 1, without NaN, and their gradients are 0', () => {
    expect(values(sigmoid(tensor([-1000, 1000])))).toEqual([0, 1]);
    expect(derivative(sigmoid, [-1000, 1000])).toEqual([0, 0]);
  });
  test('a non-tensor input is rejected by name', () => {
    expect(() => sigmoid([1, 2] as never)).toThrow('sigmoid: x must be a Tensor or a number, found an array');
  });
});

describe('tanh', () => {
  test.prop([arbTensor(small)], runs)('tanh gradient matches finite differences', (x) => {
    checkGradients(tanh, [x]);
  });
  test.prop([arbTensor({ ...small, min: -10, max: 10 })], runs)('for any x, tanh(x) = 2·sigmoid(2x) − 1', (x) => {
    const viaSigmoid = values(sigmoid(tensor(values(x).map((v) => 2 * v)))).map((s) => 2 * s - 1);
    values(tanh(x)).forEach((y, i) => expect(y).toBeCloseTo(viaSigmoid[i], 6));
  });
  test('tanh(±1000) = ±1 and tanh(0) = 0, with derivative 1 at 0', () => {
    expect(values(tanh(tensor([-1000, 0, 1000])))).toEqual([-1, 0, 1]);
    expect(derivative(tanh, [0])).toEqual([1]);
  });
});

describe('relu', () => {
  test.prop([arbTensor({ ...small, awayFrom: [0] })], runs)('relu gradient matches finite differences (away from the kink at 0)', (x) => {
    checkGradients(relu, [x]);
  });
  test.prop([arbTensor({ ...small, min: -100, max: 100 })], runs)('for any x, relu(x) − relu(−x) = x', (x) => {
    const minus = values(relu(tensor(values(x).map((v) => -v))));
    values(relu(x)).forEach((y, i) => expect(y - minus[i]).toBe(values(x)[i]));
  });
  test('relu([−2, 0, 3]) = [0, 0, 3], with derivative [0, 0, 1] (0 at the kink, as in PyTorch)', () => {
    expect(values(relu(tensor([-2, 0, 3])))).toEqual([0, 0, 3]);
    expect(derivative(relu, [-2, 0, 3])).toEqual([0, 0, 1]);
  });
  test('relu propagates NaN', () => {
    expect(relu(tensor([NaN])).item()).toBeNaN();
  });
  test('relu does not mutate its input', () => {
    const x = tensor([-1, 2]);
    relu(x);
    expect(values(x)).toEqual([-1, 2]);
  });
});

describe('leakyRelu', () => {
  const slope = fc.double({ min: -0.5, max: 2, noNaN: true });
  test.prop([arbTensor({ ...small, awayFrom: [0] }), slope], runs)(
    'leakyRelu gradient matches finite differences (away from the kink at 0)',
    (x, s) => {
      checkGradients((t) => leakyRelu(t, s), [x]);
    },
  );
  test.prop([arbTensor(small)], runs)('for any x, leakyRelu(x, 0) = relu(x) and leakyRelu(x, 1) = x', (x) => {
    expect(values(leakyRelu(x, 0))).toEqual(values(relu(x)));
    expect(values(leakyRelu(x, 1))).toEqual(values(x));
  });
  test('leakyRelu([−2, 3]) uses the default slope 0.01: [−0.02, 3], derivative [0.01, 1]', () => {
    expect(values(leakyRelu(tensor([-2, 3])))).toEqual([Math.fround(-0.02), 3]);
    expect(derivative((t) => leakyRelu(t), [-2, 3])).toEqual([Math.fround(0.01), 1]);
  });
  test('a non-finite negativeSlope is rejected by name', () => {
    expect(() => leakyRelu(tensor([1]), NaN)).toThrow(ArgumentError);
    expect(() => leakyRelu(tensor([1]), Infinity)).toThrow('leakyRelu: negativeSlope must be a finite number, found Infinity');
  });
});

describe('elu', () => {
  const alpha = fc.double({ min: 0.1, max: 3, noNaN: true });
  test.prop([arbTensor({ ...small, awayFrom: [0] }), alpha], runs)(
    'elu gradient matches finite differences (away from the kink at 0)',
    (x, a) => {
      checkGradients((t) => elu(t, a), [x]);
    },
  );
  test.prop([arbTensor({ ...small, min: -50, max: 50 }), alpha], runs)('for any x, elu(x, α) ≥ −α, and elu(x) = x for x > 0', (x, a) => {
    values(elu(x, a)).forEach((y, i) => {
      expect(y).toBeGreaterThanOrEqual(-Math.fround(a));
      if (x.data[i] > 0) expect(y).toBe(x.data[i]);
    });
  });
  test('elu([−1000, −1, 0, 2]) = [−1, e⁻¹ − 1, 0, 2], derivative [0, e⁻¹, 1, 1]', () => {
    const y = values(elu(tensor([-1000, -1, 0, 2])));
    expect(y[0]).toBe(-1);
    expect(y[1]).toBeCloseTo(Math.exp(-1) - 1, 6);
    expect(y.slice(2)).toEqual([0, 2]);
    const d = derivative((t) => elu(t), [-1000, -1, 0, 2]);
    expect(d[0]).toBe(0);
    expect(d[1]).toBeCloseTo(Math.exp(-1), 6);
    expect(d.slice(2)).toEqual([1, 1]);
  });
  test('elu with α = 2 saturates at −2', () => {
    expect(elu(tensor([-100]), 2).item()).toBe(-2);
  });
  test('alpha must be a positive finite number', () => {
    expect(() => elu(tensor([1]), 0)).toThrow('elu: alpha must be a finite number > 0, found 0');
    expect(() => elu(tensor([1]), -1)).toThrow(ArgumentError);
    expect(() => elu(tensor([1]), NaN)).toThrow('elu: alpha must be a finite number > 0, found NaN');
  });
});

describe('softplus', () => {
  const beta = fc.double({ min: 0.25, max: 4, noNaN: true });
  test.prop([arbTensor(small), beta], runs)('softplus gradient matches finite differences, for any β', (x, b) => {
    checkGradients((t) => softplus(t, { beta: b }), [x]);
  });
  test.prop([arbTensor({ ...small, min: -15, max: 15 })], runs)('for any x, softplus(x) − softplus(−x) = x', (x) => {
    const minus = values(softplus(tensor(values(x).map((v) => -v))));
    values(softplus(x)).forEach((y, i) => expect(y - minus[i]).toBeCloseTo(x.data[i], 5));
  });
  test.prop([arbTensor({ ...small, min: -30, max: 30 }), beta], runs)("for any x and β, softplus'(x) = sigmoid(βx)", (x, b) => {
    const d = derivative((t) => softplus(t, { beta: b }), values(x));
    const s = values(sigmoid(tensor(values(x).map((v) => Math.fround(b) * v))));
    d.forEach((v, i) => expect(v).toBeCloseTo(s[i], 6));
  });
  test('softplus(0) = log 2, softplus(0; β = 2) = log 2 / 2, softplus(100) = 100, softplus(−100) ≈ e⁻¹⁰⁰', () => {
    expect(softplus(tensor(0)).item()).toBeCloseTo(Math.LN2, 7);
    expect(softplus(tensor(0), { beta: 2 }).item()).toBeCloseTo(Math.LN2 / 2, 7);
    expect(softplus(tensor(100)).item()).toBe(100);
    expect(softplus(tensor(-100)).item()).toBe(Math.fround(Math.exp(-100)));
  });
  test('above βx > threshold softplus is x itself, with derivative 1 (PyTorch)', () => {
    expect(softplus(tensor([3]), { threshold: 2 }).item()).toBe(3);
    expect(derivative((t) => softplus(t, { threshold: 2 }), [3])).toEqual([1]);
  });
  test('a huge threshold does not overflow: softplus(1000; threshold = 1e6) = 1000', () => {
    expect(softplus(tensor([1000]), { threshold: 1e6 }).item()).toBe(1000);
    expect(derivative((t) => softplus(t, { threshold: 1e6 }), [1000])).toEqual([1]);
  });
  test('beta must be a positive finite number and threshold a finite number', () => {
    expect(() => softplus(tensor([1]), { beta: 0 })).toThrow('softplus: beta must be a finite number > 0, found 0');
    expect(() => softplus(tensor([1]), { beta: Infinity })).toThrow(ArgumentError);
    expect(() => softplus(tensor([1]), { threshold: NaN })).toThrow('softplus: threshold must be a finite number, found NaN');
  });
  test('an unknown option is rejected by name', () => {
    expect(() => softplus(tensor([1]), { betta: 2 } as never)).toThrow(
      "softplus: unknown option 'betta' (expected one of beta, threshold)",
    );
    expect(() => softplus(tensor([1]), 2 as never)).toThrow('softplus: options must be an object, found 2');
  });
});
