/**
 * Loads the WASM GEMM module and manages the operand space in its memory.
 *
 * The module (built by `scripts/build-wasm.mjs` from `./assembly/`, bytes embedded in
 * `./kernels.generated.ts`) is compiled synchronously on first use and instantiated once on a
 * shared `WebAssembly.Memory`, so a worker pool can instantiate the same `module` on the same
 * `memory` and run `gemm` on output sub-blocks in parallel.
 *
 * Memory layout of one call (byte addresses, each region 64-byte aligned), see `gemmLayout`:
 *
 * ```
 * heapBase | scratch 0 | scratch 1 | … | A (m·k floats) | B (k·n floats) | out (m·n floats) | end
 * ```
 *
 * Each concurrent caller of the `gemm` export needs its own scratch of `scratchBytes()` bytes
 * (packed `MC×KC` block of A, packed `KC×NC` block of B, one staging tile; about 1.1 MiB).
 * The space is reused across calls and grown, never shrunk, when a call needs more.
 */
import { gemmWasmBase64, gemmWasmMaximumPages } from './kernels.generated.js';
import { type WasmMemory, type WasmModule, wasmApi } from './wasm-api.js';
import { gemmThreads, parallelGemm } from './parallel-gemm.js';

/** The functions the WASM module exports. Pointers are byte addresses; flags are 0 or 1. */
export interface GemmWasmExports {
  /**
   * `out (+)= op(A)·op(B)` on rows `rowBegin … rowEnd` and columns `colBegin … colEnd` of
   * `out` only, with `scratchBytes()` bytes of private scratch at `scratch`. Arguments are not
   * checked: sizes, pointers and ranges must be valid.
   */
  gemm(
    a: number,
    b: number,
    out: number,
    m: number,
    k: number,
    n: number,
    transA: number,
    transB: number,
    accumulate: number,
    rowBegin: number,
    rowEnd: number,
    colBegin: number,
    colEnd: number,
    scratch: number,
  ): void;
  /** Bytes of scratch one concurrent `gemm` caller needs. */
  scratchBytes(): number;
  /** First byte after the module's static data. */
  heapBase(): number;
  /** Blocking constants by index: 0 `MR`, 1 `NR`, 2 `KC`, 3 `MC`, 4 `NC`. */
  blocking(index: number): number;
  /** Register-only f32x4 multiply-add loop, for measuring the machine's SIMD peak. */
  peakLoop(iterations: number, s: number): number;
  /** Floating-point operations per `peakLoop` iteration. */
  peakFlopsPerIteration(): number;
}

/** The compiled module, its shared memory and the instance of this thread. */
export interface GemmWasm {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: GemmWasmExports;
}

/** Byte addresses of the regions one call uses; see the module comment for the picture. */
export interface GemmLayout {
  /** One scratch region per concurrent caller, each `scratchBytes()` long. */
  readonly scratch: readonly number[];
  /** `op(A)`'s storage, `m·k` floats. */
  readonly a: number;
  /** `op(B)`'s storage, `k·n` floats. */
  readonly b: number;
  /** The output, `m·n` floats. */
  readonly out: number;
  /** First byte after the output: the memory must be at least this long. */
  readonly end: number;
}

const pageBytes = 65536;
/** Largest byte address the module's 32-bit memory can hold. */
export const maxMemoryBytes = gemmWasmMaximumPages * pageBytes;

/** `bytes` rounded up to a multiple of 64: every region the kernels place starts 64-byte aligned. */
export const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

let loaded: GemmWasm | null = null;

/**
 * Instantiates the module on a memory: what a worker does with the `module` and `memory` of
 * `gemmWasm()` posted to it, to run `gemm` on the same operands.
 */
export function instantiateGemmWasm(module: WasmModule, memory: WasmMemory): GemmWasmExports {
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports as unknown as GemmWasmExports;
}

/**
 * The module, memory and instance of this thread, compiled (synchronously) and instantiated on
 * the first call. The memory is shared, with the maximum the module declares.
 */
