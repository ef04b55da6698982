/**
 * Reference kernels of 2-D convolution (cross-correlation, as every DL framework computes it):
 * the forward pass and its two gradients. Plain loops that read like the formula
 *
 *   y[n,k,oy,ox] = b[k] + Σ_c Σ_i Σ_j x[n, c, oy·Sh − Pt + i·Dh, ox·Sw − Pl + j·Dw] · w[k,c,i,j]
 *
 * where reads outside the input are zeros (padding). All tensors are contiguous NCHW
 * `Float32Array`s; sums are accumulated in float64 and rounded once.
 */

/** Sizes of one convolution, input `[N, C, H, W]`, weight `[K, C, kH, kW]`, output `[N, K, oH, oW]`. */
export interface ConvGeometry {
  readonly batch: number;
  readonly inChannels: number;
  readonly height: number;
  readonly width: number;
  readonly outChannels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly stride: readonly [number, number];
  readonly dilation: readonly [number, number];
  /**
   * Zero rows above and columns left of the input. Padding below and to the right needs no
   * field: it only decides `outHeight`/`outWidth`, and reads past the input are zeros anyway.
   */
  readonly padTop: number;
  readonly padLeft: number;
}

/** Forward pass: returns `y` of shape `[N, K, oH, oW]`; `bias` (length K) may be null. */
export function conv2dForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  g: ConvGeometry,
): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const { kernelHeight: kH, kernelWidth: kW, outHeight: oH, outWidth: oW } = g;
  const [sH, sW] = g.stride;
  const [dH, dW] = g.dilation;
  const y = new Float32Array(N * K * oH * oW);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let oy = 0; oy < oH; oy++) {
        for (let ox = 0; ox < oW; ox++) {
          let acc = bias === null ? 0 : bias[k];
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kH; i++) {
              const iy = oy * sH - g.padTop + i * dH;
              if (iy < 0 || iy >= H) continue;
              const xRow = ((n * C + c) * H + iy) * W;
              const wRow = ((k * C + c) * kH + i) * kW;
              for (let j = 0; j < kW; j++) {
                const ix = ox * sW - g.padLeft + j * dW;
                if (ix < 0 || ix >= W) continue;
                acc += x[xRow + ix] * w[wRow + j];
              }
            }
          }
          y[((n * K + k) * oH + oy) * oW + ox] = acc;
        }
      }
    }
  }
  return y;
}

/**
 * Gradient with respect to the input: `dx[n,c,iy,ix] = Σ gy[n,k,oy,ox] · w[k,c,i,j]` over every
 * `(k, oy, ox, i, j)` whose window puts kernel tap `(i, j)` on `(iy, ix)`. For stride 1 this is
 * the "full" correlation of `gy` with the kernel flipped in both axes; for stride S it is the same
 * with S − 1 zeros between the rows and columns of `gy`. Written as a scatter, the exact adjoint
 * of the forward loop, so the zeros are never materialized. This is also the forward pass of the
 * transposed convolution.
 */
export function conv2dInputGrad(gy: Float32Array, w: Float32Array, g: ConvGeometry): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const { kernelHeight: kH, kernelWidth: kW, outHeight: oH, outWidth: oW } = g;
  const [sH, sW] = g.stride;
  const [dH, dW] = g.dilation;
  const dx = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let oy = 0; oy < oH; oy++) {
        for (let ox = 0; ox < oW; ox++) {
          const grad = gy[((n * K + k) * oH + oy) * oW + ox];
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kH; i++) {
              const iy = oy * sH - g.padTop + i * dH;
              if (iy < 0 || iy >= H) continue;
              const xRow = ((n * C + c) * H + iy) * W;
              const wRow = ((k * C + c) * kH + i) * kW;
              for (let j = 0; j < kW; j++) {
                const ix = ox * sW - g.padLeft + j * dW;
                if (ix < 0 || ix >= W) continue;
                dx[xRow + ix] += grad * w[wRow + j];
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dx);
}

/**
 * Gradient with respect to the weight: `dw[k,c,i,j] = Σ_n Σ_oy Σ_ox gy[n,k,oy,ox] ·
 * x[n, c, oy·Sh − Pt + i·Dh, ox·Sw − Pl + j·Dw]`, the correlation of the input with the output
 * gradient.
 */
export function conv2dWeightGrad(x: Float32Array, gy: Float32Array, g: ConvGeometry): Float32Array {
  const { batch: N, inChannels: C, height: H, width: W, outChannels: K } = g;
  const { kernelHeight: kH, kernelWidth: kW, outHeight: oH, outWidth: oW } = g;
  const [sH, sW] = g.stride;
  const [dH, dW] = g.dilation;
  const dw = new Float32Array(K * C * kH * kW);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < kH; i++) {
        for (let j = 0; j < kW; j++) {
          let acc = 0;
          for (let n = 0; n < N; n++) {
            for (let oy = 0; oy < oH; oy++) {
              const iy = oy * sH - g.padTop + i * dH;
              if (iy < 0 || iy >= H) continue;
              const xRow = ((n * C + c) * H + iy) * W;
              const gRow = ((n * K + k) * oH + oy) * oW;
              for (let ox = 0; ox < oW; ox++) {
                const ix = ox * sW - g.padLeft + j * dW;
                if (ix < 0 || ix >= W) continue;
                acc += gy[gRow + ox] * x[xRow + ix];
              }
            }
          }
          dw[((k * C + c) * kH + i) * kW + j] = acc;
        }
      }
    }
  }
  return dw;
}

/** Adds `bias[c]` to every element of channel `c` of an NCHW array, in place; returns it. */
export function addChannelBias(y: Float32Array, bias: Float32Array, batch: number, plane: number): Float32Array {
  const channels = bias.length;
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      const start = (n * channels + c) * plane;
      for (let p = start; p < start + plane; p++) y[p] += bias[c];
    }
  }
  return y;
}
