import { div, mul, sub } from './arithmetic.js';
import { ArgumentError } from './errors.js';
import { mean } from './reduce.js';
import { normalizeAxes, sizeOf } from './shape.js';
import { sum } from './sum.js';
import type { Tensor } from './tensor.js';

/** Options for `variance`. */
export interface VarianceOptions {
  /**
   * Subtracted from the count N in the divisor: 1 gives the unbiased sample variance
   * (Bessel's correction, PyTorch's default), 0 the population variance (what batch
   * normalization uses). @default 1
   */
  correction?: number;
}

/**
 * Variance over `axis`: `Σ (x − mean(x))² / (N − correction)`, with N the number of
 * elements reduced, as `torch.var`. Named `variance` because `var` is reserved in JS.
 *
 * Composed from `mean`, `sub`, `mul`, `sum` and `div`, so autograd gives the gradient
 * `2 (x − mean) / (N − correction)` with no backward of its own. When `N ≤ correction`
 * the divisor is taken as 0, giving `+∞` (or NaN for a zero sum), as in PyTorch.
 *
 * @param axis - one axis, a list, or all when omitted; negative axes count from the end.
 * @param keepDims - keep the reduced axes as size 1.
 * @example
 * ```ts
 * import { variance, tensor } from 'streamgrad';
 * variance(tensor([1, 2, 3, 4])).item();                     // 1.6666666 (divides by 3)
 * variance(tensor([1, 2, 3, 4]), 0, false, { correction: 0 }).item(); // 1.25 (divides by 4)
 * ```
 */
export function variance(
  x: Tensor,
  axis?: number | readonly number[],
  keepDims = false,
  opts: VarianceOptions = {},
): Tensor {
  const correction = opts.correction ?? 1;
  if (typeof correction !== 'number' || !Number.isFinite(correction) || correction < 0) {
    throw new ArgumentError(`variance: correction must be a finite number >= 0, found ${String(correction)}`);
  }
  const axes = normalizeAxes('variance', axis, x.rank);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  const centered = sub(x, mean(x, axes, true));
  return div(sum(mul(centered, centered), axes, keepDims), Math.max(0, count - correction));
}
