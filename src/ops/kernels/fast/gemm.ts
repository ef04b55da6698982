/**
 * Fast GEMM in plain TypeScript: `C = op(A)·op(B)`, with the same arguments and storage as the
 * reference `gemm` in `../matmul.ts` (which stays the specification and the test oracle).
 *
 * The loop nest follows Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication" (ACM TOMS 2008), scaled to what V8 can keep in registers:
 * - the `k` dimension is cut into blocks of `KC`, `n` into blocks of `NC`; for each pair, a
 *   `KC×NC` block of `op(B)` is packed into column panels of `NR` (each panel contiguous,
 *   row `p` of the panel at `p·NR`), so the inner loop reads it in order;
 * - `m` is cut into blocks of `MC`, packed into row panels of `MR` the same way;
 * - a `MR×NR` micro-kernel keeps its 16 partial sums in local variables for a whole `KC` run
 *   and touches `out` once per block.
 * Transposes are absorbed by the packing, so all three forms (A·B, Aᵀ·B, A·Bᵀ) run the same
 * micro-kernel. Panels past the matrix edge are zero-filled, so the micro-kernel never branches
 * on size; only the write-back is clipped.
 *
 * Precision, versus the reference (float64 accumulation, one rounding): panels are packed into
 * `Float64Array`s and the micro-kernel sums in float64 locals (V8 computes in double anyway, and
 * reading doubles saves a conversion per load), but a partial sum is rounded to float32 each
 * time it is stored in `out`, once per `KC` block of `k`. The error is therefore at most about
 * `(⌈k/KC⌉ + 1)·2⁻²⁴·Σ_p |op(A)[i,p]|·|op(B)[p,j]|`; for `k ≤ KC` the result is the
 * correctly rounded float64 sum, like the reference, up to summation order. Callers and tests
 * should rely only on the weaker float32-GEMM bound `k·2⁻²⁴·Σ|a||b|`, which later SIMD kernels
 * (float32 lanes) will also meet.
 */

/**
 * Rows of `op(A)` per micro-tile. The micro-kernel and the full-panel packing loops are written
 * out for `MR = NR = 4` (16 accumulators: more spill out of V8's registers and measured slower).
 */
const MR = 4;
/** Columns of `op(B)` per micro-tile. */
const NR = 4;
/** Depth of one packed block: the length of the micro-kernel's inner loop. */
const KC = 256;
/** Rows of `op(A)` packed at once (`MC·KC` doubles = 128 KiB, about an L2 share). */
const MC = 64;
/** Columns of `op(B)` packed at once. */
const NC = 512;

/**
 * Packing buffers, grown on demand and reused: allocating (and zeroing) them per call would
 * cost as much as a small product. Safe because `gemm` is synchronous and never re-entered.
 */
let packedA = new Float64Array(MC * KC);
let packedB = new Float64Array(KC * NC);

/**
 * `out[i,j] = Σ_p op(A)[i,p] · op(B)[p,j]`, or `out[i,j] += …` when `accumulate`; storage and
 * offsets exactly as the reference `gemm` (`A` is `m×k`, or `k×m` when `transA`; `B` is `k×n`,
 * or `n×k` when `transB`; `out` is `m×n`, all row-major).
 *
 * @param accumulate - add to `out` instead of overwriting it (conv weight gradients sum over the
 *   batch this way, without a temporary). @default false
 */
export function gemm(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate = false,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    if (!accumulate) out.fill(0, outOffset, outOffset + m * n);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(b, bOffset, k, n, transB, pc, kc, jc, nc);
      // The first k-block overwrites `out` unless the caller asked to accumulate.
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, aOffset, m, k, transA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            const o = outOffset + (ic + ir) * n + jc + jr;
            microKernel(kc, ir * kc, jr * kc, out, o, n, rows, cols, add);
          }
        }
      }
    }
  }
}

/**
 * Copies rows `ic … ic+mc` and depths `pc … pc+kc` of `op(A)` into `packedA` as row panels of
 * `MR`: element `(ic + ir + r, pc + p)` goes to `ir·kc + p·MR + r`. Rows past `m` are zeros.
 */
function packA(
  a: Float32Array,
  aOffset: number,
  m: number,
  k: number,
  transA: boolean,
  ic: number,
  mc: number,
  pc: number,
  kc: number,
): void {
  const size = Math.ceil(mc / MR) * MR * kc;
  if (packedA.length < size) packedA = new Float64Array(size);
  const dst = packedA;
  for (let ir = 0; ir < mc; ir += MR) {
    const base = ir * kc;
    const i = ic + ir;
    if (ir + MR <= mc && transA) {
      // A is stored k×m: the four values op(A)[i … i+3, p] = A[p, i … i+3] are contiguous.
      for (let p = 0, src = aOffset + pc * m + i, d = base; p < kc; p++, src += m, d += MR) {
        dst[d] = a[src];
        dst[d + 1] = a[src + 1];
        dst[d + 2] = a[src + 2];
        dst[d + 3] = a[src + 3];
      }
    } else if (ir + MR <= mc) {
      // Rows i … i+3 of A read side by side, so the panel is written in order.
      const s0 = aOffset + i * k + pc;
      const s1 = s0 + k;
      const s2 = s1 + k;
      const s3 = s2 + k;
      for (let p = 0, d = base; p < kc; p++, d += MR) {
        dst[d] = a[s0 + p];
        dst[d + 1] = a[s1 + p];
        dst[d + 2] = a[s2 + p];
        dst[d + 3] = a[s3 + p];
      }
    } else {
      // The last, partial panel: rows past m are zeros.
      for (let r = 0; r < MR; r++) {
        for (let p = 0; p < kc; p++) {
          const inside = ir + r < mc;
          const src = transA ? aOffset + (pc + p) * m + i + r : aOffset + (i + r) * k + pc + p;
          dst[base + p * MR + r] = inside ? a[src] : 0;
        }
      }
    }
  }
}

