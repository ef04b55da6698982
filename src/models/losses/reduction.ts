/**
 * The `reduction` option every loss shares, as in PyTorch's `torch.nn` losses: reduce the
 * per-element (or per-sample) losses to their mean, to their sum, or keep them all.
 */
import { ArgumentError, Tensor, mean, sum } from '../../ops/index.js';

/**
 * How a loss combines its terms (PyTorch's `reduction`):
 * - `'mean'`: the average over the terms (the default), a scalar;
 * - `'sum'`: the total, a scalar;
 * - `'none'`: every term, unreduced (one per element, or one per sample for losses that sum
 *   over classes such as `crossEntropy` and `hinge`).
 */
export type Reduction = 'mean' | 'sum' | 'none';

/** The reductions every loss accepts, in the order error messages list them. */
export const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

/**
 * Returns `value` when it is one of `allowed`, `'mean'` when it is `undefined`; otherwise
 * throws an `ArgumentError` naming the loss, e.g.
 * `mse: reduction must be 'mean', 'sum' or 'none', found 'avg'`.
 */
export function checkReduction<R extends string = Reduction>(
  loss: string,
  value: unknown,
  allowed: readonly R[] = REDUCTIONS as readonly string[] as readonly R[],
): R {
  if (value === undefined) return 'mean' as R;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as R;
  const names = allowed.map((r) => `'${r}'`);
  const list = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  const found = typeof value === 'string' ? `'${value}'` : String(value);
  throw new ArgumentError(`${loss}: reduction must be ${list}, found ${found}`);
}

/**
 * Applies a reduction to the unreduced terms: `mean(terms)`, `sum(terms)` or `terms` itself.
 * The mean of no terms is NaN, as in PyTorch.
 */
export function reduce(terms: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'sum') return sum(terms);
  if (reduction === 'mean') return mean(terms);
  return terms;
}
