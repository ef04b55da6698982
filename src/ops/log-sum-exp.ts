import { add, sub } from './arithmetic.js';
import { foldInto } from './kernels/strided.js';
import { normalizeAxes, sizeOf } from './shape.js';
import { reducedShape, sum } from './sum.js';
import { Tensor } from './tensor.js';
import { exp, log } from './unary.js';

/**
 * `ln Σ exp(x)` over `axis` (one axis, a list, or all when omitted), computed stably as
 * `m + ln Σ exp(x − m)` with `m` the maximum over the same axes, so no `exp` overflows and
 * the largest term is exactly 1. The gradient is `softmax(x)` along the reduced axes.
 *
 * Composed from `sub`, `exp`, `sum`, `log` and `add` with `m` held constant: the shift
 * cancels out of the value, so its gradient contribution is zero and autograd gives
 * `exp(x − m) / Σ exp(x − m) = softmax(x)` directly. An infinite `m` is replaced by 0 (as
 * PyTorch does), so an all-`−∞` slice gives `−∞` and a `+∞` gives `+∞` instead of NaN; the
 * sum over no elements is `ln 0 = −∞`.
 *
 * @example
 * ```ts
 * import { logSumExp, tensor } from 'streamgrad';
 * logSumExp(tensor([1000, 1000])).item();               // 1000.6931 (1000 + ln 2, no overflow)
 * logSumExp(tensor([[0, 0], [1, 1]]), 1).toArray();     // [0.6931, 1.6931]
 * ```
 */
export function logSumExp(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  const kept = reducedShape(x.shape, axes, true);
  const shift = foldInto(x.data, x.shape, new Float32Array(sizeOf(kept)).fill(-Infinity), kept, (m, v) =>
    v > m ? v : m,
  );
  for (let j = 0; j < shift.length; j++) if (!Number.isFinite(shift[j])) shift[j] = 0;
  const m = new Tensor(Float32Array.from(shift), kept);
  const total = sum(exp(sub(x, m)), axes, keepDims);
  return add(log(total), m.reshape(total.shape));
}
