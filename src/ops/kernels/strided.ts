/**
 * Reference kernels for elementwise and reduction work over row-major tensors. They walk
 * the output (or input) in order with a multi-index counter and update each operand's flat
 * offset by its stride, so broadcast operands (stride 0) cost nothing extra.
 */
import { broadcastStrides, sizeOf } from '../shape.js';

/** `out[i] = f(x[i])`. */
export function mapUnary(x: Float32Array, f: (v: number) => number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/**
 * `out[idx] = f(a[idx'], b[idx''])` over the broadcast shape `outShape`, where `idx'` and
 * `idx''` are `idx` read through NumPy broadcasting.
 */
export function mapBinary(
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Float32Array {
  const n = sizeOf(outShape);
  const out = new Float32Array(n);
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return out;
  }
  if (b.length === 1 && a.length === n) {
    const v = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], v);
    return out;
  }
  if (a.length === 1 && b.length === n) {
    const v = a[0];
    for (let i = 0; i < n; i++) out[i] = f(v, b[i]);
    return out;
  }
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ia], b[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += as[d];
      ib += bs[d];
      if (idx[d] < outShape[d]) break;
      ia -= as[d] * outShape[d];
      ib -= bs[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Folds `x` (of shape `shape`) into `out` of shape `outShape`, where `outShape` is `shape`
 * with some dimensions set to 1 (same rank): `out[j] = f(out[j], x[i])` for every `i` that
 * broadcasts onto `j`. `out` must be pre-filled with the fold's identity; pass a
 * `Float64Array` to accumulate sums without float32 rounding at every step.
 */
export function foldInto(
  x: Float32Array,
  shape: readonly number[],
  out: Float32Array | Float64Array,
  outShape: readonly number[],
  f: (acc: number, v: number, i: number) => number,
): Float32Array | Float64Array {
  const os = broadcastStrides(outShape, shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let j = 0;
  for (let i = 0; i < x.length; i++) {
    out[j] = f(out[j], x[i], i);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      j += os[d];
      if (idx[d] < shape[d]) break;
      j -= os[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}
