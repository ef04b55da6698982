/**
 * im2col and col2im on one NCHW sample, the WASM twins of `../../fast/im2col.ts` (same row order,
 * same zeros, same order of additions, so the same bits). The geometry is read from an `i32`
 * descriptor in memory, laid out by the `G_*` indices below.
 *
 *   cols[(c·kH + i)·kW + j, oy·oW + ox] = x[c, oy·Sh − Pt + i·Dh, ox·Sw − Pl + j·Dw]
 *
 * Rows with stride 1 along the width are copied (and, in col2im, added) four floats at a time.
 */

/** Descriptor slot: input channels `C`. */
export const G_C: i32 = 0;
/** Descriptor slot: input height `H`. */
export const G_H: i32 = 1;
/** Descriptor slot: input width `W`. */
export const G_W: i32 = 2;
/** Descriptor slot: output channels `K`. */
export const G_K: i32 = 3;
/** Descriptor slot: kernel height `kH`. */
export const G_KH: i32 = 4;
/** Descriptor slot: kernel width `kW`. */
export const G_KW: i32 = 5;
/** Descriptor slot: output height `oH`. */
export const G_OH: i32 = 6;
/** Descriptor slot: output width `oW`. */
export const G_OW: i32 = 7;
/** Descriptor slot: vertical stride. */
export const G_SH: i32 = 8;
/** Descriptor slot: horizontal stride. */
export const G_SW: i32 = 9;
/** Descriptor slot: vertical dilation. */
export const G_DH: i32 = 10;
/** Descriptor slot: horizontal dilation. */
export const G_DW: i32 = 11;
/** Descriptor slot: zero rows above the input. */
export const G_PT: i32 = 12;
/** Descriptor slot: zero columns left of the input. */
export const G_PL: i32 = 13;
/** Descriptor slot: 1 when the sample is its own column matrix (1×1, stride 1, no padding). */
export const G_POINTWISE: i32 = 14;
/** Descriptor slot: 1 when `K` bias floats follow the descriptor, to add to the forward output. */
export const G_BIAS: i32 = 15;
/** Slots in a descriptor (the bias, when present, starts right after them). */
export const G_SLOTS: i32 = 16;

