/**
 * The WASM `gemm` export run across the kernel thread pool (`../threads/`): the output is cut
 * into one block per thread, each computed by one `gemm` call with its own scratch, so the
 * result is bit for bit the single-threaded one (the kernel's sum for an element does not depend
 * on the block bounds).
 *
 * A product gets one thread per `parallelMinMultiplyAddsPerThread` multiply-adds, up to
 * `getKernelThreads()`. It is cut by output rows (in whole `MR`-row tiles) when `m ≥ n`, so
 * each thread packs all of `B`, else by columns (whole `NR`-column tiles), so each packs all of
 * `A`: the redundant packing is the smaller operand's.
 */
import { getKernelThreads } from '../threads/config.js';
import { WasmThreadPool } from '../threads/pool.js';
import { type GemmLayout, gemmWasm } from './runtime.js';

/**
 * Fewest multiply-adds (`m·k·n`) worth one more thread. `npx tsx bench/thread-dispatch.ts`
 * (2 cores): a call over one worker costs 11–18 µs median more than running on the main thread;
 * 2²¹ multiply-adds take ~100 µs of this GEMM on one core, several times the dispatch.
 */
export const parallelMinMultiplyAddsPerThread = 2 ** 21;

let pool: WasmThreadPool | null = null;

/** Threads an `m×k×n` product should use: at least 1, at most `getKernelThreads()`. */
export function gemmThreads(m: number, k: number, n: number): number {
  const byWork = Math.floor((m * k * n) / parallelMinMultiplyAddsPerThread);
  return Math.max(1, Math.min(getKernelThreads(), byWork));
}

/**
 * The pool over the WASM module's memory (any export of the module can run on it), made on
 * first use and again when the thread count changes.
 */
export function kernelPool(threads: number): WasmThreadPool {
  if (pool === null || pool.threads !== threads) {
    void pool?.close();
    const { module, memory } = gemmWasm();
    pool = new WasmThreadPool({ module, memory, threads, importsSource: '(memory) => ({ env: { memory } })' });
  }
  return pool;
}

/**
 * `out (+)= op(A)·op(B)` for the operands already placed at `layout`, over `parts` threads
 * (`layout` must have at least `parts` scratch regions: `gemmLayout(m, k, n, parts)`).
 */
export function parallelGemm(
  layout: GemmLayout,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  accumulate: boolean,
  parts: number,
): void {
  const { exports } = gemmWasm();
  const byRows = m >= n;
  const tile = byRows ? exports.blocking(0) : exports.blocking(1);
  const extent = byRows ? m : n;
  const tiles = Math.ceil(extent / tile);
  const count = Math.min(parts, tiles);
  const flags = [transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0];
  const jobs: number[][] = [];
  for (let t = 0; t < count; t++) {
    const begin = Math.min(extent, Math.round((t * tiles) / count) * tile);
    const end = Math.min(extent, Math.round(((t + 1) * tiles) / count) * tile);
    const [rowBegin, rowEnd, colBegin, colEnd] = byRows ? [begin, end, 0, n] : [0, m, begin, end];
    jobs.push([layout.a, layout.b, layout.out, m, k, n, ...flags, rowBegin, rowEnd, colBegin, colEnd, layout.scratch[t]]);
  }
  kernelPool(getKernelThreads()).parallelFor('gemm', jobs);
}
