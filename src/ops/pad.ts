import { record } from './autograd.js';
import { ArgumentError, fmtShape } from './errors.js';
import { sizeOf } from './shape.js';
import { copyBox } from './kernels/copy-box.js';
import { slice } from './slice.js';
import { Tensor } from './tensor.js';

/**
 * Pads `x` with a constant: along dimension `d`, `before` copies of `value` go in front and
 * `after` behind, so `out.shape[d] = before + x.shape[d] + after` and `x` sits at offset
 * `before` (NumPy `np.pad(x, padding, constant_values=value)`). Backward slices the gradient
 * back out of the padded box.
 *
 * The pairs are listed in dimension order. With fewer pairs than dimensions they apply to
 * the LAST dimensions, aligned on the right like broadcasting, and the leading dimensions are
 * not padded: on an NCHW batch, `[[1, 1], [2, 2]]` pads H by 1 and W by 2. (PyTorch's
 * `F.pad` also pads the last dimensions but lists them last-dimension-first, flattened.)
 *
 * @example
 * ```ts
 * import { pad, tensor } from 'streamgrad';
 * pad(tensor([1, 2]), [[1, 2]]).toArray();                   // [0, 1, 2, 0, 0]
 * pad(tensor([[1, 2], [3, 4]]), [[1, 0]], -1).toArray();     // [[-1, 1, 2], [-1, 3, 4]]
 * pad(tensor([[5]]), [[1, 0], [0, 1]]).toArray();            // [[0, 0], [5, 0]]
 * ```
 *
 * @param padding - `[before, after]` pairs of non-negative integers, at most one per dimension.
 * @param value - the fill value; any number, `-Infinity` included (as max pooling needs). @default 0
 * @throws ArgumentError for more pairs than dimensions, a malformed pair, or a negative or
 *   non-integer amount.
 */
export function pad(x: Tensor, padding: ReadonlyArray<readonly [number, number]>, value = 0): Tensor {
  const pairs = checkPadding(padding, x.shape);
  if (typeof value !== 'number') {
    throw new ArgumentError(`pad: value must be a number, found ${typeof value}`);
  }
  const before = pairs.map(([b]) => b);
  const shape = x.shape.map((d, i) => pairs[i][0] + d + pairs[i][1]);

  const data = new Float32Array(sizeOf(shape)).fill(value);
  copyBox(x.data, x.shape, new Array<number>(x.rank).fill(0), data, shape, before, x.shape);
  const out = new Tensor(data, shape);
  const end = before.map((b, i) => b + x.shape[i]);
  return record('pad', out, [x], (g) => [slice(g, before, end)]);
}

/** Validates the pairs and right-aligns them to one `[before, after]` per dimension. */
function checkPadding(padding: ReadonlyArray<readonly [number, number]>, shape: readonly number[]): Array<[number, number]> {
  const shown = (): string => (Array.isArray(padding) ? JSON.stringify(padding) : String(padding));
  if (!Array.isArray(padding)) {
    throw new ArgumentError(`pad: padding must be an array of [before, after] pairs, found ${shown()}`);
  }
  if (padding.length > shape.length) {
    throw new ArgumentError(
      `pad: ${padding.length} [before, after] pairs for a tensor of rank ${shape.length} ` +
        `(padding ${shown()}, x ${fmtShape(shape)})`,
    );
  }
  for (const pair of padding) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new ArgumentError(`pad: each padding entry must be a [before, after] pair, found ${shown()}`);
    }
    if (!pair.every((p) => Number.isInteger(p) && p >= 0)) {
      throw new ArgumentError(
        `pad: padding amounts must be non-negative integers, found ${shown()} (x ${fmtShape(shape)})`,
      );
    }
  }
  const lead = shape.length - padding.length;
  return shape.map((_, i) => (i < lead ? [0, 0] : [padding[i - lead][0], padding[i - lead][1]]));
}
