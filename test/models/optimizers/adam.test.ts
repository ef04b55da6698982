import { describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { adam } from '../../../src/models/optimizers/adam.js';
import { distanceToMinimizer, expectClose, expectExactResume, quadratic, run, start, stepWith } from './helpers.js';

const theta0 = [1, -2];
const grads = [
  [0.5, -1],
  [0.25, 2],
  [-1, 0.1],
];

/** Adam in float64, written out as in the torch.optim.Adam pseudo-code. */
function adamReference(
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean },
  steps: number[][],
): number[][] {
  const theta = [...theta0];
  const m = [0, 0];
  const v = [0, 0];
  const vMax = [0, 0];
  const history: number[][] = [];
  steps.forEach((grad, index) => {
    const t = index + 1;
    for (let i = 0; i < 2; i++) {
      const g = grad[i] + o.weightDecay * theta[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      vMax[i] = Math.max(vMax[i], v[i]);
      const mHat = m[i] / (1 - o.beta1 ** t);
      const vHat = (o.amsgrad ? vMax[i] : v[i]) / (1 - o.beta2 ** t);
      theta[i] = theta[i] - (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
    history.push([...theta]);
  });
  return history;
}

describe('adam', () => {
  test('three steps with bias correction m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) match the formula', () => {
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false };
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adam([p], { lr: 0.01 });
    const expected = adamReference(o, grads);
    grads.forEach((g, t) => {
      stepWith(opt, p, g);
      expectClose(p.data, expected[t]);
    });
    // The first step moves each element by about lr in the direction of −g (m̂/√v̂ = ±1).
    expectClose(expected[0], [1 - 0.01, -2 + 0.01], 1e-7);
    expect(opt.state().buffers['0.step'].item()).toBe(3);
  });

  test('coupled weight decay (g + λθ), custom betas and eps match the formula over three steps', () => {
    const o = { lr: 0.1, beta1: 0.5, beta2: 0.9, eps: 1e-3, weightDecay: 0.1, amsgrad: false };
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adam([p], o);
    const expected = adamReference(o, grads);
    grads.forEach((g, t) => {
      stepWith(opt, p, g);
      expectClose(p.data, expected[t]);
    });
  });

  test('AMSGrad divides by the running maximum of v, bias-corrected, over three steps', () => {
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.5, eps: 1e-8, weightDecay: 0, amsgrad: true };
    const large = [
      [4, -4],
      [0.1, 0.1],
      [0.1, 0.1],
    ];
    const p = tensor(theta0, undefined, { requiresGrad: true });
    const opt = adam([p], o);
    const expected = adamReference(o, large);
    large.forEach((g, t) => {
      stepWith(opt, p, g);
      expectClose(p.data, expected[t]);
    });
    // The maximum differs from v here, so the test tells the two rules apart.
    const plain = adamReference({ ...o, amsgrad: false }, large);
    expect(Math.abs(plain[2][0] - expected[2][0])).toBeGreaterThan(1e-3);
    expect(Object.keys(opt.state().buffers).sort()).toEqual(['0.exp_avg', '0.exp_avg_sq', '0.max_exp_avg_sq', '0.step']);
  });

  test('with a zero gradient, coupled weight decay moves θ by γ·λθ/(|λθ| + ε) ≈ γ toward 0', () => {
    const [lr, wd, eps] = [0.01, 0.1, 1e-8];
    const p = tensor([3, -4], undefined, { requiresGrad: true });
    stepWith(adam([p], { lr, weightDecay: wd }), p, [0, 0]);
    // g = λθ, m̂ = g, v̂ = g², so the step is γ g/(|g| + ε).
    expectClose(p.data, [3, -4].map((th) => th - (lr * wd * th) / (Math.abs(wd * th) + eps)));
  });

  test.each([
    ['adam', { lr: 0.05 }],
    ['AMSGrad', { lr: 0.05, amsgrad: true }],
  ])('%s drives ½θᵀAθ − bᵀθ to A⁻¹b within 1e-4 in 500 steps', (_, options) => {
    const theta = start();
    run(adam([theta], options), () => quadratic(theta), 500);
    expect(distanceToMinimizer(theta)).toBeLessThan(1e-4);
  });

  test.each([
    ['adam', { lr: 0.05, weightDecay: 0.01 }],
    ['AMSGrad', { lr: 0.05, amsgrad: true }],
  ])('%s: k steps, save, load into a new optimizer, k steps = 2k steps, bit for bit', (_, options) => {
    expectExactResume((params) => adam(params, options), 6);
  });

  test.each([
    [{ lr: -1 }, /^adam: lr must be a finite number >= 0, found -1$/],
    [{ beta1: 1 }, /^adam: beta1 must be in \[0, 1\), found 1$/],
    [{ beta1: -0.1 }, /^adam: beta1 must be in \[0, 1\), found -0.1$/],
    [{ beta2: 1.5 }, /^adam: beta2 must be in \[0, 1\), found 1.5$/],
    [{ eps: -1e-8 }, /^adam: eps must be a finite number >= 0, found -1e-8$/],
    [{ weightDecay: Infinity }, /^adam: weightDecay must be a finite number >= 0, found Infinity$/],
    [{ amsgrad: 1 }, /^adam: amsgrad must be a boolean, found 1$/],
    [{ betas: [0.9, 0.99] }, /^adam: unknown option 'betas' \(expected one of lr, beta1, beta2, eps, weightDecay, amsgrad\)$/],
    [{ beta1: 1, beta2: 1 }, /^adam: beta1 must be in \[0, 1\), found 1; beta2 must be in \[0, 1\), found 1$/],
  ])('rejects bad hyperparameters at construction: %o', (options, message) => {
    expect(() => adam([start()], options as never)).toThrow(ArgumentError);
    expect(() => adam([start()], options as never)).toThrow(message);
  });
});
