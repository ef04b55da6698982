/**
 * The register tile: `C[MR×NR] (+)= Apanel[MR×kc] · Bpanel[kc×NR]` with `MR = 4`, `NR = 8`.
 *
 * Eight f32x4 accumulators (four rows × two vectors) stay in registers for the whole `kc` loop;
 * each step loads two vectors of the `B` panel, broadcasts four values of the `A` panel
 * (`v128.load32_splat`) and does eight multiplies and eight adds. WASM SIMD in Node 20 has no
 * fused multiply-add, so a product and its sum are two instructions and two roundings.
 *
 * Why 4×8, measured on the 2-core AMD EPYC (Zen 4) under Node 20 (CPU-time GFLOP/s at n = 512,
 * whole GEMM): 4×8 ran at 41, 3×8 at 35, 5×8 at 22, 6×8 at 25. V8's scheduler issues all of a
 * step's loads first, so a tile needs `2·MR` accumulators + 2 `B` vectors + `MR` broadcasts +
 * one product temporary; 4×8 needs 15, exactly the xmm registers V8 allocates, while larger
 * tiles spill accumulators to the stack, putting a store-to-load round trip on every step's
 * dependency chain. Unrolling the loop had the same effect (more live loads) and was dropped.
 *
 * Every output element is summed in the same order (`p` ascending) wherever its tile lies, so
 * results do not depend on how the output is split into sub-blocks.
 */
import { MR, NR } from './blocking';

/**
 * Runs one tile. `a`, `b`: the packed panels (`kc·MR` and `kc·NR` floats); `c`: the tile's
 * top-left output element, rows `ldc` bytes apart; `rows ≤ MR`, `cols ≤ NR`: the part of the
 * tile inside the output; `overwrite`: store the sums instead of adding them to `c`; `tile`:
 * `MR·NR` floats of staging for the write-back.
 */
export function microKernel(
  kc: i32,
  a: usize,
  b: usize,
  c: usize,
  ldc: usize,
  rows: i32,
  cols: i32,
  overwrite: bool,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const end = b + (<usize>(kc * NR) << 2);
  while (b < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a, 0);
    const a1 = v128.load32_splat(a, 4);
    const a2 = v128.load32_splat(a, 8);
    const a3 = v128.load32_splat(a, 12);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    a += MR << 2;
    b += NR << 2;
  }
  // Stage the sums, then write the rows of the tile that lie inside the output.
  v128.store(tile, c00, 0);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  writeBack(tile, c, ldc, rows, cols, overwrite);
}

/** Stores (or adds) the first `rows×cols` staged sums to the output, whole rows as vectors. */
// @ts-ignore: decorator
@inline
function writeBack(tile: usize, c: usize, ldc: usize, rows: i32, cols: i32, overwrite: bool): void {
  for (let r = 0; r < rows; r++) {
    const src = tile + <usize>(r * NR * 4);
    const dst = c + <usize>r * ldc;
    if (cols == NR) {
      const v0 = v128.load(src);
      const v1 = v128.load(src, 16);
      if (overwrite) {
        v128.store(dst, v0);
        v128.store(dst, v1, 16);
      } else {
        v128.store(dst, f32x4.add(v128.load(dst), v0));
        v128.store(dst, f32x4.add(v128.load(dst, 16), v1), 16);
      }
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const offset = <usize>j << 2;
      const sum = load<f32>(src + offset);
      store<f32>(dst + offset, overwrite ? sum : load<f32>(dst + offset) + sum);
    }
  }
}
