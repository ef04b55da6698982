/**
 * Softmax cross-entropy on raw scores (logits), `torch.nn.CrossEntropyLoss`.
 */
import {
  ArgumentError,
  ShapeError,
  Tensor,
  add,
  logSoftmax,
  mean,
  mul,
  neg,
  reshape,
  record,
  sum,
  takeAlongAxis,
} from '../../ops/index.js';
import { softmaxForward } from '../../ops/kernels/softmax.js';
import { assertTensor, checkOptions, classIndices, fmtShape } from './checks.js';
import { type Reduction, checkReduction, reduce } from './reduction.js';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** How to combine the per-sample losses. @default 'mean' */
  reduction?: Reduction;
  /**
   * Label smoothing ε in [0, 1]: the target becomes `(1 − ε)·target + ε/C` (Szegedy et al.,
   * 2016, as in PyTorch). @default 0
   */
  labelSmoothing?: number;
}

/**
 * Cross-entropy between `softmax(logits)` and a target distribution, per sample
 * `ℓₙ = −Σ_c tₙ,c · log softmax(logitsₙ)_c`, then reduced (`torch.nn.CrossEntropyLoss`).
 *
 * The target is either
 * - class indices of shape `[N]`: whole numbers in `[0, C)` stored as float32 (or a plain
 *   array), meaning one-hot `t`, so `ℓₙ = −log softmax(logitsₙ)_{yₙ}`; or
 * - probabilities (or one-hot rows) of shape `[N, C]`, differentiable.
 *
 * As in PyTorch, extra trailing dimensions are allowed (logits `[N, C, d1, ...]` with
 * targets `[N, d1, ...]` or `[N, C, d1, ...]`, e.g. per-pixel classes); classes are axis 1.
 * With label smoothing ε the target is `(1 − ε)·t + ε/C`, so for class indices
 * `ℓₙ = (1 − ε)·(−log pₙ,yₙ) + ε·mean_c(−log pₙ,c)`.
 *
 * Stable for any finite logits: it goes through `logSoftmax`, so logits `[1000, −1000]` give
 * a finite loss and gradient. The gradient with respect to the logits is
 * `softmax(logits) − t` per sample (divided by N for `'mean'`).
 *
 * @param logits - unnormalized scores `[N, C]` (or `[N, C, d1, ...]`).
 * @param target - class indices `[N]` or probabilities `[N, C]`.
 * @returns a scalar, or the per-sample losses `[N]` (`[N, d1, ...]`) with `reduction: 'none'`.
 * @throws ShapeError for logits of rank < 2 or a target of the wrong shape; ArgumentError for
 *   a label that is not an integer in `[0, C)` (naming the sample and the value), a bad
 *   `labelSmoothing`, or an unknown reduction.
 * @example
 * ```ts
 * import { tensor } from 'streamgrad/ops';
 * import { crossEntropy } from 'streamgrad/models';
 * const logits = tensor([[2, 1, 0.1], [0, 0, 0]]);
 * crossEntropy(logits, tensor([0, 2]), { reduction: 'none' }).toArray(); // [0.417, 1.0986]
 * crossEntropy(logits, tensor([[1, 0, 0], [0, 0, 1]])).item();          // 0.7578, the same as a mean
 * ```
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor | readonly number[],
  opts: CrossEntropyOptions = {},
): Tensor {
  checkOptions('crossEntropy', opts, ['reduction', 'labelSmoothing']);
  const reduction = checkReduction('crossEntropy', opts.reduction);
  const epsilon = opts.labelSmoothing ?? 0;
  if (typeof epsilon !== 'number' || !(epsilon >= 0 && epsilon <= 1)) {
    throw new ArgumentError(`crossEntropy: labelSmoothing must be a number in [0, 1], found ${String(epsilon)}`);
  }
  assertTensor('crossEntropy', 'logits', logits);
  if (logits.rank < 2) {
    throw new ShapeError(
      `crossEntropy: logits must have shape [N, C] (classes on axis 1), found ${fmtShape(logits.shape)}`,
    );
  }
  const classes = logits.shape[1];
  const isProbabilities = target instanceof Tensor && target.rank === logits.rank;
  if (!isProbabilities && epsilon === 0 && logits.rank === 2) {
    return indexCrossEntropy(logits, indexTarget(target, logits), reduction);
  }
  const logProbs = logSoftmax(logits, 1);
  const terms = isProbabilities
    ? softTargetTerms(logProbs, target, epsilon, classes)
    : indexTargetTerms(logProbs, indexTarget(target, logits), epsilon);
  return reduce(terms, reduction);
}

function indexTarget(target: Tensor | readonly number[], logits: Tensor): Tensor {
  const alternative = `or probabilities of shape ${fmtShape(logits.shape)}, `;
  return classIndices('crossEntropy', target, logits, 'logits', alternative);
}

/** `−Σ_c t'_c·log p_c` per sample, with `t' = (1 − ε)·t + ε/C`. */
function softTargetTerms(logProbs: Tensor, target: Tensor, epsilon: number, classes: number): Tensor {
  const sameShape = target.shape.every((d, i) => d === logProbs.shape[i]);
  if (!sameShape) {
    throw new ShapeError(
      `crossEntropy: probability target ${fmtShape(target.shape)} must have the logits' shape ` +
        `${fmtShape(logProbs.shape)}`,
    );
  }
  const smoothed = epsilon === 0 ? target : add(mul(target, 1 - epsilon), epsilon / classes);
  return neg(sum(mul(smoothed, logProbs), 1));
}

