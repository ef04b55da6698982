import { record } from './autograd.js';
import { ArgumentError, fmtShape } from './errors.js';
import { kernels } from './kernels/backend.js';
import { pool2dGeometry, pool2dShape, type Pool2dOptions } from './pool-options.js';
import { Tensor } from './tensor.js';

/** Options of `avgPool2d`: those of `maxPool2d` plus how padding counts. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /**
   * Divide by the whole window `kH·kW`, counting the zero padding (PyTorch's default), or,
   * when false, only by the number of real inputs in the window. @default true
   */
  countIncludePad?: boolean;
}

const KNOWN_OPTIONS = ['kernelSize', 'stride', 'padding', 'countIncludePad'];

/**
 * Output shape of `avgPool2d` on an input of `inputShape`: `[N, C, H', W']` with
 * `H' = (H − F + 2P)/S + 1` per spatial dimension. Throws as `avgPool2d` would.
 *
 * @example
 * ```ts
 * import { avgPool2dOutputShape } from 'streamgrad';
 * avgPool2dOutputShape([8, 3, 32, 32], { kernelSize: 3, stride: 1, padding: 1 }); // [8, 3, 32, 32]
 * ```
 */
export function avgPool2dOutputShape(
  inputShape: readonly number[],
  opts: AvgPool2dOptions,
): [number, number, number, number] {
  return pool2dShape(pool2dGeometry('avgPool2d', inputShape, opts, KNOWN_OPTIONS));
}

/**
 * 2-D average pooling over NCHW input, `y[n,c,i,j] = (1/count) · Σ x` over the F×F window at
 * `(i·S − P, j·S − P)`, where padding cells are zeros and `count` is `F·F` (the default,
 * `countIncludePad`) or the number of real inputs in the window.
 *
 * Backward spreads each output gradient evenly over its window: every input in it receives
 * `g / count`, summed over the windows that contain it.
 *
 * Unlike PyTorch, a non-whole output size is an error rather than a silent floor (there is
 * no `ceilMode`, nor `divisorOverride`). As in PyTorch, padding may be at most half the kernel.
 *
 * @param x - input `[N, C, H, W]`.
 * @param opts - `kernelSize` F, `stride` S (default F), `padding` P (default 0), each a
 *   number or `[h, w]`; `countIncludePad` (default true).
 * @returns `[N, C, (H − F + 2P)/S + 1, (W − F + 2P)/S + 1]`.
 * @throws ShapeError for an input that is not rank 4, or a non-whole output size.
 * @throws ArgumentError for bad kernel, stride or padding values, or an unknown option.
 *
 * @example
 * ```ts
 * import { avgPool2d, tensor } from 'streamgrad';
 * const x = tensor([[1, 2], [3, 4]]).reshape([1, 1, 2, 2]);
 * avgPool2d(x, { kernelSize: 2 }).item(); // 2.5
 * ```
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const geometry = pool2dGeometry('avgPool2d', x.shape, opts, KNOWN_OPTIONS);
  const countIncludePad = opts.countIncludePad ?? true;
  if (typeof countIncludePad !== 'boolean') {
    throw new ArgumentError(
      `avgPool2d: countIncludePad must be a boolean, found ${String(countIncludePad)}; input ${fmtShape(x.shape)}`,
    );
  }
  const k = kernels();
  const y = new Tensor(k.avgPool2dForward(x.data, geometry, countIncludePad), pool2dShape(geometry));
  return record('avgPool2d', y, [x], (g) => [
    new Tensor(k.avgPool2dBackward(g.data, geometry, countIncludePad), x.shape),
  ]);
}
