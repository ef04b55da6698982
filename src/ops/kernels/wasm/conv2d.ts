/**
 * 2-D convolution on the WASM module (`./assembly/conv.ts`), the batch split by samples over
 * the kernel thread pool. Each call copies its operands into the module's memory once, runs
 * the kernel as jobs on contiguous ranges of samples, and copies the result out:
 *
 * ```
 * heapBase | scratch 0 | … | scratch J−1 | geometry (+ bias) | in 0 | in 1 | out
 * ```
 *
 * where scratch `j` is job `j`'s GEMM packing scratch and column buffer, then (weight grad only)
 * its partial `dW`. A batch gets one thread per `parallelMinMultiplyAddsPerThread` multiply-adds,
 * at most one per sample and `getKernelThreads()` in all (`convThreads`); each function takes
 * the count as an optional last argument, to compare splits. On one thread the batch is one job;
 * on `T > 1` threads it is `jobsPerThread·T` jobs (at most one per sample), claimed one at a time.
 *
 * Determinism: a sample's `y` and `dx` are computed the same way whatever job runs it, so they
 * are bit for bit the single-threaded result. The weight gradient is summed per job in sample
 * order, then the partials are added in job order in float32: deterministic for a given thread
 * count, and within float32 rounding of the one-thread sum otherwise.
 */
import type { ConvGeometry } from '../conv2d.js';
import { getKernelThreads } from '../threads/config.js';
import { kernelPool, parallelMinMultiplyAddsPerThread } from './parallel-gemm.js';
import { align64, gemmWasm, heapCopy, heapF32, reserveBytes } from './runtime.js';

/** The conv exports of the module. Pointers are byte addresses; arguments are trusted. */
interface ConvWasmExports {
  convForward(g: number, x: number, w: number, y: number, begin: number, end: number, scratch: number): void;
  convInputGrad(g: number, gy: number, w: number, dx: number, begin: number, end: number, scratch: number): void;
  convWeightGrad(g: number, x: number, gy: number, dw: number, begin: number, end: number, scratch: number): void;
  heapBase(): number;
  scratchBytes(): number;
}

type Kernel = 'convForward' | 'convInputGrad' | 'convWeightGrad';

/** Slots of the geometry descriptor, in the order of `./assembly/im2col.ts` (`G_*`); the bias follows. */
const descriptorSlots = 16;

/**
 * Jobs per thread when a batch is split: the pool hands jobs out one at a time, so a thread that
 * starts late (a busy machine) takes fewer of them instead of keeping the others waiting.
 */
const jobsPerThread = 4;

function convExports(): ConvWasmExports {
  return gemmWasm().exports as unknown as ConvWasmExports;
}

/** True when the column matrix of a sample is the sample itself (1×1 kernel, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kernelHeight === 1 &&
    g.kernelWidth === 1 &&
    g.stride[0] === 1 &&
    g.stride[1] === 1 &&
    g.padTop === 0 &&
    g.padLeft === 0 &&
    g.outHeight === g.height &&
    g.outWidth === g.width
  );
}

/** The descriptor's `descriptorSlots` values (`G_*` order of `./assembly/im2col.ts`). */
function descriptor(g: ConvGeometry, hasBias: boolean): Int32Array {
  return Int32Array.of(
    g.inChannels,
    g.height,
    g.width,
    g.outChannels,
    g.kernelHeight,
    g.kernelWidth,
    g.outHeight,
    g.outWidth,
    g.stride[0],
    g.stride[1],
    g.dilation[0],
    g.dilation[1],
    g.padTop,
    g.padLeft,
    isPointwise(g) ? 1 : 0,
    hasBias ? 1 : 0,
  );
}

/** Threads a batch of geometry `g` should use: at least 1, at most one per sample and `getKernelThreads()`. */
export function convThreads(g: ConvGeometry): number {
  const R = g.inChannels * g.kernelHeight * g.kernelWidth;
  const work = g.batch * g.outChannels * R * g.outHeight * g.outWidth;
  const byWork = Math.floor(work / parallelMinMultiplyAddsPerThread);
  return Math.max(1, Math.min(getKernelThreads(), g.batch, byWork));
}

