/**
 * Entry of the WASM GEMM module. Memory is imported and shared (`env.memory`), and nothing here
 * allocates or keeps state between calls, so any number of threads may run `gemm` on the same
 * memory at once, each on its own output sub-block with its own scratch.
 *
 * Storage follows the TypeScript kernels: row-major float32; `A` is `m×k` (`k×m` when `transA`),
 * `B` is `k×n` (`n×k` when `transB`), `out` is `m×n`; pointers are byte addresses.
 */
import { KC, MC, MR, NC, NR, PACKED_A_BYTES, PACKED_B_BYTES, SCRATCH_BYTES } from './blocking';
import { microKernel } from './microkernel';
import { packA, packB } from './pack';

export { peakLoop, peakFlopsPerIteration } from './peak';
export { adamPlain, reluBackward, reluForward } from './elementwise';
export { convForward, convInputGrad, convWeightGrad } from './conv';
export { avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward, maxPool2x2 } from './pool';

/**
 * Bytes of scratch each concurrent `gemm` caller needs: `4·(MC·KC + KC·NC + MR·NR)` (packed block
 * of A, packed block of B, staging tile), 1,147,008 with the constants of `./blocking.ts`.
 * Place each caller's scratch 64-byte aligned, for aligned vector access.
 */
export function scratchBytes(): i32 {
  return SCRATCH_BYTES;
}

/** First byte of memory not used by the module's own static data: operands may start here. */
export function heapBase(): usize {
  return __heap_base;
}

/** The register tile, `[MR, NR]`, and block sizes `[KC, MC, NC]`, for callers splitting work. */
export function blocking(index: i32): i32 {
  if (index == 0) return MR;
  if (index == 1) return NR;
  if (index == 2) return KC;
  if (index == 3) return MC;
  return NC;
}

/**
 * `out[i,j] = Σ_p op(A)[i,p]·op(B)[p,j]` (or `out[i,j] +=` that, when `accumulate`) for
 * `rowBegin ≤ i < rowEnd`, `colBegin ≤ j < colEnd`; the rest of `out` is not touched. The sum
 * for one element is formed in float32 in `p` order, rounded into `out` once per `KC` block of
 * depth; it does not depend on the sub-block bounds, so splitting the output among callers gives
 * the same bits as one call. `scratch` is `scratchBytes()` bytes no other caller uses meanwhile.
 * Arguments are trusted: the caller checks sizes and bounds.
 */
export function gemm(
  a: usize,
  b: usize,
  out: usize,
  m: i32,
  k: i32,
  n: i32,
  transA: bool,
  transB: bool,
  accumulate: bool,
  rowBegin: i32,
  rowEnd: i32,
  colBegin: i32,
  colEnd: i32,
  scratch: usize,
): void {
  if (rowEnd <= rowBegin || colEnd <= colBegin) return;
  const ldc = <usize>n << 2;
  if (k == 0) {
    if (!accumulate) {
      for (let i = rowBegin; i < rowEnd; i++) {
        memory.fill(out + <usize>i * ldc + (<usize>colBegin << 2), 0, <usize>(colEnd - colBegin) << 2);
      }
    }
    return;
  }
  const packedA = scratch;
  const packedB = scratch + PACKED_A_BYTES;
  const tile = packedB + PACKED_B_BYTES;
  const aRowStride = transA ? 1 : k;
  const aColStride = transA ? m : 1;
  const bRowStride = transB ? 1 : n;
  const bColStride = transB ? k : 1;
  for (let jc = colBegin; jc < colEnd; jc += NC) {
    const nc = min(NC, colEnd - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB(b, bRowStride, bColStride, pc, kc, jc, nc, packedB);
      // The first block of depth overwrites out unless the caller accumulates.
      const overwrite = pc == 0 && !accumulate;
      for (let ic = rowBegin; ic < rowEnd; ic += MC) {
        const mc = min(MC, rowEnd - ic);
        packA(a, aRowStride, aColStride, ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const c = out + <usize>(ic + ir) * ldc + (<usize>(jc + jr) << 2);
            microKernel(kc, packedA + (<usize>(ir * kc) << 2), bPanel, c, ldc, rows, cols, overwrite, tile);
          }
        }
      }
    }
  }
}
