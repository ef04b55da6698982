/**
 * Binary cross-entropy on logits, `torch.nn.BCEWithLogitsLoss`: a sigmoid and a log-loss
 * fused into one stable formula.
 */
import { ArgumentError, ShapeError, Tensor, add, mul, neg, softplus, sub } from '../../ops/index.js';
import { assertNumber, assertSameShape, assertTensor, checkOptions, fmtShape, position } from './checks.js';
import { type Reduction, checkReduction, reduce } from './reduction.js';

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions {
  /** How to combine the per-element losses. @default 'mean' */
  reduction?: Reduction;
  /**
   * Weight `p ≥ 0` of the positive term, to rebalance rare positives: `p = #negatives /
   * #positives` counts each positive that many times. A number, or a tensor that broadcasts
   * to the logits' shape (e.g. `[C]`, one weight per label of a multi-label problem).
   * @default 1
   */
  posWeight?: number | Tensor;
}

/**
 * Binary cross-entropy from logits `z` with targets `y ∈ [0, 1]`, element-wise
 * `ℓ = −[p·y·log σ(z) + (1 − y)·log(1 − σ(z))]`, then reduced (`torch.nn.BCEWithLogitsLoss`).
 *
 * Never forms `σ(z)`: with `log σ(z) = −softplus(−z)` and `log(1 − σ(z)) = −z − softplus(−z)`,
 * `ℓ = (1 − y)·z + (1 + (p − 1)·y)·softplus(−z)`, and `softplus(−z)` is computed as
 * `max(−z, 0) + log(1 + e^(−|z|))`. For `p = 1` this is PyTorch's
 * `max(z, 0) − z·y + log(1 + e^(−|z|))`, finite for any finite `z` (logits of ±1000
 * included). Differentiable in both arguments; `∂ℓ/∂z = σ(z) − y` for `p = 1`.
 *
 * Targets outside `[0, 1]` are an error (PyTorch accepts them silently); soft labels such as
 * 0.9 are fine.
 *
 * @param logits - raw scores, any shape.
 * @param target - targets in `[0, 1]` of exactly `logits`' shape.
 * @returns a scalar, or `logits`' shape with `reduction: 'none'`.
 * @throws ShapeError when the shapes differ or `posWeight` does not broadcast; ArgumentError
 *   for a target outside `[0, 1]` (naming its position), a bad `posWeight` or reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { binaryCrossEntropy } from 'streamgrad/models';
 * binaryCrossEntropy(tensor([0, 1000, -1000]), tensor([1, 1, 1]), { reduction: 'none' }).toArray();
 * // [0.6931, 0, 1000]
 * ```
 */
export function binaryCrossEntropy(logits: Tensor, target: Tensor, opts: BinaryCrossEntropyOptions = {}): Tensor {
  const loss = 'binaryCrossEntropy';
  checkOptions(loss, opts, ['reduction', 'posWeight']);
  const reduction = checkReduction(loss, opts.reduction);
  assertTensor(loss, 'logits', logits);
  assertTensor(loss, 'target', target);
  assertSameShape(loss, ['logits', 'target'], logits, target);
  const posWeight = checkPosWeight(opts.posWeight, logits);
  for (let i = 0; i < target.size; i++) {
    const y = target.data[i];
    if (!(y >= 0 && y <= 1)) {
      throw new ArgumentError(`${loss}: target${position(i, target.shape)} = ${y} is outside [0, 1]`);
    }
  }
  const negLogSigmoid = softplus(neg(logits)); // −log σ(z)
  const negativeTerm = mul(sub(1, target), logits);
  const positiveWeight = posWeight === 1 ? 1 : add(1, mul(sub(posWeight, 1), target));
  return reduce(add(negativeTerm, mul(positiveWeight, negLogSigmoid)), reduction);
}

function checkPosWeight(value: unknown, logits: Tensor): number | Tensor {
  if (value === undefined) return 1;
  if (!(value instanceof Tensor)) return assertNumber('binaryCrossEntropy', 'posWeight', value, 0);
  const offset = logits.rank - value.rank;
  const fits = offset >= 0 && value.shape.every((d, i) => d === 1 || d === logits.shape[offset + i]);
  if (!fits) {
    throw new ShapeError(
      `binaryCrossEntropy: posWeight ${fmtShape(value.shape)} does not broadcast to the logits' shape ` +
        `${fmtShape(logits.shape)}`,
    );
  }
  return value;
}
