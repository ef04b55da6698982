/**
 * Multiclass hinge (SVM) losses, Weston–Watkins form as in CS231n: every wrong class whose
 * score comes within `margin` of the true class's score adds to the loss.
 */
import { ShapeError, Tensor, add, mul, relu, reshape, sub, sum, takeAlongAxis } from '../../ops/index.js';
import { assertNumber, assertTensor, checkOptions, classIndices, fmtShape } from './checks.js';
import { type Reduction, checkReduction, reduce } from './reduction.js';

/** Options of `hinge` and `squaredHinge`. */
export interface HingeOptions {
  /** The margin Δ ≥ 0 the true class's score must win by. @default 1 */
  margin?: number;
  /** How to combine the per-sample losses. @default 'mean' */
  reduction?: Reduction;
}

/** `max(0, s_j − s_y + Δ)` for every sample and class, with the true class's own term set to 0. */
function marginViolations(loss: string, scores: Tensor, target: Tensor | readonly number[], margin: number): Tensor {
  assertTensor(loss, 'scores', scores);
  if (scores.rank !== 2) {
    throw new ShapeError(`${loss}: scores must have shape [N, C], found ${fmtShape(scores.shape)}`);
  }
  const labels = classIndices(loss, target, scores, 'scores');
  const [n, classes] = scores.shape;
  const column = reshape(labels, [n, 1]);
  const trueScore = takeAlongAxis(scores, column, 1);
  const violations = relu(add(sub(scores, trueScore), margin));
  // The j = y term is max(0, Δ) = Δ; the sum is over j ≠ y only, so mask it out.
  const others = new Float32Array(n * classes).fill(1);
  for (let i = 0; i < n; i++) others[i * classes + labels.data[i]] = 0;
  return mul(violations, new Tensor(others, [n, classes]));
}

function options(loss: string, opts: HingeOptions): { margin: number; reduction: Reduction } {
  checkOptions(loss, opts, ['margin', 'reduction']);
  return {
    margin: assertNumber(loss, 'margin', opts.margin ?? 1, 0),
    reduction: checkReduction(loss, opts.reduction),
  };
}

/**
 * Multiclass SVM loss (Weston & Watkins, 1999; CS231n): per sample
 * `ℓᵢ = Σ_{j≠yᵢ} max(0, s_j − s_{yᵢ} + Δ)`, then reduced. Zero once the true class beats
 * every other by at least Δ. The gradient is +1 for each violating class and −(number of
 * violations) for the true class.
 *
 * PyTorch's `MultiMarginLoss` divides each sample's sum by C; this is C times that (the form
 * CS231n and the SVM literature use).
 *
 * @param scores - class scores `[N, C]`.
 * @param target - class indices `[N]` (whole numbers in `[0, C)` as float32, or a plain array).
 * @returns a scalar, or the per-sample losses `[N]` with `reduction: 'none'`.
 * @throws ShapeError for scores not of rank 2 or a target not of shape `[N]`; ArgumentError for
 *   a bad label (naming the sample and value), a negative margin, or an unknown reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { hinge } from 'streamgrad/models';
 * // CS231n: true class 0 scores 13; class 2 scores 11, within Δ = 10 → max(0, 11 − 13 + 10) = 8
 * hinge(tensor([[13, -7, 11]]), [0], { margin: 10 }).item(); // 8
 * ```
 */
export function hinge(scores: Tensor, target: Tensor | readonly number[], opts: HingeOptions = {}): Tensor {
  const { margin, reduction } = options('hinge', opts);
  return reduce(sum(marginViolations('hinge', scores, target, margin), 1), reduction);
}

/**
 * Squared multiclass hinge loss (L2-SVM): per sample `ℓᵢ = Σ_{j≠yᵢ} max(0, s_j − s_{yᵢ} + Δ)²`,
 * then reduced. Penalizes large violations more and is differentiable at the hinge.
 * C times PyTorch's `MultiMarginLoss(p=2)`.
 *
 * @param scores - class scores `[N, C]`.
 * @param target - class indices `[N]`.
 * @returns a scalar, or the per-sample losses `[N]` with `reduction: 'none'`.
 * @throws the same errors as `hinge`.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { squaredHinge } from 'streamgrad/models';
 * squaredHinge(tensor([[13, -7, 11]]), [0], { margin: 10 }).item(); // 64
 * ```
 */
export function squaredHinge(scores: Tensor, target: Tensor | readonly number[], opts: HingeOptions = {}): Tensor {
  const { margin, reduction } = options('squaredHinge', opts);
  const violations = marginViolations('squaredHinge', scores, target, margin);
  return reduce(sum(mul(violations, violations), 1), reduction);
}
