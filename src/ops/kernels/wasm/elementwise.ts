/**
 * The elementwise hot paths on WASM SIMD: ReLU, its gradient, and the plain Adam update. Each
 * copies its operands into the module's memory, runs the loop of `./assembly/elementwise.ts`
 * and copies the results out, and gives bit for bit what the TypeScript loop it stands in for
 * gives (same precision, same order of operations).
 *
 * Why, with the copies: `npm run bench:elementwise` (2-core AMD EPYC, Node 20, quiet) measured
 * the TypeScript loops at 5–6 GB/s, far from the 94 GB/s of a `Float32Array.set` copy, while
 * the WASM loops run at 43–69 GB/s on operands in their memory. With the copies, on 294,912
 * floats (LeNet's first conv output at batch 64), ns per element: ReLU 1.68 → 0.47, its gradient
 * 1.95 → 0.60; Adam, bound by float64 division and square root (kept for bit equality with the
 * TypeScript loop), 4.52 → 3.11 per parameter.
 * Below `wasmMinElements` the TypeScript loop is kept.
 *
 * The `fast` kernel backend uses the `*Fast` functions here; the `reference` backend
 * (`STREAMGRAD_KERNELS=reference`) runs the TypeScript loops of `../elementwise.ts`.
 */
import { type AdamPlainConstants, adamPlain, reluBackward, reluForward } from '../elementwise.js';
import { gemmLayout, gemmWasm, heapF32, heapRegions } from './runtime.js';

/** The module's elementwise exports (pointers are byte addresses). */
interface ElementwiseExports {
  reluForward(x: number, out: number, n: number): void;
  reluBackward(x: number, g: number, out: number, n: number): void;
  adamPlain(
    theta: number,
    grad: number,
    m: number,
    v: number,
    n: number,
    beta1: number,
    beta2: number,
    keep1: number,
    keep2: number,
    stepSize: number,
    inverseRoot2: number,
    eps: number,
  ): void;
}

/**
 * Fewest elements for which the WASM loops are used. Measured for the ReLU gradient (2-core AMD
 * EPYC, Node 20), ns per element TypeScript / WASM with copies: 256 elements 1.15 / 4.0,
 * 1,024 1.95 / 1.29, 4,096 1.93 / 0.78, 16,384 1.94 / 0.64.
 */
export const wasmMinElements = 1024;

/**
 * Byte addresses of `count` regions of `n` floats each, after the first GEMM scratch region (so
 * nothing a main-thread GEMM call reads is in the way; no GEMM runs during an elementwise call),
 * or null when `n` is small or the memory cannot hold them.
 */
function regions(n: number, count: number): number[] | null {
  if (n < wasmMinElements) return null;
  return heapRegions(gemmLayout(0, 0, 0, 1).a, Array.from({ length: count }, () => n));
}

function elementwiseExports(): ElementwiseExports {
  return gemmWasm().exports as unknown as ElementwiseExports;
}

/**
 * `out[i] = max(0, x[i])` as `relu` computes it on float32 bit patterns (NaN kept, −0 → +0).
 * Returns false, doing nothing, when the TypeScript loop should run instead.
 */
export function reluForwardWasm(x: Float32Array, out: Float32Array): boolean {
  const at = regions(x.length, 2);
  if (at === null) return false;
  const heap = heapF32();
  heap.set(x, at[0] >> 2);
  elementwiseExports().reluForward(at[0], at[1], x.length);
  out.set(heap.subarray(at[1] >> 2, (at[1] >> 2) + x.length));
  return true;
}

/**
 * `out[i] = g[i] · [x[i] > 0]` in float32, the ReLU gradient. Returns false, doing nothing,
 * when the TypeScript loop should run instead.
 */
export function reluBackwardWasm(x: Float32Array, g: Float32Array, out: Float32Array): boolean {
  const at = regions(x.length, 3);
  if (at === null) return false;
  const heap = heapF32();
  heap.set(x, at[0] >> 2);
  heap.set(g, at[1] >> 2);
  elementwiseExports().reluBackward(at[0], at[1], at[2], x.length);
  out.set(heap.subarray(at[2] >> 2, (at[2] >> 2) + x.length));
  return true;
}

/**
 * The plain Adam update of `../elementwise.ts`'s `adamPlain` (no weight decay, no AMSGrad), in place on
 * `theta`, `m` and `v`. Returns false, doing nothing, when the TypeScript loop should run instead.
 */
export function adamPlainWasm(
  theta: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  c: AdamPlainConstants,
): boolean {
  const n = theta.length;
  const at = regions(n, 4);
  if (at === null) return false;
  const heap = heapF32();
  const [t, g, mm, vv] = at.map((bytes) => bytes >> 2);
  heap.set(theta, t);
  heap.set(grad, g);
  heap.set(m, mm);
  heap.set(v, vv);
  elementwiseExports().adamPlain(at[0], at[1], at[2], at[3], n, c.beta1, c.beta2, 1 - c.beta1, 1 - c.beta2, c.stepSize, c.inverseRoot2, c.eps);
  theta.set(heap.subarray(t, t + n));
  m.set(heap.subarray(mm, mm + n));
  v.set(heap.subarray(vv, vv + n));
  return true;
}

/** ReLU of the fast backend: the WASM loop, or the TypeScript one below `wasmMinElements`. */
export function reluForwardFast(x: Float32Array, out: Float32Array): void {
  if (!reluForwardWasm(x, out)) reluForward(x, out);
}

/** The ReLU gradient of the fast backend: the WASM loop, or the TypeScript one below `wasmMinElements`. */
export function reluBackwardFast(x: Float32Array, g: Float32Array, out: Float32Array): void {
  if (!reluBackwardWasm(x, g, out)) reluBackward(x, g, out);
}

/** The plain Adam update of the fast backend: the WASM loop, or the TypeScript one below `wasmMinElements`. */
export function adamPlainFast(theta: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, c: AdamPlainConstants): void {
  if (!adamPlainWasm(theta, grad, m, v, c)) adamPlain(theta, grad, m, v, c);
}