/** Slot `index` of the descriptor at `g`. */
@inline export function geo(g: usize, index: i32): i32 {
  return load<i32>(g + (<usize>index << 2));
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** First output position `o ≥ 0` with `o·stride − pad + tap ≥ 0`, at most `outSize`. */
@inline function firstInside(outSize: i32, stride: i32, pad: i32, tap: i32): i32 {
  const need = pad - tap;
  return need <= 0 ? 0 : min(outSize, (need + stride - 1) / stride);
}

/** One past the last output position `o` with `o·stride − pad + tap < size`, at most `outSize`. */
@inline function endInside(outSize: i32, size: i32, stride: i32, pad: i32, tap: i32): i32 {
  const last = size - 1 + pad - tap;
  return last < 0 ? 0 : min(outSize, last / stride + 1);
}

/** `dst[0 … count) = src[0 … count)`, four floats at a time. */
@inline function copyRow(src: usize, dst: usize, count: i32): void {
  let o = 0;
  for (; o + 4 <= count; o += 4) v128.store(at(dst, o), v128.load(at(src, o)));
  for (; o < count; o++) store<f32>(at(dst, o), load<f32>(at(src, o)));
}

/** `dst[0 … count) += src[0 … count)`, four floats at a time (one float32 add per element). */
@inline function addRow(src: usize, dst: usize, count: i32): void {
  let o = 0;
  for (; o + 4 <= count; o += 4) v128.store(at(dst, o), f32x4.add(v128.load(at(dst, o)), v128.load(at(src, o))));
  for (; o < count; o++) store<f32>(at(dst, o), load<f32>(at(dst, o)) + load<f32>(at(src, o)));
}

/** Zeros `count` floats from `dst`. */
@inline function zeroRow(dst: usize, count: i32): void {
  let o = 0;
  const zero = f32x4.splat(0);
  for (; o + 4 <= count; o += 4) v128.store(at(dst, o), zero);
  for (; o < count; o++) store<f32>(at(dst, o), 0);
}

/**
 * Writes the column matrix of the sample at `x` (`[C, H, W]`) to `cols` (`[C·kH·kW, oH·oW]`,
 * overwritten entirely, zeros included).
 */
export function im2colSample(g: usize, x: usize, cols: usize): void {
  const C = geo(g, G_C), H = geo(g, G_H), W = geo(g, G_W);
  const kH = geo(g, G_KH), kW = geo(g, G_KW), oH = geo(g, G_OH), oW = geo(g, G_OW);
  const sH = geo(g, G_SH), sW = geo(g, G_SW), dH = geo(g, G_DH), dW = geo(g, G_DW);
  const pT = geo(g, G_PT), pL = geo(g, G_PL);
  const plane = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const channel = c * H * W;
    for (let i = 0; i < kH; i++) {
      const oy0 = firstInside(oH, sH, pT, i * dH);
      const oy1 = max(oy0, endInside(oH, H, sH, pT, i * dH));
      for (let j = 0; j < kW; j++, row++) {
        const ox0 = firstInside(oW, sW, pL, j * dW);
        const ox1 = max(ox0, endInside(oW, W, sW, pL, j * dW));
        const rowStart = row * plane;
        // Rows of the window above or below the image read only zeros.
        zeroRow(at(cols, rowStart), oy0 * oW);
        zeroRow(at(cols, rowStart + oy1 * oW), plane - oy1 * oW);
        for (let oy = oy0; oy < oy1; oy++) {
          const dst = rowStart + oy * oW;
          const src = channel + (oy * sH - pT + i * dH) * W - pL + j * dW;
          for (let ox = 0; ox < ox0; ox++) store<f32>(at(cols, dst + ox), 0);
          if (sW == 1) {
            copyRow(at(x, src + ox0), at(cols, dst + ox0), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) store<f32>(at(cols, dst + ox), load<f32>(at(x, src + ox * sW)));
          }
          for (let ox = ox1; ox < oW; ox++) store<f32>(at(cols, dst + ox), 0);
        }
      }
    }
  }
}

/**
 * The adjoint of `im2colSample`: adds every entry of `cols` onto the input position it was read
 * from in `dx` (`[C, H, W]`, accumulated into, not cleared); entries from the padding are dropped.
 */
export function col2imSample(g: usize, cols: usize, dx: usize): void {
  const C = geo(g, G_C), H = geo(g, G_H), W = geo(g, G_W);
  const kH = geo(g, G_KH), kW = geo(g, G_KW), oH = geo(g, G_OH), oW = geo(g, G_OW);
  const sH = geo(g, G_SH), sW = geo(g, G_SW), dH = geo(g, G_DH), dW = geo(g, G_DW);
  const pT = geo(g, G_PT), pL = geo(g, G_PL);
  const plane = oH * oW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const channel = c * H * W;
    for (let i = 0; i < kH; i++) {
      const oy0 = firstInside(oH, sH, pT, i * dH);
      const oy1 = max(oy0, endInside(oH, H, sH, pT, i * dH));
      for (let j = 0; j < kW; j++, row++) {
        const ox0 = firstInside(oW, sW, pL, j * dW);
        const ox1 = max(ox0, endInside(oW, W, sW, pL, j * dW));
        for (let oy = oy0; oy < oy1; oy++) {
          const src = row * plane + oy * oW;
          const dst = channel + (oy * sH - pT + i * dH) * W - pL + j * dW;
          if (sW == 1) {
            addRow(at(cols, src + ox0), at(dx, dst + ox0), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              const p = at(dx, dst + ox * sW);
              store<f32>(p, load<f32>(p) + load<f32>(at(cols, src + ox)));
            }
          }
        }
      }
    }
  }
}
