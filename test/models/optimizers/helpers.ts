import { expect } from 'vitest';
import { Tensor, add, backward, matmul, mul, sub, sum, tensor } from '../../../src/ops/index.js';
import type { Optimizer } from '../../../src/models/optimizers/optimizer.js';

/** A = [[3, 1], [1, 2]] (symmetric, eigenvalues (5 ± √5)/2 > 0) and b = [1, −1]. */
const A = tensor([
  [3, 1],
  [1, 2],
]);
const b = tensor([1, -1]);
/** The minimizer A⁻¹b = [[2, −1], [−1, 3]]/5 · [1, −1]. */
export const minimizer = [0.6, -0.8];

/** f(θ) = ½ θᵀAθ − bᵀθ, built from autograd ops so that `backward` gives θ.grad = Aθ − b. */
export function quadratic(theta: Tensor): Tensor {
  return sub(mul(0.5, sum(mul(theta, matmul(A, theta)))), sum(mul(b, theta)));
}

/** A trainable parameter [2, 2], away from the minimizer. */
export function start(): Tensor {
  return tensor([2, 2], undefined, { requiresGrad: true });
}

/** Runs `steps` iterations of zeroGrad, backward(loss()), step. */
export function run(opt: Optimizer, loss: () => Tensor, steps: number): void {
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    backward(loss());
    opt.step();
  }
}

/** Euclidean distance from θ to the quadratic's minimizer. */
export function distanceToMinimizer(theta: Tensor): number {
  return Math.hypot(theta.data[0] - minimizer[0], theta.data[1] - minimizer[1]);
}

/** Sets `p.grad` to the given values, then steps. */
export function stepWith(opt: Optimizer, p: Tensor, grad: number[]): void {
  p.grad = tensor(grad);
  opt.step();
}

/** Element-wise |actual − expected| ≤ tol·max(1, |expected|). */
export function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * Math.max(1, Math.abs(expected[i])))) {
      throw new Error(`element ${i}: expected ${expected[i]}, found ${actual[i]} (|error| ${err} > ${tol})`);
    }
  }
}

/**
 * Three parameters: θ [2] in the quadratic, φ [3] in ½‖φ − c‖², and ψ [2], which never gets
 * a gradient (so it has no optimizer state).
 */
function problem(): { params: Tensor[]; loss: () => Tensor } {
  const theta = start();
  const phi = tensor([0.5, -1, 3], undefined, { requiresGrad: true });
  const psi = tensor([7, 8], undefined, { requiresGrad: true });
  const c = tensor([1, -2, 0.5]);
  const loss = (): Tensor => add(quadratic(theta), mul(0.5, sum(mul(sub(phi, c), sub(phi, c)))));
  return { params: [theta, phi, psi], loss };
}

/**
 * k steps, state(), a new optimizer on parameters restored to the same values, loadState,
 * k more steps: parameters and state equal 2k uninterrupted steps bit for bit. Both runs
 * halve lr after k/2 steps, so lr must travel in the state too.
 */
export function expectExactResume(make: (params: Tensor[]) => Optimizer, k: number): void {
  const schedule = (opt: Optimizer, loss: () => Tensor, steps: number): void => {
    for (let s = 0; s < steps; s++) {
      if (opt.stepCount === Math.floor(k / 2)) opt.lr = opt.lr / 2;
      run(opt, loss, 1);
    }
  };
  const reference = problem();
  const referenceOpt = make(reference.params);
  schedule(referenceOpt, reference.loss, 2 * k);

  const first = problem();
  const firstOpt = make(first.params);
  schedule(firstOpt, first.loss, k);
  const saved = firstOpt.state();
  const values = first.params.map((p) => p.data.slice());
  run(firstOpt, first.loss, 3); // the snapshot must not follow the live optimizer

  const resumed = problem();
  resumed.params.forEach((p, i) => p.data.set(values[i]));
  const resumedOpt = make(resumed.params);
  resumedOpt.loadState(saved);
  schedule(resumedOpt, resumed.loss, k);

  resumed.params.forEach((p, i) => expect(Array.from(p.data)).toEqual(Array.from(reference.params[i].data)));
  const got = resumedOpt.state();
  const want = referenceOpt.state();
  expect({ ...got, buffers: undefined }).toEqual({ ...want, buffers: undefined });
  expect(Object.keys(got.buffers).sort()).toEqual(Object.keys(want.buffers).sort());
  expect(Object.keys(got.buffers).some((name) => name.startsWith('2.'))).toBe(false);
  for (const [name, t] of Object.entries(want.buffers)) {
    expect(got.buffers[name].shape).toEqual(t.shape);
    expect(Array.from(got.buffers[name].data)).toEqual(Array.from(t.data));
  }
}
