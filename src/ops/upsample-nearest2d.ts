import { record } from './autograd.js';
import { pair } from './conv-output-size.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { assertKnownOptions, assertNchw, withInputShape } from './pool-options.js';
import { Tensor } from './tensor.js';

/** Options of `upsampleNearest2d`: exactly one of an integer `scaleFactor` or an output `size`. */
export type UpsampleNearest2dOptions =
  | { scaleFactor: number | readonly [number, number]; size?: undefined }
  | { size: number | readonly [number, number]; scaleFactor?: undefined };

/** Input and output spatial sizes of one call. */
interface UpsampleGeometry {
  readonly planes: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

function geometry(shape: readonly number[], opts: UpsampleNearest2dOptions): UpsampleGeometry {
  const op = 'upsampleNearest2d';
  assertNchw(op, shape);
  const [n, c, inHeight, inWidth] = shape;
  if (typeof opts !== 'object' || opts === null || (opts.scaleFactor === undefined) === (opts.size === undefined)) {
    throw new ArgumentError(`${op}: give exactly one of scaleFactor or size, input ${fmtShape(shape)}`);
  }
  assertKnownOptions(op, opts, ['scaleFactor', 'size'], shape);
  if (inHeight === 0 || inWidth === 0) {
    throw new ShapeError(`${op}: input height and width must be at least 1, found shape ${fmtShape(shape)}`);
  }
  const [outHeight, outWidth] = withInputShape(shape, (): [number, number] => {
    if (opts.size !== undefined) return pair(op, 'size', opts.size, 1);
    const [sH, sW] = pair(op, 'scaleFactor', opts.scaleFactor, 1);
    return [inHeight * sH, inWidth * sW];
  });
  return { planes: n * c, inHeight, inWidth, outHeight, outWidth };
}

/**
 * Output shape of `upsampleNearest2d` on an input of `inputShape`: `[N, C, H·s, W·s]` for a
 * scale factor, `[N, C, ...size]` for an explicit size. Throws as the op would.
 *
 * @example
 * ```ts
 * import { upsampleNearest2dOutputShape } from 'streamgrad';
 * upsampleNearest2dOutputShape([1, 3, 8, 8], { scaleFactor: [2, 3] }); // [1, 3, 16, 24]
 * ```
 */
export function upsampleNearest2dOutputShape(
  inputShape: readonly number[],
  opts: UpsampleNearest2dOptions,
): [number, number, number, number] {
  const g = geometry(inputShape, opts);
  return [inputShape[0], inputShape[1], g.outHeight, g.outWidth];
}

/** For each output index along one axis, the input index it copies: `floor(dst · in / out)`. */
function sourceIndices(inSize: number, outSize: number): Int32Array {
  const src = new Int32Array(outSize);
  // Integer arithmetic, so the floor is exact (PyTorch computes `dst · (in/out)` in float).
  for (let dst = 0; dst < outSize; dst++) src[dst] = Math.floor((dst * inSize) / outSize);
  return src;
}

/**
 * Nearest-neighbour upsampling of NCHW input, `y[n,c,i,j] = x[n,c,⌊i·H/H'⌋,⌊j·W/W'⌋]`
 * (PyTorch's `nearest` mode). With an integer `scaleFactor` s every pixel becomes an s×s
 * block; with an explicit `size` [H', W'] any output size works, shrinking included.
 *
 * Backward sums the gradient over each input pixel's copies.
 *
 * @param x - input `[N, C, H, W]`.
 * @param opts - `{ scaleFactor }`, an integer ≥ 1 or `[sH, sW]`, or `{ size }`, an integer
 *   ≥ 1 or `[H', W']`; exactly one of them.
 * @returns `[N, C, H', W']`.
 * @throws ShapeError for an input that is not rank 4 or has no rows or columns.
 * @throws ArgumentError for both or neither option, a non-integer or zero scale or size.
 *
 * @example
 * ```ts
 * import { upsampleNearest2d, tensor } from 'streamgrad';
 * const x = tensor([[1, 2], [3, 4]]).reshape([1, 1, 2, 2]);
 * upsampleNearest2d(x, { scaleFactor: 2 }).toArray();
 * // [[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]
 * ```
 */
export function upsampleNearest2d(x: Tensor, opts: UpsampleNearest2dOptions): Tensor {
  const g = geometry(x.shape, opts);
  const rows = sourceIndices(g.inHeight, g.outHeight);
  const cols = sourceIndices(g.inWidth, g.outWidth);
  const inPlane = g.inHeight * g.inWidth;
  const out = new Float32Array(g.planes * g.outHeight * g.outWidth);
  let o = 0;
  for (let p = 0; p < g.planes; p++) {
    for (let i = 0; i < g.outHeight; i++) {
      const rowStart = p * inPlane + rows[i] * g.inWidth;
      for (let j = 0; j < g.outWidth; j++) out[o++] = x.data[rowStart + cols[j]];
    }
  }
  const y = new Tensor(out, [x.shape[0], x.shape[1], g.outHeight, g.outWidth]);
  return record('upsampleNearest2d', y, [x], (grad) => {
    const dx = new Float32Array(x.size);
    let k = 0;
    for (let p = 0; p < g.planes; p++) {
      for (let i = 0; i < g.outHeight; i++) {
        const rowStart = p * inPlane + rows[i] * g.inWidth;
        for (let j = 0; j < g.outWidth; j++) dx[rowStart + cols[j]] += grad.data[k++];
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}
