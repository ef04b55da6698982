import { record } from './autograd.js';
import { kernels } from './kernels/backend.js';
import { pool2dGeometry, pool2dShape, type Pool2dOptions } from './pool-options.js';
import { Tensor } from './tensor.js';

/**
 * Output shape of `maxPool2d` on an input of `inputShape`: `[N, C, H', W']` with
 * `H' = (H − F + 2P)/S + 1` per spatial dimension (CS231n). Throws as `maxPool2d` would, so
 * layers can infer shapes before any data flows.
 *
 * @example
 * ```ts
 * import { maxPool2dOutputShape } from 'streamgrad';
 * maxPool2dOutputShape([1, 64, 224, 224], { kernelSize: 2 }); // [1, 64, 112, 112]
 * ```
 */
export function maxPool2dOutputShape(
  inputShape: readonly number[],
  opts: Pool2dOptions,
): [number, number, number, number] {
  return pool2dShape(pool2dGeometry('maxPool2d', inputShape, opts));
}

/**
 * 2-D max pooling over NCHW input, `y[n,c,i,j] = max over the F×F window at (i·S − P, j·S − P)`.
 * Padding is implicit −∞: it never wins, so a window's max is always a real input.
 *
 * Backward routes each output gradient to the input that won its window (the first maximal
 * one in row-major order on ties, as PyTorch does); inputs that win overlapping windows
 * accumulate (CS231n, "Backpropagation: max(x, y)").
 *
 * Unlike PyTorch, a configuration where `(W − F + 2P)/S + 1` is not a whole number is an
 * error rather than a silent floor (there is no `ceilMode`). As in PyTorch, padding may be
 * at most half the kernel.
 *
 * @param x - input `[N, C, H, W]`.
 * @param opts - `kernelSize` F, `stride` S (default F), `padding` P (default 0); each a
 *   number or `[h, w]`.
 * @returns `[N, C, (H − F + 2P)/S + 1, (W − F + 2P)/S + 1]`.
 * @throws ShapeError for an input that is not rank 4, or a non-whole output size (the message
 *   shows the formula with the numbers in it).
 * @throws ArgumentError for a kernel or stride below 1, negative padding, padding above half
 *   the kernel, or an unknown option.
 *
 * @example
 * ```ts
 * import { maxPool2d, tensor } from 'streamgrad';
 * const x = tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).reshape([1, 1, 4, 4]);
 * maxPool2d(x, { kernelSize: 2 }).toArray(); // [[[[6, 8], [3, 4]]]]
 * ```
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const geometry = pool2dGeometry('maxPool2d', x.shape, opts);
  const k = kernels();
  const { out, argmax } = k.maxPool2dForward(x.data, geometry);
  const y = new Tensor(out, pool2dShape(geometry));
  return record('maxPool2d', y, [x], (g) => [new Tensor(k.maxPool2dBackward(g.data, argmax, x.size), x.shape)]);
}
