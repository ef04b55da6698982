import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { sgd } from '../../../src/models/optimizers/sgd.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

describe('sgd', () => {
  test('plain SGD with weight decay: θ ← θ − γ(g + λθ), three steps', () => {
    const [lr, wd] = [0.1, 0.01];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = sgd([p], { lr, weightDecay: wd });
    const expected = [...theta0];
    for (const g of grads) {
      stepWith(opt, p, g);
      for (let i = 0; i < 2; i++) expected[i] = expected[i] - lr * (g[i] + wd * expected[i]);
      expectClose(p.data, expected);
    }
    expect(opt.state().buffers).toEqual({});
  });

  test('momentum with dampening: b₁ = g₁, then b ← μb + (1 − τ)g, θ ← θ − γb (PyTorch), three steps', () => {
    const [lr, mu, tau, wd] = [0.1, 0.9, 0.2, 0.05];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = sgd([p], { lr, momentum: mu, dampening: tau, weightDecay: wd });
    const expected = [...theta0];
    const buf = [0, 0];
    grads.forEach((g, t) => {
      stepWith(opt, p, g);
      for (let i = 0; i < 2; i++) {
        const gi = g[i] + wd * expected[i];
        buf[i] = t === 0 ? gi : mu * buf[i] + (1 - tau) * gi;
        expected[i] = expected[i] - lr * buf[i];
      }
      expectClose(p.data, expected);
      expectClose(opt.state().buffers['0.momentum_buffer'].data, buf);
    });
  });

  test('Nesterov: θ ← θ − γ(g + μb) with b ← μb + g, three steps', () => {
    const [lr, mu] = [0.05, 0.9];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = sgd([p], { lr, momentum: mu, nesterov: true });
    const expected = [...theta0];
    const buf = [0, 0];
    grads.forEach((g, t) => {
      stepWith(opt, p, g);
      for (let i = 0; i < 2; i++) {
        buf[i] = t === 0 ? g[i] : mu * buf[i] + g[i];
        expected[i] = expected[i] - lr * (g[i] + mu * buf[i]);
      }
      expectClose(p.data, expected);
    });
  });

  test('with a zero gradient, weight decay shrinks θ by the factor (1 − γλ)', () => {
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    const opt = sgd([p], { lr: 0.1, weightDecay: 0.5 });
    stepWith(opt, p, [0, 0]);
    expectClose(p.data, [3 * 0.95, -4 * 0.95]);
  });

  test.each([
    ['plain', { lr: 0.1 }, 200],
    ['momentum', { lr: 0.05, momentum: 0.9 }, 300],
    ['Nesterov', { lr: 0.05, momentum: 0.9, nesterov: true }, 300],
  ])('%s SGD drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4', (_, options, steps) => {
    const theta = start();
    run(sgd([theta], options), () => quadratic(theta), steps);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test.each([
    ['plain', { lr: 0.1, weightDecay: 0.01 }],
    ['momentum with dampening', { lr: 0.05, momentum: 0.9, dampening: 0.1 }],
    ['Nesterov', { lr: 0.05, momentum: 0.9, nesterov: true }],
  ])('%s: k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', (_, options) => {
    expectExactResume((params) => sgd(params, options), 6);
  });

  test.each([
    [{ lr: -0.1 }, /^sgd: lr must be a finite number >= 0, found -0.1$/],
    [{ lr: NaN }, /^sgd: lr must be a finite number >= 0, found NaN$/],
    [{}, /^sgd: lr must be a finite number >= 0, found undefined$/],
    [{ lr: 0.1, momentum: -0.5 }, /^sgd: momentum must be a finite number >= 0, found -0.5$/],
    [{ lr: 0.1, dampening: -1 }, /^sgd: dampening must be a finite number >= 0, found -1$/],
    [{ lr: 0.1, weightDecay: -1e-4 }, /^sgd: weightDecay must be a finite number >= 0, found -0.0001$/],
    [{ lr: 0.1, nesterov: true }, /^sgd: nesterov momentum requires momentum > 0 and dampening 0, found momentum 0, dampening 0$/],
    [
      { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 },
      /^sgd: nesterov momentum requires momentum > 0 and dampening 0, found momentum 0.9, dampening 0.1$/,
    ],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => sgd([start()], options as never)).toThrow(ArgumentError);
    expect(() => sgd([start()], options as never)).toThrow(message);
  });
});
