import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { rmsprop } from '../../../src/models/optimizers/rmsprop.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

/** RMSprop in float64, written out as in the torch.optim.RMSprop pseudo-code. */
function rmspropReference(
  o: { lr: number; alpha: number; eps: number; momentum: number; centered: boolean; weightDecay: number },
  steps: number[][],
): number[][] {
  const theta = [...theta0];
  const v = [0, 0];
  const avg = [0, 0];
  const buf = [0, 0];
  return steps.map((grad) => {
    for (let i = 0; i < 2; i++) {
      const g = grad[i] + o.weightDecay * theta[i];
      v[i] = o.alpha * v[i] + (1 - o.alpha) * g * g;
      let vTilde = v[i];
      if (o.centered) {
        avg[i] = o.alpha * avg[i] + (1 - o.alpha) * g;
        vTilde = vTilde - avg[i] * avg[i];
      }
      if (o.momentum > 0) {
        buf[i] = o.momentum * buf[i] + g / (Math.sqrt(vTilde) + o.eps);
        theta[i] = theta[i] - o.lr * buf[i];
      } else {
        theta[i] = theta[i] - (o.lr * g) / (Math.sqrt(vTilde) + o.eps);
      }
    }
    return [...theta];
  });
}

describe('rmsprop', () => {
  test.each([
    ['plain', { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, weightDecay: 0 }],
    ['with momentum and weight decay', { lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.9, centered: false, weightDecay: 0.1 }],
    ['centered with momentum', { lr: 0.01, alpha: 0.9, eps: 1e-6, momentum: 0.5, centered: true, weightDecay: 0 }],
  ])('%s: three steps of v ← αv + (1 − α)g², θ ← θ − γg/(√ṽ + ε) match the formula', (_, o) => {
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = rmsprop([p], o);
    const expected = rmspropReference(o, grads);
    grads.forEach((g, t) => {
      stepWith(opt, p, g);
      expectClose(p.data, expected[t]);
    });
  });

  test('state keys follow PyTorch: square_avg, plus momentum_buffer and grad_avg when used', () => {
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = rmsprop([p], { momentum: 0.9, centered: true });
    stepWith(opt, p, [1, 1]);
    expect(Object.keys(opt.state().buffers).sort()).toEqual(['0.grad_avg', '0.momentum_buffer', '0.square_avg', '0.step']);
  });

  test('with a zero gradient, weight decay moves θ by γ·λθ/(√(1 − α)·|λθ| + ε)', () => {
    const [lr, wd, alpha, eps] = [0.01, 0.5, 0.99, 1e-8];
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    stepWith(rmsprop([p], { lr, weightDecay: wd }), p, [0, 0]);
    expectClose(p.data, [3, -4].map((th) => th - (lr * wd * th) / (Math.sqrt(1 - alpha) * Math.abs(wd * th) + eps)));
  });

  test('drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4: 500 steps at lr 1e-2, then 500 at 1e-3', () => {
    const theta = start();
    const opt = rmsprop([theta], { lr: 1e-2 });
    run(opt, () => quadratic(theta), 500);
    opt.lr = 1e-3;
    run(opt, () => quadratic(theta), 500);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test('centered with momentum drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4 in 1000 steps', () => {
    const theta = start();
    run(rmsprop([theta], { lr: 1e-2, centered: true, momentum: 0.5 }), () => quadratic(theta), 1000);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test('k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', () => {
    expectExactResume((params) => rmsprop(params, { momentum: 0.9, centered: true, weightDecay: 0.01 }), 6);
  });

  test.each([
    [{ lr: -1 }, /^rmsprop: lr must be a finite number >= 0, found -1$/],
    [{ alpha: 1.01 }, /^rmsprop: alpha must be in \[0, 1\], found 1.01$/],
    [{ eps: -1 }, /^rmsprop: eps must be a finite number >= 0, found -1$/],
    [{ momentum: -0.9 }, /^rmsprop: momentum must be a finite number >= 0, found -0.9$/],
    [{ weightDecay: -1 }, /^rmsprop: weightDecay must be a finite number >= 0, found -1$/],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => rmsprop([start()], options)).toThrow(ArgumentError);
    expect(() => rmsprop([start()], options)).toThrow(message);
  });
});
