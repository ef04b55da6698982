/**
 * Kullback–Leibler divergence with PyTorch's `torch.nn.KLDivLoss` conventions: the
 * prediction is given as log-probabilities, the target as probabilities (or their logs).
 */
import { ArgumentError, Tensor, div, exp, log, mul, sub, sum, where } from '../../ops/index.js';
import { assertSameShape, assertTensor, checkOptions, position } from './checks.js';
import { type Reduction, REDUCTIONS, checkReduction, reduce } from './reduction.js';

/** `klDivergence`'s reductions: the shared ones plus `'batchmean'`, the sum divided by N. */
export type KlReduction = Reduction | 'batchmean';

/** Options of `klDivergence`. */
export interface KlDivergenceOptions {
  /**
   * `'mean'` averages over every element (PyTorch's default, which is not the mathematical
   * KL divergence); `'batchmean'` sums and divides by the batch size N, which is.
   * @default 'mean'
   */
  reduction?: KlReduction;
  /** The target is given as log-probabilities. @default false */
  logTarget?: boolean;
}

const KL_REDUCTIONS: readonly KlReduction[] = [...REDUCTIONS, 'batchmean'];

/**
 * KL divergence `D_KL(target ‖ pred)` with `pred` given as log-probabilities, element-wise
 * `ℓ = t·(log t − logProbs)` (taken as 0 where `t = 0`), or `ℓ = e^t·(t − logProbs)` with
 * `logTarget`, then reduced (`torch.nn.KLDivLoss`). Where the target probability is 0 the
 * term is exactly 0 and sends `logProbs` no gradient, even where `logProbs` is −∞ (masked
 * classes); PyTorch gives NaN there (`0·∞`).
 *
 * Reductions follow PyTorch: `'mean'` divides the sum by the number of elements, so for
 * `[N, C]` inputs it is the true KL divergence divided by C as well as N; use `'batchmean'`
 * (sum divided by `N = logProbs.shape[0]`) for the per-sample KL divergence. Pass
 * `logSoftmax(logits)` as `logProbs`, never `log(softmax(logits))`, which underflows.
 *
 * The gradient is `−t` with respect to `logProbs`, and `log t + 1 − logProbs` with respect to
 * a target with `t > 0` (kept finite at `t = 0`, where the true derivative is −∞).
 *
 * @param logProbs - log-probabilities of the model, any shape (usually `[N, C]`).
 * @param target - probabilities `≥ 0` (or log-probabilities with `logTarget`), of exactly
 *   `logProbs`' shape.
 * @returns a scalar, or `logProbs`' shape with `reduction: 'none'`.
 * @throws ShapeError when the shapes differ; ArgumentError for a negative probability in the
 *   target (naming its position), a non-boolean `logTarget`, an unknown reduction, or
 *   `'batchmean'` on a scalar.
 * @example
 * ```ts
 * import { tensor, logSoftmax } from 'streamgrad/ops';
 * import { klDivergence } from 'streamgrad/models';
 * const logProbs = logSoftmax(tensor([[0, 0]]));                              // [ln ½, ln ½]
 * klDivergence(logProbs, tensor([[1, 0]]), { reduction: 'batchmean' }).item(); // ln 2 = 0.6931
 * klDivergence(logProbs, tensor([[1, 0]])).item();                            // ln 2 / 2 (mean over 2 elements)
 * ```
 */
export function klDivergence(logProbs: Tensor, target: Tensor, opts: KlDivergenceOptions = {}): Tensor {
  const loss = 'klDivergence';
  checkOptions(loss, opts, ['reduction', 'logTarget']);
  const reduction = checkReduction<KlReduction>(loss, opts.reduction, KL_REDUCTIONS);
  const logTarget = opts.logTarget ?? false;
  if (typeof logTarget !== 'boolean') {
    throw new ArgumentError(`${loss}: logTarget must be a boolean, found ${String(logTarget)}`);
  }
  assertTensor(loss, 'logProbs', logProbs);
  assertTensor(loss, 'target', target);
  assertSameShape(loss, ['logProbs', 'target'], logProbs, target);
  if (reduction === 'batchmean' && logProbs.rank === 0) {
    throw new ArgumentError(`${loss}: reduction 'batchmean' needs a batch dimension, found a scalar`);
  }
  const terms = pointwise(loss, logProbs, target, logTarget);
  if (reduction === 'batchmean') return div(sum(terms), logProbs.shape[0]);
  return reduce(terms, reduction);
}

/**
 * `t·(log t − logProbs)`, or `e^t·(t − logProbs)` for a log-target. Where the target
 * probability is 0 the term is 0 (`0·log 0 = 0`) with zero gradient: `log t` is computed on a
 * stand-in `t = 1` there, and a −∞ in `logProbs` on a stand-in 0, so nothing meets
 * `0·∞ = NaN`. A NaN in either input still gives NaN.
 */
function pointwise(loss: string, logProbs: Tensor, target: Tensor, logTarget: boolean): Tensor {
  const absent = new Float32Array(target.size);
  const infinite = new Float32Array(target.size);
  for (let i = 0; i < target.size; i++) {
    const t = target.data[i];
    if (!logTarget && !(t >= 0)) {
      throw new ArgumentError(`${loss}: target${position(i, target.shape)} = ${t} is not a probability (≥ 0)`);
    }
    const isAbsent = logTarget ? t === -Infinity : t === 0;
    absent[i] = isAbsent ? 1 : 0;
    infinite[i] = isAbsent && logProbs.data[i] === -Infinity ? 1 : 0;
  }
  const absentMask = new Tensor(absent, target.shape);
  const lp = where(new Tensor(infinite, target.shape), 0, logProbs);
  if (logTarget) return mul(exp(target), sub(where(absentMask, 0, target), lp));
  return mul(target, sub(log(where(absentMask, 1, target)), lp));
}
