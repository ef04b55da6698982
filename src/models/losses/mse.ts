/**
 * Regression losses on the difference `d = pred − target`, element by element: squared
 * (`mse`), absolute (`mae`) and Huber, which is squared near 0 and absolute beyond `delta`.
 * Shapes must match exactly: PyTorch warns and broadcasts, which silently turns `[N, 1]`
 * against `[N]` into an `[N, N]` loss; here that is a `ShapeError`.
 */
import { Tensor, abs, add, minimum, mul, sub } from '../../ops/index.js';
import { assertNumber, assertSameShape, assertTensor, checkOptions } from './checks.js';
import { type Reduction, checkReduction, reduce } from './reduction.js';

/** Options of `mse` and `mae`. */
export interface RegressionLossOptions {
  /** How to combine the per-element losses. @default 'mean' */
  reduction?: Reduction;
}

/** Options of `huber`. */
export interface HuberOptions extends RegressionLossOptions {
  /** Where the loss changes from squared to absolute; a finite number > 0. @default 1 */
  delta?: number;
}

function difference(loss: string, pred: Tensor, target: Tensor): Tensor {
  assertTensor(loss, 'pred', pred);
  assertTensor(loss, 'target', target);
  assertSameShape(loss, ['pred', 'target'], pred, target);
  return sub(pred, target);
}

/**
 * Mean squared error, `ℓᵢ = (predᵢ − targetᵢ)²`, then reduced (`torch.nn.MSELoss`).
 * Differentiable in both arguments: `∂ℓᵢ/∂predᵢ = 2(predᵢ − targetᵢ)`.
 *
 * @param pred - predictions, any shape.
 * @param target - targets of exactly `pred`'s shape.
 * @returns a scalar, or `pred`'s shape with `reduction: 'none'`.
 * @throws ShapeError when the shapes differ; ArgumentError for an unknown reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { mse } from 'streamgrad/models';
 * mse(tensor([1, 2, 3]), tensor([1, 2, 5])).item();                       // 4/3
 * mse(tensor([1, 2, 3]), tensor([1, 2, 5]), { reduction: 'sum' }).item(); // 4
 * ```
 */
export function mse(pred: Tensor, target: Tensor, opts: RegressionLossOptions = {}): Tensor {
  checkOptions('mse', opts, ['reduction']);
  const reduction = checkReduction('mse', opts.reduction);
  const d = difference('mse', pred, target);
  return reduce(mul(d, d), reduction);
}

/**
 * Mean absolute error (L1 loss), `ℓᵢ = |predᵢ − targetᵢ|`, then reduced
 * (`torch.nn.L1Loss`). The gradient is `sign(pred − target)`, 0 where they are equal.
 *
 * @returns a scalar, or `pred`'s shape with `reduction: 'none'`.
 * @throws ShapeError when the shapes differ; ArgumentError for an unknown reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { mae } from 'streamgrad/models';
 * mae(tensor([1, 2, 3]), tensor([2, 2, 5])).item(); // 1
 * ```
 */
export function mae(pred: Tensor, target: Tensor, opts: RegressionLossOptions = {}): Tensor {
  checkOptions('mae', opts, ['reduction']);
  const reduction = checkReduction('mae', opts.reduction);
  return reduce(abs(difference('mae', pred, target)), reduction);
}

/**
 * Huber loss (`torch.nn.HuberLoss`): with `d = pred − target`,
 * `ℓᵢ = ½dᵢ²` where `|dᵢ| < δ` and `δ(|dᵢ| − ½δ)` elsewhere, then reduced. Quadratic near
 * the target, linear for outliers, so one wild target cannot dominate the gradient, whose
 * size is at most `δ`. Computed as `½q² + δ(|d| − q)` with `q = min(|d|, δ)`, which is
 * smooth across `|d| = δ`. (PyTorch's `SmoothL1Loss` is this divided by `δ`.)
 *
 * @param opts.delta - the threshold `δ > 0`. @default 1
 * @returns a scalar, or `pred`'s shape with `reduction: 'none'`.
 * @throws ShapeError when the shapes differ; ArgumentError for a bad `delta` or reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { huber } from 'streamgrad/models';
 * huber(tensor([0.5, 3]), tensor([0, 0]), { reduction: 'none' }).toArray(); // [0.125, 2.5]
 * ```
 */
export function huber(pred: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  checkOptions('huber', opts, ['delta', 'reduction']);
  const delta = assertNumber('huber', 'delta', opts.delta ?? 1, 0, true);
  const reduction = checkReduction('huber', opts.reduction);
  const a = abs(difference('huber', pred, target));
  const q = minimum(a, delta);
  return reduce(add(mul(mul(q, q), 0.5), mul(sub(a, q), delta)), reduction);
}
