/**
 * Kernels for 2-D max and average pooling over contiguous NCHW data: the reference TypeScript
 * loops, and the `*Fast` versions the `fast` kernel backend (`./backend.ts`) runs, which call
 * the WASM module (`./wasm/pool2d.ts`) and give the same bits.
 *
 * Output cell (n, c, i, j) pools the window of input rows `i·S − P … i·S − P + F − 1` and
 * columns `j·S − P … j·S − P + F − 1`; positions outside the input are padding. Each
 * (n, c) plane is independent, so the loops run plane by plane.
 */
import type { Pool2dGeometry } from '../pool-options.js';
import {
  wasmAvgPool2dBackward,
  wasmAvgPool2dForward,
  wasmMaxPool2d,
  wasmMaxPool2dBackward,
  wasmMaxPool2x2,
} from './wasm/pool2d.js';

/** The result of `maxPool2dForward`. */
export interface MaxPool2dResult {
  /** Pooled values, `[N, C, outHeight, outWidth]` row-major. */
  readonly out: Float32Array;
  /** For each output, the flat index into the input of the value it took. */
  readonly argmax: Int32Array;
}

/**
 * Max pooling: each output is the largest input in its window, padding excluded (so it
 * acts as −∞). Ties go to the first maximal element in row-major order; a NaN wins, as in
 * PyTorch, so it propagates.
 */
export function maxPool2dForward(x: Float32Array, g: Pool2dGeometry): MaxPool2dResult {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  const [kH, kW] = g.kernel;
  const [sH, sW] = g.stride;
  const [pH, pW] = g.padding;
  const out = new Float32Array(g.batch * g.channels * OH * OW);
  const argmax = new Int32Array(out.length);
  let o = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = Math.max(i * sH - pH, 0);
      const rowHi = Math.min(i * sH - pH + kH, H);
      for (let j = 0; j < OW; j++) {
        const colLo = Math.max(j * sW - pW, 0);
        const colHi = Math.min(j * sW - pW + kW, W);
        let best = -Infinity;
        let at = -1;
        for (let r = rowLo; r < rowHi; r++) {
          for (let c = colLo; c < colHi; c++) {
            const k = base + r * W + c;
            const v = x[k];
            if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
              best = v;
              at = k;
            }
          }
        }
        out[o] = best;
        argmax[o] = at;
        o++;
      }
    }
  }
  return { out, argmax };
}

/** True for the pooling every LeNet-style network uses: 2×2 windows, stride 2, no padding. */
export function isPool2x2(g: Pool2dGeometry): boolean {
  const [kH, kW] = g.kernel;
  const [sH, sW] = g.stride;
  const [pH, pW] = g.padding;
  return kH === 2 && kW === 2 && sH === 2 && sW === 2 && pH === 0 && pW === 0;
}

/**
 * `maxPool2dForward` for 2×2 windows at stride 2 without padding (`isPool2x2`): the same values
 * and indices, ties and NaN included. Runs on the WASM module (`./wasm/pool2d.ts`), else, for
 * operands too big for its memory, on `maxPool2x2ForwardLoop`.
 */
export function maxPool2x2Forward(x: Float32Array, g: Pool2dGeometry): MaxPool2dResult {
  return wasmMaxPool2x2(x, g) ?? maxPool2x2ForwardLoop(x, g);
}

/**
 * `maxPool2x2Forward` in TypeScript, with the window's four reads written out: about a third
 * faster than the general loop.
 */
export function maxPool2x2ForwardLoop(x: Float32Array, g: Pool2dGeometry): MaxPool2dResult {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  const out = new Float32Array(g.batch * g.channels * OH * OW);
  const argmax = new Int32Array(out.length);
  let o = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    for (let i = 0; i < OH; i++) {
      let k = plane * H * W + 2 * i * W;
      for (let j = 0; j < OW; j++, k += 2, o++) {
        // Row-major order within the window; a later value wins only if strictly larger, or
        // if it is the first NaN, exactly as in the general loop.
        let best = x[k];
        let at = k;
        let v = x[k + 1];
        if (v > best || (v !== v && best === best)) {
          best = v;
          at = k + 1;
        }
        v = x[k + W];
        if (v > best || (v !== v && best === best)) {
          best = v;
          at = k + W;
        }
        v = x[k + W + 1];
        if (v > best || (v !== v && best === best)) {
          best = v;
          at = k + W + 1;
        }
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
  return { out, argmax };
}

/**
 * Max pooling backward: each output gradient goes to the input that won its window;
 * an input that wins several overlapping windows receives the sum.
 */
export function maxPool2dBackward(grad: Float32Array, argmax: Int32Array, inputSize: number): Float32Array {
  const dx = new Float32Array(inputSize);
  for (let o = 0; o < grad.length; o++) dx[argmax[o]] += grad[o];
  return dx;
}

/**
 * Number of cells an average divides by: the whole window `kH·kW` when padding counts
 * (windows never reach past the padded input, since the output size is exact), else
 * only the real inputs it covers.
 */
function divisor(rows: number, cols: number, g: Pool2dGeometry, countIncludePad: boolean): number {
  return countIncludePad ? g.kernel[0] * g.kernel[1] : rows * cols;
}

/** Average pooling: each output is the mean of its window, padding counted as zeros or not at all. */
export function avgPool2dForward(x: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  const [kH, kW] = g.kernel;
  const [sH, sW] = g.stride;
  const [pH, pW] = g.padding;
  const out = new Float32Array(g.batch * g.channels * OH * OW);
  let o = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = Math.max(i * sH - pH, 0);
      const rowHi = Math.min(i * sH - pH + kH, H);
      for (let j = 0; j < OW; j++) {
        const colLo = Math.max(j * sW - pW, 0);
        const colHi = Math.min(j * sW - pW + kW, W);
        let total = 0;
        for (let r = rowLo; r < rowHi; r++) {
          for (let c = colLo; c < colHi; c++) total += x[base + r * W + c];
        }
        out[o++] = total / divisor(rowHi - rowLo, colHi - colLo, g, countIncludePad);
      }
    }
  }
  return out;
}

