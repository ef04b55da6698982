import { sizeOf, stridesOf } from '../shape.js';

/**
 * Copies the box of extent `size` starting at `srcStart` in `src` (row-major, shape `srcShape`)
 * to the box starting at `dstStart` in `dst` (shape `dstShape`); nothing else in `dst` changes.
 * Rows along the last axis are contiguous in both, so it copies row by row.
 * Shared by `slice` (copy out of a box) and `pad` (copy into a box).
 */
export function copyBox(
  src: Float32Array,
  srcShape: readonly number[],
  srcStart: readonly number[],
  dst: Float32Array,
  dstShape: readonly number[],
  dstStart: readonly number[],
  size: readonly number[],
): void {
  const rank = size.length;
  const count = sizeOf(size);
  if (count === 0) return;
  if (rank === 0) {
    dst[0] = src[0];
    return;
  }
  const srcStrides = stridesOf(srcShape);
  const dstStrides = stridesOf(dstShape);
  let s = 0;
  let t = 0;
  for (let d = 0; d < rank; d++) {
    s += srcStart[d] * srcStrides[d];
    t += dstStart[d] * dstStrides[d];
  }
  const run = size[rank - 1];
  const idx = new Array<number>(rank - 1).fill(0);
  for (let row = 0; row < count / run; row++) {
    for (let j = 0; j < run; j++) dst[t + j] = src[s + j];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++;
      s += srcStrides[d];
      t += dstStrides[d];
      if (idx[d] < size[d]) break;
      s -= srcStrides[d] * size[d];
      t -= dstStrides[d] * size[d];
      idx[d] = 0;
    }
  }
}
