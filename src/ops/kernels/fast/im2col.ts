/**
 * im2col and its adjoint col2im for NCHW convolutions (Chellapilla, Puri & Simard, "High
 * Performance Convolutional Neural Networks for Document Processing", 2006): unfolding every
 * receptive field of one image into a column turns a convolution into one matrix product.
 *
 * For one sample of `x` (`[C, H, W]`), the column matrix has `C·kH·kW` rows and `oH·oW` columns:
 *
 *   cols[(c·kH + i)·kW + j, oy·oW + ox] = x[c, oy·Sh − Pt + i·Dh, ox·Sw − Pl + j·Dw]
 *
 * with zeros where the index falls outside the image. Only the top/left padding is a field of
 * the geometry; padding below and to the right is implicit (reads past the edge are zeros), so
 * asymmetric padding such as `'same'` with an even kernel needs nothing special. The row order
 * matches the weight layout `[K, C, kH, kW]`, so `W[K, C·kH·kW] · cols` is the output `[K, oH·oW]`.
 */
import type { ConvGeometry } from '../conv2d.js';

/**
 * Range of output positions `o` in `[0, outSize)` whose tap lands inside `[0, size)`:
 * `0 ≤ o·stride − pad + tap < size`, with `tap = i·dilation`. Returns `[start, end)`, both in
 * `[0, outSize]`, so the zero runs before `start` never spill past a row.
 */
function validRange(outSize: number, size: number, stride: number, pad: number, tap: number): [number, number] {
  const start = Math.min(outSize, Math.max(0, Math.ceil((pad - tap) / stride)));
  const end = Math.min(outSize, Math.floor((size - 1 + pad - tap) / stride) + 1);
  return [start, Math.max(start, end)];
}

/**
 * Writes the column matrix of sample `x[xOffset …]` (`[C, H, W]`) into `cols`
 * (`[C·kH·kW, oH·oW]`, overwritten entirely, zeros included).
 */
export function im2col(x: Float32Array, xOffset: number, g: ConvGeometry, cols: Float32Array): void {
  const { inChannels: C, height: H, width: W } = g;
  const { kernelHeight: kH, kernelWidth: kW, outHeight: oH, outWidth: oW } = g;
  const [sH, sW] = g.stride;
  const [dH, dW] = g.dilation;
  const plane = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const channel = xOffset + c * H * W;
    for (let i = 0; i < kH; i++) {
      const [oy0, oy1] = validRange(oH, H, sH, g.padTop, i * dH);
      for (let j = 0; j < kW; j++, row++) {
        const [ox0, ox1] = validRange(oW, W, sW, g.padLeft, j * dW);
        const rowStart = row * plane;
        // Rows of the window above or below the image read only zeros.
        cols.fill(0, rowStart, rowStart + oy0 * oW);
        cols.fill(0, rowStart + oy1 * oW, rowStart + plane);
        for (let oy = oy0; oy < oy1; oy++) {
          const dst = rowStart + oy * oW;
          const src = channel + (oy * sH - g.padTop + i * dH) * W - g.padLeft + j * dW;
          for (let ox = 0; ox < ox0; ox++) cols[dst + ox] = 0;
          if (sW === 1) {
            for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = x[src + ox];
          } else {
            for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = x[src + ox * sW];
          }
          for (let ox = ox1; ox < oW; ox++) cols[dst + ox] = 0;
        }
      }
    }
  }
}

/**
 * The adjoint of `im2col`: adds every entry of `cols` (`[C·kH·kW, oH·oW]`) back onto the input
 * position it was read from, `dx[dxOffset …]` (`[C, H, W]`, accumulated into, not cleared).
 * Entries that came from the padding are dropped. Overlapping windows add up, which makes this
 * the input gradient once `cols` holds `Wᵀ · gy`.
 */
export function col2im(cols: Float32Array, g: ConvGeometry, dx: Float32Array, dxOffset: number): void {
  const { inChannels: C, height: H, width: W } = g;
  const { kernelHeight: kH, kernelWidth: kW, outHeight: oH, outWidth: oW } = g;
  const [sH, sW] = g.stride;
  const [dH, dW] = g.dilation;
  const plane = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const channel = dxOffset + c * H * W;
    for (let i = 0; i < kH; i++) {
      const [oy0, oy1] = validRange(oH, H, sH, g.padTop, i * dH);
      for (let j = 0; j < kW; j++, row++) {
        const [ox0, ox1] = validRange(oW, W, sW, g.padLeft, j * dW);
        for (let oy = oy0; oy < oy1; oy++) {
          const src = row * plane + oy * oW;
          const dst = channel + (oy * sH - g.padTop + i * dH) * W - g.padLeft + j * dW;
          if (sW === 1) {
            for (let ox = ox0; ox < ox1; ox++) dx[dst + ox] += cols[src + ox];
          } else {
            for (let ox = ox0; ox < ox1; ox++) dx[dst + ox * sW] += cols[src + ox];
          }
        }
      }
    }
  }
}