/** Average pooling backward: each output gradient is spread evenly, `g / divisor`, over its window's inputs. */
export function avgPool2dBackward(grad: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = g;
  const [kH, kW] = g.kernel;
  const [sH, sW] = g.stride;
  const [pH, pW] = g.padding;
  const dx = new Float32Array(g.batch * g.channels * H * W);
  let o = 0;
  for (let plane = 0; plane < g.batch * g.channels; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = Math.max(i * sH - pH, 0);
      const rowHi = Math.min(i * sH - pH + kH, H);
      for (let j = 0; j < OW; j++) {
        const colLo = Math.max(j * sW - pW, 0);
        const colHi = Math.min(j * sW - pW + kW, W);
        const share = grad[o++] / divisor(rowHi - rowLo, colHi - colLo, g, countIncludePad);
        for (let r = rowLo; r < rowHi; r++) {
          for (let c = colLo; c < colHi; c++) dx[base + r * W + c] += share;
        }
      }
    }
  }
  return dx;
}

/**
 * Fewest input elements for which the fast pooling kernels call the WASM module; below it the
 * copies in and out cost about what the loops save. Measured on `[1, C, 16, 16]` (2-core AMD
 * EPYC, Node 20, noisy), ns per input element TypeScript / WASM with copies, 2×2 pooling:
 * max forward 1,024 elements 4.87 / 5.39, 4,096 2.30 / 2.10; max backward 1,024 2.84 / 3.32,
 * 4,096 1.69 / 1.57; average forward and backward already ahead at 1,024 (5.21 / 4.71,
 * 6.65 / 6.44). 3×3 windows at stride 1 favour WASM sooner (max forward 40 / 28 at 256).
 */
export const poolWasmMinElements = 4096;

/**
 * `maxPool2dForward` of the fast backend: the WASM kernels (SIMD for `isPool2x2`), or the
 * TypeScript loops for small inputs or operands too big for the module's memory.
 */
export function maxPool2dForwardFast(x: Float32Array, g: Pool2dGeometry): MaxPool2dResult {
  if (isPool2x2(g)) return x.length < poolWasmMinElements ? maxPool2x2ForwardLoop(x, g) : maxPool2x2Forward(x, g);
  return (x.length < poolWasmMinElements ? null : wasmMaxPool2d(x, g)) ?? maxPool2dForward(x, g);
}

/** `maxPool2dBackward` of the fast backend: the WASM scatter, or the TypeScript one as `maxPool2dForwardFast` decides. */
export function maxPool2dBackwardFast(grad: Float32Array, argmax: Int32Array, inputSize: number): Float32Array {
  const wasm = inputSize < poolWasmMinElements ? null : wasmMaxPool2dBackward(grad, argmax, inputSize);
  return wasm ?? maxPool2dBackward(grad, argmax, inputSize);
}

/** `avgPool2dForward` of the fast backend: the WASM kernel, or the TypeScript loop as `maxPool2dForwardFast` decides. */
export function avgPool2dForwardFast(x: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array {
  const wasm = x.length < poolWasmMinElements ? null : wasmAvgPool2dForward(x, g, countIncludePad);
  return wasm ?? avgPool2dForward(x, g, countIncludePad);
}

/** `avgPool2dBackward` of the fast backend: the WASM kernel, or the TypeScript loop as `maxPool2dForwardFast` decides. */
export function avgPool2dBackwardFast(grad: Float32Array, g: Pool2dGeometry, countIncludePad: boolean): Float32Array {
  const inputSize = g.batch * g.channels * g.inHeight * g.inWidth;
  const wasm = inputSize < poolWasmMinElements ? null : wasmAvgPool2dBackward(grad, g, countIncludePad);
  return wasm ?? avgPool2dBackward(grad, g, countIncludePad);
}
