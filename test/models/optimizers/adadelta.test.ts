import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { adadelta } from '../../../src/models/optimizers/adadelta.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

describe('adadelta', () => {
  test('three steps: v ← ρv + (1 − ρ)g², Δ = √(u + ε)/√(v + ε)·g, u ← ρu + (1 − ρ)Δ², θ ← θ − γΔ', () => {
    const [lr, rho, eps, wd] = [0.5, 0.8, 1e-3, 0.1];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adadelta([p], { lr, rho, eps, weightDecay: wd });
    const theta = [...theta0];
    const v = [0, 0];
    const u = [0, 0];
    grads.forEach((grad) => {
      stepWith(opt, p, grad);
      for (let i = 0; i < 2; i++) {
        const g = grad[i] + wd * theta[i];
        v[i] = rho * v[i] + (1 - rho) * g * g;
        const delta = (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * g;
        u[i] = rho * u[i] + (1 - rho) * delta * delta;
        theta[i] = theta[i] - lr * delta;
      }
      expectClose(p.data, theta);
      expectClose(opt.state().buffers['0.square_avg'].data, v);
      expectClose(opt.state().buffers['0.acc_delta'].data, u);
    });
  });

  test('the defaults are PyTorch’s: lr 1, rho 0.9, eps 1e-6', () => {
    const opt = adadelta([start()]);
    expect(opt.lr).toBe(1);
    expect(opt.hyper).toEqual({ rho: 0.9, eps: 1e-6, weightDecay: 0 });
  });

  test('with a zero gradient, weight decay moves θ by γ·√ε/√((1 − ρ)(λθ)² + ε)·λθ', () => {
    const [lr, rho, eps, wd] = [1, 0.9, 1e-6, 0.5];
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    stepWith(adadelta([p], { weightDecay: wd }), p, [0, 0]);
    expectClose(
      p.data,
      [3, -4].map((th) => th - (lr * Math.sqrt(eps) * wd * th) / Math.sqrt((1 - rho) * (wd * th) ** 2 + eps)),
    );
  });

  test('drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4: 1000 steps at lr 1, then 300 at 0.1', () => {
    const theta = start();
    const opt = adadelta([theta]);
    run(opt, () => quadratic(theta), 1000);
    opt.lr = 0.1;
    run(opt, () => quadratic(theta), 300);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test('k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', () => {
    expectExactResume((params) => adadelta(params, { weightDecay: 0.01 }), 6);
  });

  test.each([
    [{ lr: -1 }, /^adadelta: lr must be a finite number >= 0, found -1$/],
    [{ rho: 1.5 }, /^adadelta: rho must be in \[0, 1\], found 1.5$/],
    [{ eps: -1 }, /^adadelta: eps must be a finite number >= 0, found -1$/],
    [{ weightDecay: -1 }, /^adadelta: weightDecay must be a finite number >= 0, found -1$/],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => adadelta([start()], options)).toThrow(ArgumentError);
    expect(() => adadelta([start()], options)).toThrow(message);
  });
});
