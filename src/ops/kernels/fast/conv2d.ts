/**
 * Fast 2-D convolution kernels: the three reference kernels of `../conv2d.ts`, same signatures,
 * computed as matrix products over im2col columns (see `./im2col.ts`). Per sample `n`, with
 * `R = C·kH·kW` and `P = oH·oW`:
 *
 *   forward       y_n [K, P] = W [K, R] · cols_n [R, P]                 (+ bias per channel)
 *   input grad   dx_n        = col2im(Wᵀ [R, K] · gy_n [K, P])
 *   weight grad  dW [K, R]   = Σ_n gy_n [K, P] · cols_nᵀ [P, R]
 *
 * One sample at a time keeps the column buffer small (`R·P` floats, ~80 KB for LeNet layers), so
 * it stays in cache between im2col and the GEMM. A 1×1 kernel with stride 1 and no padding needs
 * no unfolding: `x_n` is already its own column matrix. (Writing im2col straight into the GEMM's
 * packed panels, skipping the column buffer, was tried and measured no faster in V8.)
 *
 * Batches run whole in the WASM module (`../wasm/conv2d.ts`: im2col, GEMM and col2im there, the
 * samples split over the kernel threads). The loops below are the fallback for operands that do
 * not fit in its memory; their products run on the WASM SIMD GEMM (`../wasm/gemm.ts`; products
 * too small to gain from it go to the TypeScript GEMM of `./gemm.ts`).
 *
 * Precision: the GEMM sums in float32 and rounds into the output once per block of 256 terms, the bias
 * is added after the product, col2im adds overlapping taps in float32, and the weight gradient
 * sums the samples in float32 (over threads: each thread's samples in order, then the threads'
 * partial sums in thread order, so it depends on the thread count, within that bound). Results match the float64-accumulating reference to within the
 * usual float32 bound, `terms·2⁻²⁴·Σ|products|`, not bit for bit.
 */
import { type ConvGeometry, addChannelBias } from '../conv2d.js';
import { isPointwise, wasmConv2dForward, wasmConv2dInputGrad, wasmConv2dWeightGrad } from '../wasm/conv2d.js';
import { gemm } from '../wasm/gemm.js';
import { col2im, im2col } from './im2col.js';

/** Forward pass, as the reference `conv2dForward`: `y` `[N, K, oH, oW]`; `bias` may be null. */
export function conv2dForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: ConvGeometry,
): Float32Array {
  return wasmConv2dForward(x, w, bias, g) ?? conv2dForwardFallback(x, w, bias, g);
}

/** Gradient with respect to the input, as the reference `conv2dInputGrad`: `dx` `[N, C, H, W]`. */
export function conv2dInputGrad(gy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  return wasmConv2dInputGrad(gy, w, g) ?? conv2dInputGradFallback(gy, w, g);
}

/** Gradient with respect to the weight, as the reference `conv2dWeightGrad`: `dw` `[K, C, kH, kW]`. */
export function conv2dWeightGrad(x: Float32Array, gy: Float32Array, g: ConvGeometry): Float32Array {
  return wasmConv2dWeightGrad(x, gy, g) ?? conv2dWeightGradFallback(x, gy, g);
}

/** `conv2dForward` one sample at a time in TypeScript, for operands too big for the WASM memory. */
export function conv2dForwardFallback(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: ConvGeometry,
): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const R = C * g.kernelHeight * g.kernelWidth;
  const P = g.outHeight * g.outWidth;
  const y = new Float32Array(N * K * P);
  const pointwise = isPointwise(g);
  const cols = pointwise ? x : new Float32Array(R * P);
  for (let n = 0; n < N; n++) {
    if (!pointwise) im2col(x, n * C * H * W, g, cols);
    gemm(w, 0, cols, pointwise ? n * C * H * W : 0, y, n * K * P, K, R, P, false, false);
  }
  if (bias !== null) addChannelBias(y, bias, N, P);
  return y;
}

/** `conv2dInputGrad` one sample at a time in TypeScript, for operands too big for the WASM memory. */
export function conv2dInputGradFallback(gy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const R = C * g.kernelHeight * g.kernelWidth;
  const P = g.outHeight * g.outWidth;
  const dx = new Float32Array(N * C * H * W);
  if (isPointwise(g)) {
    for (let n = 0; n < N; n++) gemm(w, 0, gy, n * K * P, dx, n * C * H * W, R, K, P, true, false);
    return dx;
  }
  const cols = new Float32Array(R * P);
  for (let n = 0; n < N; n++) {
    gemm(w, 0, gy, n * K * P, cols, 0, R, K, P, true, false);
    col2im(cols, g, dx, n * C * H * W);
  }
  return dx;
}

/** `conv2dWeightGrad` one sample at a time in TypeScript, for operands too big for the WASM memory. */
export function conv2dWeightGradFallback(x: Float32Array, gy: Float32Array, g: ConvGeometry): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const R = C * g.kernelHeight * g.kernelWidth;
  const P = g.outHeight * g.outWidth;
  const dw = new Float32Array(K * R);
  const pointwise = isPointwise(g);
  const cols = pointwise ? x : new Float32Array(R * P);
  for (let n = 0; n < N; n++) {
    if (!pointwise) im2col(x, n * C * H * W, g, cols);
    // dw += gy_n · cols_nᵀ; dw starts at zero, so every sample accumulates.
    gemm(gy, n * K * P, cols, pointwise ? n * C * H * W : 0, dw, 0, K, P, R, false, true, true);
  }
  return dw;
}
