/**
 * Max and average pooling on the WASM module (`./assembly/pool.ts`), on the main thread: the
 * operands are copied in, the results copied out. Each function gives bit for bit what the
 * TypeScript loop of `../pool2d.ts` it stands in for gives, or returns null, doing nothing, when
 * the operands do not fit in the module's memory.
 *
 * ```
 * heapBase | first operand | second operand | … | end      (each 64-byte aligned)
 * ```
 *
 * Why, with the copies: the max loops compare four windows per SIMD step with selects where
 * the TypeScript loop branches on the data (mispredicted on random inputs); the average sums two
 * windows per f64x2 step; the average backward stores each input cell once (its one share, or
 * the shares of the overlapping windows gathered in order) instead of adding into it per window.
 * `npx tsx bench/pool.ts` (2-core AMD EPYC, Node 20, medians of three runs), ns per input
 * element TypeScript → WASM with copies:
 *
 * | kernel       | [64, 8, 28, 28] 2×2 | [64, 16, 10, 10] 2×2 | [64, 8, 28, 28] 3×3 s1 p1 |
 * | ------------ | ------------------- | -------------------- | ------------------------- |
 * | max forward  | 6.8 → 0.96          | 6.2 → 0.91           | 38 → 9.0                  |
 * | max backward | 0.77 → 0.67         | 0.76 → 0.66          | 2.5 → 1.6                 |
 * | avg forward  | 3.0 → 1.5           | 3.2 → 1.6            | 18 → 4.9                  |
 * | avg backward | 3.6 → 2.5           | 3.6 → 3.3            | 20 → 12.6                 |
 *
 * (max backward: 41 interleaved timings, its figures swing 3× between runs.) The fast backend
 * uses these from `poolWasmMinElements` input elements (`../pool2d.ts`).
 */
import type { Pool2dGeometry } from '../../pool-options.js';
import { align64, gemmWasm, heapCopy, heapF32, heapRegions } from './runtime.js';

/** The pooling exports of the module. Pointers are byte addresses; arguments are trusted. */
interface PoolWasmExports {
  maxPool2x2(x: number, out: number, argmax: number, planes: number, height: number, width: number): void;
  maxPool2d(x: number, out: number, argmax: number, ...geometry: number[]): void;
  maxPool2dBackward(grad: number, argmax: number, dx: number, outputs: number, inputSize: number): void;
  avgPool2d(x: number, out: number, ...geometryAndIncludePad: number[]): void;
  avgPool2dBackward(grad: number, dx: number, scratch: number, ...geometryAndIncludePad: number[]): void;
  heapBase(): number;
}

function poolExports(): PoolWasmExports {
  return gemmWasm().exports as unknown as PoolWasmExports;
}

/**
 * Byte addresses of consecutive regions of `floats[i]` 4-byte elements from the heap base, or
 * null when the memory cannot hold them.
 */
function regions(...floats: number[]): number[] | null {
  return heapRegions(align64(poolExports().heapBase()), floats);
}

/** `planes, H, W, OH, OW, kH, kW, sH, sW, pH, pW`: the geometry as the module's kernels take it. */
function geometryArgs(g: Pool2dGeometry): number[] {
  return [g.batch * g.channels, g.inHeight, g.inWidth, g.outHeight, g.outWidth, ...g.kernel, ...g.stride, ...g.padding];
}

/**
 * Copies `x` in, runs `kernel(input, values, indices)` and copies the values and argmax indices
 * out; null when the operands do not fit.
 */
function maxPool(
  x: Float32Array,
  g: Pool2dGeometry,
  kernel: (input: number, values: number, indices: number) => void,
): { out: Float32Array; argmax: Int32Array } | null {
  const outputs = g.batch * g.channels * g.outHeight * g.outWidth;
  const at = regions(x.length, outputs, outputs);
  if (at === null) return null;
  const [input, values, indices] = at;
  heapF32().set(x, input >>> 2);
  kernel(input, values, indices);
  const out = heapCopy(values >>> 2, outputs);
  const argmax = new Int32Array(heapF32().buffer, indices, outputs).slice();
  return { out, argmax };
}

/**
 * Values and input indices of the max pooling of `x`, any window, stride and padding. Null when
 * the operands do not fit.
 */
export function wasmMaxPool2d(x: Float32Array, g: Pool2dGeometry): { out: Float32Array; argmax: Int32Array } | null {
  return maxPool(x, g, (input, values, indices) => poolExports().maxPool2d(input, values, indices, ...geometryArgs(g)));
}

/**
 * `wasmMaxPool2d` for a 2×2, stride 2, unpadded pooling (`g` must be one, `isPool2x2`), four
 * windows per SIMD step. Null when the operands do not fit.
 */
export function wasmMaxPool2x2(x: Float32Array, g: Pool2dGeometry): { out: Float32Array; argmax: Int32Array } | null {
  return maxPool(x, g, (input, values, indices) =>
    poolExports().maxPool2x2(input, values, indices, g.batch * g.channels, g.inHeight, g.inWidth),
  );
}

/** `dx[argmax[o]] += grad[o]` over a zeroed `dx` of `inputSize` floats. Null when the operands do not fit. */
export function wasmMaxPool2dBackward(grad: Float32Array, argmax: Int32Array, inputSize: number): Float32Array | null {
  const at = regions(grad.length, argmax.length, inputSize);
  if (at === null) return null;
  const [g, indices, dx] = at;
  const heap = heapF32();
  heap.set(grad, g >>> 2);
  new Int32Array(heap.buffer, indices, argmax.length).set(argmax);
  poolExports().maxPool2dBackward(g, indices, dx, grad.length, inputSize);
  return heapCopy(dx >>> 2, inputSize);
}

/** Average pooling of `x`, summed and divided in f64. Null when the operands do not fit. */
export function wasmAvgPool2dForward(x: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array | null {
  const outputs = g.batch * g.channels * g.outHeight * g.outWidth;
  const at = regions(x.length, outputs);
  if (at === null) return null;
  heapF32().set(x, at[0] >>> 2);
  poolExports().avgPool2d(at[0], at[1], ...geometryArgs(g), countIncludePad ? 1 : 0);
  return heapCopy(at[1] >>> 2, outputs);
}

/** Average pooling backward: each `grad / divisor` (f64) added into its window. Null when the operands do not fit. */
export function wasmAvgPool2dBackward(grad: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array | null {
  const inputSize = g.batch * g.channels * g.inHeight * g.inWidth;
  const at = regions(grad.length, inputSize, 2 * g.outHeight * g.outWidth + 2 * g.inWidth);
  if (at === null) return null;
  heapF32().set(grad, at[0] >>> 2);
  poolExports().avgPool2dBackward(at[0], at[1], at[2], ...geometryArgs(g), countIncludePad ? 1 : 0);
  return heapCopy(at[1] >>> 2, inputSize);
}
