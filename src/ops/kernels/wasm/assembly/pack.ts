/**
 * Packing of operand blocks into contiguous panels, so the micro-kernel reads both operands in
 * order. Transposes are absorbed here: the element `(i, p)` of `op(A)` lives at
 * `a + 4·(i·rowStride + p·colStride)`, with strides `(k, 1)` for `A` and `(1, m)` for `Aᵀ`, and
 * the same for `op(B)`. Panels past the matrix edge are zero-filled, so the micro-kernel never
 * branches on size.
 */
import { MR, NR } from './blocking';

/**
 * Packs rows `i0 … i0+mc` and depths `p0 … p0+kc` of `op(A)` into row panels of `MR`:
 * `op(A)[i0 + ir + r, p0 + p]` goes to float `ir·kc + p·MR + r` of `dst`.
 */
export function packA(
  a: usize,
  rowStride: i32,
  colStride: i32,
  i0: i32,
  mc: i32,
  p0: i32,
  kc: i32,
  dst: usize,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (rows == MR && rowStride == 1) {
      // op(A) = Aᵀ: the MR = 4 values of column p of the panel are contiguous, one vector.
      let s = a + (<usize>(i0 + ir + p0 * colStride) << 2);
      const step = <usize>colStride << 2;
      let d = panel;
      for (let p = 0; p < kc; p++, s += step, d += MR << 2) v128.store(d, v128.load(s));
      continue;
    }
    for (let r = 0; r < MR; r++) {
      let d = panel + (<usize>r << 2);
      if (r >= rows) {
        for (let p = 0; p < kc; p++, d += MR << 2) store<f32>(d, 0);
        continue;
      }
      let s = a + (<usize>((i0 + ir + r) * rowStride + p0 * colStride) << 2);
      const step = <usize>colStride << 2;
      for (let p = 0; p < kc; p++, d += MR << 2, s += step) store<f32>(d, load<f32>(s));
    }
  }
}

/**
 * Packs depths `p0 … p0+kc` and columns `j0 … j0+nc` of `op(B)` into column panels of `NR`:
 * `op(B)[p0 + p, j0 + jr + c]` goes to float `jr·kc + p·NR + c` of `dst`.
 */
export function packB(
  b: usize,
  rowStride: i32,
  colStride: i32,
  p0: i32,
  kc: i32,
  j0: i32,
  nc: i32,
  dst: usize,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (cols == NR && colStride == 1) {
      // Row p of op(B) is contiguous: two vector copies per row of the panel.
      let s = b + (<usize>(p0 * rowStride + j0 + jr) << 2);
      const step = <usize>rowStride << 2;
      let d = panel;
      for (let p = 0; p < kc; p++, s += step, d += NR << 2) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
      continue;
    }
    // Column c of the panel is a strided walk of op(B) (contiguous when op(B) = Bᵀ).
    for (let c = 0; c < NR; c++) {
      let d = panel + (<usize>c << 2);
      if (c >= cols) {
        for (let p = 0; p < kc; p++, d += NR << 2) store<f32>(d, 0);
        continue;
      }
      let s = b + (<usize>(p0 * rowStride + (j0 + jr + c) * colStride) << 2);
      const step = <usize>rowStride << 2;
      for (let p = 0; p < kc; p++, d += NR << 2, s += step) store<f32>(d, load<f32>(s));
    }
  }
}