/**
 * Copies depths `pc … pc+kc` and columns `jc … jc+nc` of `op(B)` into `packedB` as column panels
 * of `NR`: element `(pc + p, jc + jr + c)` goes to `jr·kc + p·NR + c`. Columns past `n` are zeros.
 */
function packB(
  b: Float32Array,
  bOffset: number,
  k: number,
  n: number,
  transB: boolean,
  pc: number,
  kc: number,
  jc: number,
  nc: number,
): void {
  const size = Math.ceil(nc / NR) * NR * kc;
  if (packedB.length < size) packedB = new Float64Array(size);
  const dst = packedB;
  for (let jr = 0; jr < nc; jr += NR) {
    const base = jr * kc;
    const cols = Math.min(NR, nc - jr);
    if (transB && cols === NR) {
      // B is stored n×k: op(B)[p, j] = B[j, p], so each column of the panel is a contiguous row;
      // read the four rows side by side so the panel is written in order.
      const s0 = bOffset + (jc + jr) * k + pc;
      const s1 = s0 + k;
      const s2 = s1 + k;
      const s3 = s2 + k;
      for (let p = 0, d = base; p < kc; p++, d += NR) {
        dst[d] = b[s0 + p];
        dst[d + 1] = b[s1 + p];
        dst[d + 2] = b[s2 + p];
        dst[d + 3] = b[s3 + p];
      }
    } else if (transB) {
      for (let c = 0; c < NR; c++) {
        if (c >= cols) {
          for (let p = 0; p < kc; p++) dst[base + p * NR + c] = 0;
          continue;
        }
        let src = bOffset + (jc + jr + c) * k + pc;
        for (let p = 0; p < kc; p++, src++) dst[base + p * NR + c] = b[src];
      }
    } else if (cols === NR) {
      let src = bOffset + pc * n + jc + jr;
      for (let p = 0, d = base; p < kc; p++, src += n, d += NR) {
        dst[d] = b[src];
        dst[d + 1] = b[src + 1];
        dst[d + 2] = b[src + 2];
        dst[d + 3] = b[src + 3];
      }
    } else {
      let src = bOffset + pc * n + jc + jr;
      for (let p = 0, d = base; p < kc; p++, src += n, d += NR) {
        for (let c = 0; c < NR; c++) dst[d + c] = c < cols ? b[src + c] : 0;
      }
    }
  }
}

/**
 * One `MR×NR` tile: `Σ_p packedA[a0 + p·MR + r] · packedB[b0 + p·NR + c]` for `p < kc`, the 16
 * sums held in locals, then written (or added, when `add`) to the `rows×cols` corner of `out`
 * at `o` with row stride `ldo`.
 */
function microKernel(
  kc: number,
  a0: number,
  b0: number,
  out: Float32Array,
  o: number,
  ldo: number,
  rows: number,
  cols: number,
  add: boolean,
): void {
  const A = packedA;
  const B = packedB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0, ai = a0, bi = b0; p < kc; p++, ai += MR, bi += NR) {
    const a0v = A[ai];
    const a1v = A[ai + 1];
    const a2v = A[ai + 2];
    const a3v = A[ai + 3];
    const b0v = B[bi];
    const b1v = B[bi + 1];
    const b2v = B[bi + 2];
    const b3v = B[bi + 3];
    c00 += a0v * b0v;
    c01 += a0v * b1v;
    c02 += a0v * b2v;
    c03 += a0v * b3v;
    c10 += a1v * b0v;
    c11 += a1v * b1v;
    c12 += a1v * b2v;
    c13 += a1v * b3v;
    c20 += a2v * b0v;
    c21 += a2v * b1v;
    c22 += a2v * b2v;
    c23 += a2v * b3v;
    c30 += a3v * b0v;
    c31 += a3v * b1v;
    c32 += a3v * b2v;
    c33 += a3v * b3v;
  }
  if (rows === MR && cols === NR) {
    store4(out, o, c00, c01, c02, c03, add);
    store4(out, o + ldo, c10, c11, c12, c13, add);
    store4(out, o + 2 * ldo, c20, c21, c22, c23, add);
    store4(out, o + 3 * ldo, c30, c31, c32, c33, add);
    return;
  }
  storeClipped(out, o, cols, c00, c01, c02, c03, add);
  if (rows > 1) storeClipped(out, o + ldo, cols, c10, c11, c12, c13, add);
  if (rows > 2) storeClipped(out, o + 2 * ldo, cols, c20, c21, c22, c23, add);
  if (rows > 3) storeClipped(out, o + 3 * ldo, cols, c30, c31, c32, c33, add);
}

function store4(out: Float32Array, o: number, v0: number, v1: number, v2: number, v3: number, add: boolean): void {
  if (add) {
    out[o] += v0;
    out[o + 1] += v1;
    out[o + 2] += v2;
    out[o + 3] += v3;
  } else {
    out[o] = v0;
    out[o + 1] = v1;
    out[o + 2] = v2;
    out[o + 3] = v3;
  }
}

function storeClipped(
  out: Float32Array,
  o: number,
  cols: number,
  v0: number,
  v1: number,
  v2: number,
  v3: number,
  add: boolean,
): void {
  if (add) {
    out[o] += v0;
    if (cols > 1) out[o + 1] += v1;
    if (cols > 2) out[o + 2] += v2;
    if (cols > 3) out[o + 3] += v3;
  } else {
    out[o] = v0;
    if (cols > 1) out[o + 1] = v1;
    if (cols > 2) out[o + 2] = v2;
    if (cols > 3) out[o + 3] = v3;
  }
}
