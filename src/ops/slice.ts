import { record } from './autograd.js';
import { ArgumentError, fmtShape } from './errors.js';
import { copyBox } from './kernels/copy-box.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * A box of `x`, as Python slicing `x[b₀:e₀, b₁:e₁, …]`: along each of the leading axes
 * named by `begin`/`end`, the indices `bᵢ ≤ j < eᵢ`; the remaining axes are taken whole.
 *
 * Indices follow NumPy: a negative index counts from the end (`-1` is the last element),
 * and after that both ends are clamped to `[0, size]`, so out-of-range bounds shrink the box
 * instead of failing and `end ≤ begin` gives an empty axis. A missing `begin` entry is `0`
 * and a missing `end` entry is the axis size. The result is a copy; the rank is kept.
 * Backward scatters the gradient into zeros of `x`'s shape.
 *
 * @example
 * ```ts
 * import { slice, tensor } from 'streamgrad';
 * const x = tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
 * slice(x, [1]).toArray();            // x[1:]      -> [[4, 5, 6, 7], [8, 9, 10, 11]]
 * slice(x, [0, 1], [2, -1]).toArray(); // x[0:2, 1:-1] -> [[1, 2], [5, 6]]
 * slice(x, [-1, 2], [99]).toArray();   // x[-1:99, 2:] -> [[10, 11]]
 * ```
 *
 * @param begin - first index per leading axis (inclusive).
 * @param end - stop index per leading axis (exclusive). @default every axis taken to its end
 * @throws ArgumentError when `begin` or `end` has more entries than `x` has axes, or a
 *   non-integer entry.
 */
export function slice(x: Tensor, begin: readonly number[], end: readonly number[] = []): Tensor {
  checkBounds('begin', begin, x.shape);
  checkBounds('end', end, x.shape);
  const start = x.shape.map((d, i) => clampIndex(begin[i] ?? 0, d));
  const stop = x.shape.map((d, i) => clampIndex(end[i] ?? d, d));
  const size = start.map((s, i) => Math.max(0, stop[i] - s));
  const zero = new Array<number>(x.rank).fill(0);

  const out = new Tensor(new Float32Array(sizeOf(size)), size);
  copyBox(x.data, x.shape, start, out.data, size, zero, size);
  return record('slice', out, [x], (g) => {
    const gx = new Float32Array(x.size);
    copyBox(g.data, size, zero, gx, x.shape, start, size);
    return [new Tensor(gx, x.shape)];
  });
}

/** Python's slice bound rule: negative counts from the end, then clamp into `[0, size]`. */
function clampIndex(i: number, size: number): number {
  const j = i < 0 ? i + size : i;
  return Math.min(Math.max(j, 0), size);
}

function checkBounds(name: string, bounds: readonly number[], shape: readonly number[]): void {
  if (!Array.isArray(bounds)) {
    throw new ArgumentError(`slice: ${name} must be an array of integers, found ${String(bounds)}`);
  }
  if (bounds.length > shape.length) {
    throw new ArgumentError(
      `slice: ${name} [${bounds.join(',')}] has ${bounds.length} entries but x has rank ${shape.length} ` +
        `(shape ${fmtShape(shape)})`,
    );
  }
  if (!bounds.every((b) => Number.isInteger(b))) {
    throw new ArgumentError(`slice: ${name} must hold integers, found [${bounds.join(',')}] (x ${fmtShape(shape)})`);
  }
}