/** `−log p_y` per sample, mixed with `ε·mean_c(−log p_c)` under label smoothing. */
function indexTargetTerms(logProbs: Tensor, labels: Tensor, epsilon: number): Tensor {
  const [n, , ...rest] = logProbs.shape;
  const column = reshape(labels, [n, 1, ...rest]);
  const nll = neg(reshape(takeAlongAxis(logProbs, column, 1), labels.shape));
  if (epsilon === 0) return nll;
  const uniform = neg(mean(logProbs, 1));
  return add(mul(nll, 1 - epsilon), mul(uniform, epsilon));
}

/**
 * The common case, logits `[N, C]` with class indices and no label smoothing, in two loops:
 * the value and gradient of `reduce(−takeAlongAxis(logSoftmax(logits, 1), y), reduction)`
 * composed from ops, bit for bit, without building the five intermediate tensors and their
 * graph (a measurable share of a small model's training step).
 *
 * Backward, per sample n with upstream gradient `gₙ` (`g/N` for `'mean'`):
 * `∂/∂logits[n, c] = gₙ·(softmax[n, c] − [c = yₙ])`, written in the order the composed
 * VJPs compute it (`logSoftmax`'s backward with `softmax = e^logProbs`).
 */
function indexCrossEntropy(logits: Tensor, labels: Tensor, reduction: Reduction): Tensor {
  const [n, classes] = logits.shape;
  const logProbs = softmaxForward(logits.data, { outer: n, n: classes, inner: 1 }, true);
  const terms = new Float32Array(n);
  for (let i = 0; i < n; i++) terms[i] = -logProbs[i * classes + labels.data[i]];
  let out: Tensor;
  if (reduction === 'none') out = new Tensor(terms, [n]);
  else {
    let total = 0;
    for (let i = 0; i < n; i++) total += terms[i];
    const sumValue = Math.fround(total);
    out = new Tensor(Float32Array.of(reduction === 'mean' ? sumValue / n : sumValue), []);
  }
  return record('crossEntropy', out, [logits], (g) => {
    const gx = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) {
      const upstream = reduction === 'none' ? g.data[i] : reduction === 'mean' ? Math.fround(g.data[0] / n) : g.data[0];
      // The picked log-probability's gradient, −gₙ, as the composed ops scatter it into zeros.
      const picked = Math.fround(0 + -upstream);
      const label = labels.data[i];
      for (let c = 0, j = i * classes; c < classes; c++, j++) {
        gx[j] = (c === label ? picked : 0) - Math.exp(logProbs[j]) * picked;
      }
    }
    return [new Tensor(gx, logits.shape)];
  });
}
