import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { adamw } from '../../../src/models/optimizers/adamw.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

describe('adamw', () => {
  test('three steps: θ ← θ(1 − γλ), then the bias-corrected Adam step without λ in the moments', () => {
    const [lr, beta1, beta2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adamw([p], { lr, weightDecay: wd });
    const theta = [...theta0];
    const m = [0, 0];
    const v = [0, 0];
    grads.forEach((g, index) => {
      const t = index + 1;
      stepWith(opt, p, g);
      for (let i = 0; i < 2; i++) {
        theta[i] = theta[i] * (1 - lr * wd);
        m[i] = beta1 * m[i] + (1 - beta1) * g[i];
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        const mHat = m[i] / (1 - beta1 ** t);
        const vHat = v[i] / (1 - beta2 ** t);
        theta[i] = theta[i] - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }
      expectClose(p.data, theta);
      expectClose(opt.state().buffers['0.exp_avg'].data, m);
      expectClose(opt.state().buffers['0.exp_avg_sq'].data, v);
    });
  });

  test('weightDecay defaults to 1e-2 (PyTorch), and with a zero gradient θ shrinks by exactly (1 − γλ)', () => {
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    const opt = adamw([p], { lr: 0.5 });
    expect(opt.hyper.weightDecay).toBe(1e-2);
    stepWith(opt, p, [0, 0]);
    expectClose(p.data, [3 * (1 - 0.5 * 1e-2), -4 * (1 - 0.5 * 1e-2)]);
    expect(opt.kind).toBe('adamw');
  });

  test('without weight decay it drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4 in 500 steps', () => {
    const theta = start();
    run(adamw([theta], { lr: 0.05, weightDecay: 0 }), () => quadratic(theta), 500);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test('k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', () => {
    expectExactResume((params) => adamw(params, { lr: 0.05, weightDecay: 0.1, amsgrad: true }), 6);
  });

  test.each([
    [{ lr: -1 }, /^adamw: lr must be a finite number >= 0, found -1$/],
    [{ beta1: 1 }, /^adamw: beta1 must be in \[0, 1\), found 1$/],
    [{ weightDecay: -0.01 }, /^adamw: weightDecay must be a finite number >= 0, found -0.01$/],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => adamw([start()], options)).toThrow(ArgumentError);
    expect(() => adamw([start()], options)).toThrow(message);
  });
});
