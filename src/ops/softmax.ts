/**
 * Softmax and log-softmax along one axis, numerically stable, each with a fused backward.
 *
 * Why fused: composed from `exp`, `sum` and `div`, softmax would overflow for large inputs
 * (`e^790 = ∞`) and its backward would build and walk several intermediate tensors; the fused
 * VJPs below are one pass over the saved output each, and `logSoftmax`'s never divides by a
 * probability that may have underflowed to 0. The raw loops live in `kernels/softmax.ts`.
 */
import { record } from './autograd.js';
import { ArgumentError, fmtShape } from './errors.js';
import { axisGeometry, logSoftmaxBackward, softmaxBackward, softmaxForward } from './kernels/softmax.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './tensor-like.js';

/**
 * Softmax along `axis`, `softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)`, computed as
 * `e^(xᵢ − m) / Σⱼ e^(xⱼ − m)` with `m` the maximum along the axis, so it never overflows.
 * Every slice along `axis` is non-negative and sums to 1.
 *
 * Backward (fused, from the saved output `y`): `gx = y ⊙ (g − Σ(g ⊙ y))` along the axis.
 *
 * @param x - input tensor. A rank-0 tensor (or a number) is treated as one slice of one
 *   element, as PyTorch does, so its softmax is 1.
 * @param axis - the axis to normalize over; negative counts from the end. @default -1
 * @returns a tensor of `x`'s shape.
 * @example
 * ```ts
 * import { softmax, tensor } from 'streamgrad';
 * softmax(tensor([123, 456, 789])).toArray();        // [0, 0, 1] (no overflow)
 * softmax(tensor([[1, 2], [3, 4]]), 0).toArray();    // [[0.1192, 0.1192], [0.8808, 0.8808]]
 * ```
 */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const input = toTensor('softmax', 'x', x);
  const geometry = axisGeometry(input.shape, checkAxis('softmax', input, axis));
  const out = new Tensor(softmaxForward(input.data, geometry, false), input.shape);
  return record('softmax', out, [input], (g) => [
    new Tensor(softmaxBackward(out.data, g.data, geometry), input.shape),
  ]);
}

/**
 * Log-softmax along `axis`, `logSoftmax(x)ᵢ = xᵢ − log Σⱼ e^(xⱼ)`, computed as
 * `xᵢ − m − log Σⱼ e^(xⱼ − m)` with `m` the maximum along the axis: finite wherever `x` is,
 * even where `softmax` underflows to 0 (`logSoftmax([1000, 0])` is `[0, −1000]`).
 *
 * Backward (fused, from the saved output `y`): `gx = g − softmax(x) ⊙ Σg` along the axis,
 * with `softmax(x) = e^y`.
 *
 * @param x - input tensor. A rank-0 tensor (or a number) is one slice of one element, so its
 *   log-softmax is 0.
 * @param axis - the axis to normalize over; negative counts from the end. @default -1
 * @returns a tensor of `x`'s shape with values ≤ 0.
 * @example
 * ```ts
 * import { logSoftmax, tensor } from 'streamgrad';
 * logSoftmax(tensor([1000, 0])).toArray(); // [0, -1000]
 * ```
 */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const input = toTensor('logSoftmax', 'x', x);
  const geometry = axisGeometry(input.shape, checkAxis('logSoftmax', input, axis));
  const out = new Tensor(softmaxForward(input.data, geometry, true), input.shape);
  return record('logSoftmax', out, [input], (g) => [
    new Tensor(logSoftmaxBackward(out.data, g.data, geometry), input.shape),
  ]);
}

/**
 * Normalizes `axis` for `x`, accepting `−rank ≤ axis < rank`; a rank-0 tensor accepts −1 and 0
 * (PyTorch's rule for 0-dim tensors). Throws naming the op and the shape.
 */
function checkAxis(op: string, x: Tensor, axis: number): number {
  const rank = Math.max(x.rank, 1);
  if (typeof axis !== 'number' || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgumentError(
      `${op}: axis ${String(axis)} is out of range for x of shape ${fmtShape(x.shape)} ` +
        `(expected an integer in [${-rank}, ${rank - 1}])`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}
