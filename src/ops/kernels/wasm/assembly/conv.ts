/**
 * The three convolution kernels of `../../fast/conv2d.ts` on a range of samples, so a thread
 * pool can split a batch: per sample `n`, with `R = C·kH·kW` and `P = oH·oW`,
 *
 *   convForward      y_n [K, P]  = W [K, R] · cols_n [R, P]   (+ bias per channel)
 *   convInputGrad    dx_n        = col2im(Wᵀ [R, K] · gy_n [K, P])
 *   convWeightGrad   dW [K, R]   = Σ_n gy_n [K, P] · cols_nᵀ [P, R]   over the caller's samples
 *
 * `g` points at the geometry descriptor of `./im2col.ts` (and the bias after it); tensors are
 * whole NCHW batches (byte addresses of sample 0). `scratch` is the caller's own region: the
 * GEMM's packing scratch (`SCRATCH_BYTES`), then a column buffer of `R·P` floats. Arguments are
 * trusted.
 *
 * Every sample's `y_n` and `dx_n` is computed the same way whatever the range, so splitting a
 * batch changes none of their bits; `dW` is a partial sum for the caller to add up.
 *
 * (Taking several samples per GEMM, their column matrices side by side as `[R, S·P]` for a wider
 * `n`, was tried: no faster at the LeNet shapes, whose products already run at the GEMM's speed.)
 */
import { SCRATCH_BYTES } from './blocking';
import { G_BIAS, G_C, G_H, G_K, G_KH, G_KW, G_OH, G_OW, G_POINTWISE, G_SLOTS, G_W, col2imSample, geo, im2colSample } from './im2col';
import { gemm } from './index';

/** Byte address of sample `n` of a batch at `base` with `perSample` floats per sample. */
@inline function sample(base: usize, n: i32, perSample: i32): usize {
  return base + ((<usize>n * <usize>perSample) << 2);
}

/** `y[k, p] += bias[k]` over one sample's `[K, P]` output, one float32 add per element. */
function addBias(bias: usize, y: usize, K: i32, P: i32): void {
  for (let k = 0; k < K; k++) {
    const b = load<f32>(bias + (<usize>k << 2));
    const splat = f32x4.splat(b);
    const row = y + (<usize>(k * P) << 2);
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      const at = row + (<usize>p << 2);
      v128.store(at, f32x4.add(v128.load(at), splat));
    }
    for (; p < P; p++) {
      const at = row + (<usize>p << 2);
      store<f32>(at, load<f32>(at) + b);
    }
  }
}

/**
 * `y_n = W · cols(x_n)` for samples `sampleBegin … sampleEnd`, plus the bias after the product
 * when the descriptor carries one.
 */
export function convForward(g: usize, x: usize, w: usize, y: usize, sampleBegin: i32, sampleEnd: i32, scratch: usize): void {
  const K = geo(g, G_K), R = geo(g, G_C) * geo(g, G_KH) * geo(g, G_KW), P = geo(g, G_OH) * geo(g, G_OW);
  const perSample = geo(g, G_C) * geo(g, G_H) * geo(g, G_W);
  const pointwise = geo(g, G_POINTWISE) != 0;
  const hasBias = geo(g, G_BIAS) != 0;
  const cols = scratch + SCRATCH_BYTES;
  for (let n = sampleBegin; n < sampleEnd; n++) {
    const xn = sample(x, n, perSample);
    if (!pointwise) im2colSample(g, xn, cols);
    const yn = sample(y, n, K * P);
    gemm(w, pointwise ? xn : cols, yn, K, R, P, false, false, false, 0, K, 0, P, scratch);
    if (hasBias) addBias(g + (<usize>G_SLOTS << 2), yn, K, P);
  }
}

/** `dx_n = col2im(Wᵀ · gy_n)` for samples `sampleBegin … sampleEnd` (`dx_n` overwritten). */
export function convInputGrad(g: usize, gy: usize, w: usize, dx: usize, sampleBegin: i32, sampleEnd: i32, scratch: usize): void {
  const K = geo(g, G_K), R = geo(g, G_C) * geo(g, G_KH) * geo(g, G_KW), P = geo(g, G_OH) * geo(g, G_OW);
  const perSample = geo(g, G_C) * geo(g, G_H) * geo(g, G_W);
  const pointwise = geo(g, G_POINTWISE) != 0;
  const cols = scratch + SCRATCH_BYTES;
  for (let n = sampleBegin; n < sampleEnd; n++) {
    const dxn = sample(dx, n, perSample);
    const gyn = sample(gy, n, K * P);
    if (pointwise) {
      gemm(w, gyn, dxn, R, K, P, true, false, false, 0, R, 0, P, scratch);
    } else {
      gemm(w, gyn, cols, R, K, P, true, false, false, 0, R, 0, P, scratch);
      memory.fill(dxn, 0, <usize>perSample << 2);
      col2imSample(g, cols, dxn);
    }
  }
}

/**
 * `dw = Σ_n gy_n · cols(x_n)ᵀ` over samples `sampleBegin … sampleEnd`, summed in sample order
 * (`dw` overwritten; zeros for an empty range).
 */
export function convWeightGrad(g: usize, x: usize, gy: usize, dw: usize, sampleBegin: i32, sampleEnd: i32, scratch: usize): void {
  const K = geo(g, G_K), R = geo(g, G_C) * geo(g, G_KH) * geo(g, G_KW), P = geo(g, G_OH) * geo(g, G_OW);
  const perSample = geo(g, G_C) * geo(g, G_H) * geo(g, G_W);
  const pointwise = geo(g, G_POINTWISE) != 0;
  const cols = scratch + SCRATCH_BYTES;
  if (sampleEnd <= sampleBegin) memory.fill(dw, 0, <usize>(K * R) << 2);
  for (let n = sampleBegin; n < sampleEnd; n++) {
    const xn = sample(x, n, perSample);
    if (!pointwise) im2colSample(g, xn, cols);
    const accumulate = n > sampleBegin;
    gemm(sample(gy, n, K * P), pointwise ? xn : cols, dw, K, P, R, false, true, accumulate, 0, K, 0, R, scratch);
  }
}