/**
 * Runs `kernel` over the batch: places the descriptor (with `bias` after it, for the forward
 * pass) and the two inputs, cuts the samples into jobs (one on a single thread, else
 * `jobsPerThread` per thread, at most one per sample), and returns the heap float index of the
 * output (`outFloats` long) and of each job's partial region (`partialFloats` each, in sample
 * order), or null when they do not fit in memory.
 */
function run(
  kernel: Kernel,
  g: ConvGeometry,
  in0: Float32Array,
  in1: Float32Array,
  outFloats: number,
  partialFloats: number,
  threads: number,
  bias: Float32Array | null = null,
): { out: number; partials: number[] } | null {
  const wasm = convExports();
  const count = Math.max(1, Math.min(g.batch, threads > 1 ? Math.floor(threads) * jobsPerThread : 1));
  const R = g.inChannels * g.kernelHeight * g.kernelWidth;
  const perJob = align64(wasm.scratchBytes() + R * g.outHeight * g.outWidth * 4) + align64(partialFloats * 4);
  const first = align64(wasm.heapBase());
  const desc = first + count * perJob;
  const a = desc + align64((descriptorSlots + (bias?.length ?? 0)) * 4);
  const b = a + align64(in0.length * 4);
  const out = b + align64(in1.length * 4);
  if (!reserveBytes(out + outFloats * 4)) return null;
  const heap = heapF32();
  new Int32Array(heap.buffer, desc, descriptorSlots).set(descriptor(g, bias !== null));
  if (bias !== null) heap.set(bias, (desc >>> 2) + descriptorSlots);
  heap.set(in0, a >>> 2);
  heap.set(in1, b >>> 2);
  const scratch = Array.from({ length: count }, (_, j) => first + j * perJob);
  const partials = scratch.map((s) => (s + perJob - align64(partialFloats * 4)) >>> 2);
  const jobs = scratch.map((s, j) => {
    const begin = Math.round((j * g.batch) / count);
    const end = Math.round(((j + 1) * g.batch) / count);
    const target = kernel === 'convWeightGrad' ? partials[j] * 4 : out;
    return [desc, a, b, target, begin, end, s];
  });
  if (count === 1) {
    const [d, x0, x1, target, begin, end, s] = jobs[0];
    wasm[kernel](d, x0, x1, target, begin, end, s);
  } else {
    kernelPool(getKernelThreads()).parallelFor(kernel, jobs);
  }
  return { out: out >>> 2, partials };
}

/**
 * Forward pass, `y` `[N, K, oH, oW]`, with `bias` (length `K`) added after the product unless it
 * is null, on `threads` threads (clamped to `1 … batch`); null when the operands do not fit in
 * memory.
 */
export function wasmConv2dForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: ConvGeometry,
  threads = convThreads(g),
): Float32Array | null {
  const size = g.batch * g.outChannels * g.outHeight * g.outWidth;
  const placed = run('convForward', g, x, w, size, 0, threads, bias);
  return placed === null ? null : heapCopy(placed.out, size);
}

/**
 * Gradient with respect to the input, `dx` `[N, C, H, W]`, on `threads` threads (clamped to
 * `1 … batch`); null when the operands do not fit in memory.
 */
export function wasmConv2dInputGrad(
  gy: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  threads = convThreads(g),
): Float32Array | null {
  const size = g.batch * g.inChannels * g.height * g.width;
  const placed = run('convInputGrad', g, gy, w, size, 0, threads);
  return placed === null ? null : heapCopy(placed.out, size);
}

/**
 * Gradient with respect to the weight, `dw` `[K, C, kH, kW]`, on `threads` threads (clamped to
 * `1 … batch`): the jobs' partial sums added in job order; null when the operands do not fit in
 * memory.
 */
export function wasmConv2dWeightGrad(
  x: Float32Array,
  gy: Float32Array,
  g: ConvGeometry,
  threads = convThreads(g),
): Float32Array | null {
  const size = g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth;
  const placed = run('convWeightGrad', g, x, gy, 0, size, threads);
  if (placed === null) return null;
  const heap = heapF32();
  const [head, ...rest] = placed.partials;
  const dw = heapCopy(head, size);
  for (const p of rest) {
    for (let i = 0; i < size; i++) dw[i] += heap[p + i];
  }
  return dw;
}