export function gemmWasm(): GemmWasm {
  if (loaded !== null) return loaded;
  const module = new wasmApi.Module(Buffer.from(gemmWasmBase64, 'base64'));
  // Start with 4 MiB (room for a few scratch regions and small operands); grown on demand.
  const memory = new wasmApi.Memory({ initial: 64, maximum: gemmWasmMaximumPages, shared: true });
  loaded = { module, memory, exports: instantiateGemmWasm(module, memory) };
  return loaded;
}

/**
 * Where the operands of an `m×k` by `k×n` product go, with `callers` scratch regions in front.
 * Does not allocate: pass `layout.end` to `reserveBytes` first.
 */
export function gemmLayout(m: number, k: number, n: number, callers = 1): GemmLayout {
  const { exports } = gemmWasm();
  const scratchBytes = align64(exports.scratchBytes());
  const first = align64(exports.heapBase());
  const scratch = Array.from({ length: callers }, (_, i) => first + i * scratchBytes);
  const a = first + callers * scratchBytes;
  const b = a + align64(m * k * 4);
  const out = b + align64(k * n * 4);
  return { scratch, a, b, out, end: out + m * n * 4 };
}

/**
 * Grows the memory to at least `bytes` bytes. Returns false, growing nothing, when that is more
 * than the module's maximum (`maxMemoryBytes`).
 */
export function reserveBytes(bytes: number): boolean {
  if (bytes > maxMemoryBytes) return false;
  const { memory } = gemmWasm();
  const missing = Math.ceil((bytes - memory.buffer.byteLength) / pageBytes);
  if (missing > 0) memory.grow(missing);
  return true;
}

/**
 * Byte addresses of consecutive 64-byte aligned regions of `floats[i]` 4-byte elements from byte
 * address `first`, with the memory grown to hold them; null when it cannot.
 */
export function heapRegions(first: number, floats: readonly number[]): number[] | null {
  const at: number[] = [];
  let next = first;
  for (const n of floats) {
    at.push(next);
    next += align64(n * 4);
  }
  return reserveBytes(next) ? at : null;
}

/**
 * A copy of `length` floats of the memory from float index `at`. (`new` + `set`, not `slice`: V8
 * slices a view of a shared buffer element by element, ~5× slower for the LeNet activations.)
 */
export function heapCopy(at: number, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(heapF32().subarray(at, at + length));
  return out;
}

/** A float32 view of the whole memory as it is now (a fresh view: the memory may have grown). */
export function heapF32(): Float32Array {
  return new Float32Array(gemmWasm().memory.buffer);
}

/**
 * Runs a whole product through the WASM module on this thread: copies `A`, `B` (and `out` when
 * accumulating) in, runs `gemm` over the full output, copies the result out. Storage and
 * arguments as the fast `gemm`; they are trusted here (`./gemm.ts` checks them). Returns false,
 * doing nothing, when the operands do not fit in the module's memory.
 */
export function runGemm(
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
  accumulate: boolean,
): boolean {
  const parts = gemmThreads(m, k, n);
  const layout = gemmLayout(m, k, n, parts);
  if (!reserveBytes(layout.end)) return false;
  const heap = heapF32();
  heap.set(a.subarray(aOffset, aOffset + m * k), layout.a >> 2);
  heap.set(b.subarray(bOffset, bOffset + k * n), layout.b >> 2);
  if (accumulate) heap.set(out.subarray(outOffset, outOffset + m * n), layout.out >> 2);
  if (parts > 1) parallelGemm(layout, m, k, n, transA, transB, accumulate, parts);
  else
    gemmWasm().exports.gemm(
    layout.a,
    layout.b,
    layout.out,
    m,
    k,
    n,
    transA ? 1 : 0,
    transB ? 1 : 0,
    accumulate ? 1 : 0,
    0,
    m,
    0,
    n,
    layout.scratch[0],
  );
  out.set(heap.subarray(layout.out >> 2, (layout.out >> 2) + m * n), outOffset);
  return true;
}
