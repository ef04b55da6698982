import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { adagrad } from '../../../src/models/optimizers/adagrad.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

describe('adagrad', () => {
  test('three steps: s ← s + g², θ ← θ − γ̃g/(√s + ε) with γ̃ = γ/(1 + (t − 1)η), weight decay and s₀', () => {
    const [lr, lrDecay, wd, s0, eps] = [0.1, 0.5, 0.01, 0.2, 1e-10];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adagrad([p], { lr, lrDecay, weightDecay: wd, initialAccumulatorValue: s0 });
    const theta = [...theta0];
    const s = [s0, s0];
    grads.forEach((grad, index) => {
      const t = index + 1;
      stepWith(opt, p, grad);
      const clr = lr / (1 + (t - 1) * lrDecay);
      for (let i = 0; i < 2; i++) {
        const g = grad[i] + wd * theta[i];
        s[i] = s[i] + g * g;
        theta[i] = theta[i] - (clr * g) / (Math.sqrt(s[i]) + eps);
      }
      expectClose(p.data, theta);
      expectClose(opt.state().buffers['0.sum'].data, s);
    });
  });

  test('the defaults are PyTorch’s: lr 1e-2, eps 1e-10, no decay, s₀ = 0', () => {
    const opt = adagrad([start()]);
    expect(opt.lr).toBe(1e-2);
    expect(opt.hyper).toEqual({ lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 });
  });

  test('with a zero gradient, weight decay moves θ by γ·λθ/(|λθ| + ε)', () => {
    const [lr, wd] = [0.1, 0.5];
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    stepWith(adagrad([p], { lr, weightDecay: wd }), p, [0, 0]);
    expectClose(p.data, [3, -4].map((th) => th - (lr * wd * th) / (Math.abs(wd * th) + 1e-10)));
  });

  test('drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4 in 300 steps', () => {
    const theta = start();
    run(adagrad([theta], { lr: 0.5 }), () => quadratic(theta), 300);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test('k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', () => {
    expectExactResume((params) => adagrad(params, { lr: 0.3, lrDecay: 0.01, initialAccumulatorValue: 0.1 }), 6);
  });

  test.each([
    [{ lr: -1 }, /^adagrad: lr must be a finite number >= 0, found -1$/],
    [{ lrDecay: -0.1 }, /^adagrad: lrDecay must be a finite number >= 0, found -0.1$/],
    [{ weightDecay: -1 }, /^adagrad: weightDecay must be a finite number >= 0, found -1$/],
    [{ initialAccumulatorValue: -1 }, /^adagrad: initialAccumulatorValue must be a finite number >= 0, found -1$/],
    [{ eps: NaN }, /^adagrad: eps must be a finite number >= 0, found NaN$/],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => adagrad([start()], options)).toThrow(ArgumentError);
    expect(() => adagrad([start()], options)).toThrow(message);
  });
});
