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
 * A binary op's scalar function written as a loop over a run of `n` elements:
 * `out[o + i] = f(a[ai + i·as], b[bi + i·bs])`, with each step `as`, `bs` either 1 (walk the
 * operand) or 0 (repeat one value). An op that supplies one gets its own loop, in which V8
 * inlines `f`; the shared loops in `mapBinary` call `f` once per element instead.
 */
export type BinaryRun = (
  a: Float32Array,
  ai: number,
  as: number,
  b: Float32Array,
  bi: number,
  bs: number,
  out: Float32Array,
  o: number,
  n: number,
) => void;

/**
 * `out[idx] = f(a[idx'], b[idx''])` over the broadcast shape `outShape`, where `idx'` and
 * `idx''` are `idx` read through NumPy broadcasting.
 *
 * With `run` (which must compute what `f` does), the common layouts go through it a run at a
 * time: equal shapes, a scalar, and a smaller operand that collapses (`collapseAgainst`) to
 * one kept block between broadcast ones, such as a bias `[C]` against `[N, C]` or `[C, 1, 1]`
 * against `[N, C, H, W]`. Other layouts, and calls without `run`, use the loops below.
 */
export function mapBinary(
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
  f: (x: number, y: number) => number,
  run?: BinaryRun,
): Float32Array {
  const n = sizeOf(outShape);
  const out = new Float32Array(n);
  if (run !== undefined && n > 0 && runBinary(a, aShape, b, bShape, outShape, out, run)) return out;
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
 * `mapBinary`'s fast layouts through `run`; false (having written nothing) when the layout is
 * not one of them. The operand as large as the output is walked; the other one, read against
 * the output shape, must collapse to at most `[broadcast, kept, broadcast]`.
 */
function runBinary(
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
  out: Float32Array,
  run: BinaryRun,
): boolean {
  const n = out.length;
  if (a.length === n && b.length === n) {
    run(a, 0, 1, b, 0, 1, out, 0, n);
    return true;
  }
  const smallIsB = a.length === n;
  if (!smallIsB && b.length !== n) return false;
  const small = smallIsB ? bShape : aShape;
  const padded = [...new Array<number>(outShape.length - small.length).fill(1), ...small];
  const { sizes, kept } = collapseAgainst(outShape, padded);
  const k = kept.indexOf(true);
  if (k < 0) {
    // One value repeated over the whole output.
    if (smallIsB) run(a, 0, 1, b, 0, 0, out, 0, n);
    else run(a, 0, 0, b, 0, 1, out, 0, n);
    return true;
  }
  if (kept.lastIndexOf(true) !== k) return false;
  const outer = k === 0 ? 1 : sizes[0];
  const mid = sizes[k];
  const inner = k === sizes.length - 1 ? 1 : sizes[k + 1];
  if (inner === 1) {
    // The small operand is a row, repeated `outer` times: run along it.
    for (let o = 0, p = 0; o < outer; o++, p += mid) {
      if (smallIsB) run(a, p, 1, b, 0, 1, out, p, mid);
      else run(a, 0, 1, b, p, 1, out, p, mid);
    }
    return true;
  }
  // One value of the small operand per run of `inner` output elements.
  for (let o = 0, p = 0; o < outer; o++) {
    for (let m = 0; m < mid; m++, p += inner) {
      if (smallIsB) run(a, p, 1, b, m, 0, out, p, inner);
      else run(a, m, 0, b, p, 1, out, p, inner);
    }
  }
  return true;
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

/**
 * `shape` read against `small` (the same rank, each dimension equal or 1): size-1 dimensions
 * of `shape` are dropped, and neighbours merged while they agree on whether `small` keeps
 * them (`kept`) or broadcasts them (size 1 in `small`). Bias gradients and bias adds, such as
 * `[N,C,H,W]` against `[1,C,1,1]`, collapse to two or three groups this way.
 */
export function collapseAgainst(
  shape: readonly number[],
  small: readonly number[],
): { sizes: number[]; kept: boolean[] } {
  const sizes: number[] = [];
  const kept: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const keep = small[d] !== 1;
    const last = sizes.length - 1;
    if (last >= 0 && kept[last] === keep) sizes[last] *= shape[d];
    else {
      sizes.push(shape[d]);
      kept.push(keep);
    }
  }
  return { sizes, kept };
}

/**
 * Repeats `x` (of shape `shape`, no larger than `outShape` in any dimension) to `outShape` by
 * NumPy broadcasting: `mapBinary(x, shape, [0], [], outShape, (v) => v)`, with the common
 * layouts (`collapseAgainst` giving one kept block between broadcast ones, such as a gradient
 * `[C]` spread over `[N, C]` or `[N, C, H, W]`) as block copies and fills.
 */
export function broadcastInto(x: Float32Array, shape: readonly number[], outShape: readonly number[]): Float32Array {
  const n = sizeOf(outShape);
  const padded = [...new Array<number>(outShape.length - shape.length).fill(1), ...shape];
  const { sizes, kept } = collapseAgainst(outShape, padded);
  const k = kept.indexOf(true);
  if (n === 0 || kept.lastIndexOf(true) !== k) return mapBinary(x, shape, Float32Array.of(0), [], outShape, (v) => v);
  const out = new Float32Array(n);
  if (k < 0) return out.fill(x[0]);
  const outer = k === 0 ? 1 : sizes[0];
  const mid = sizes[k];
  const inner = k === sizes.length - 1 ? 1 : sizes[k + 1];
  for (let o = 0, p = 0; o < outer; o++) {
    if (inner === 1) {
      out.set(x.subarray(0, mid), p);
      p += mid;
      continue;
    }
    for (let m = 0; m < mid; m++, p += inner) out.fill(x[m], p, p + inner);
  }
  return out;
}

/**
 * Sums `x` (of shape `shape`) down to `outShape` (the same rank, reduced dimensions set to 1),
 * in float64: exactly `foldInto(x, shape, new Float64Array(n), outShape, (a, v) => a + v)`,
 * bit for bit, since it adds the same values in the same order. Tight loops handle up to three
 * collapsed groups (`collapseAgainst`): a sum over leading axes (`[N,C] → [C]`), over trailing
 * ones (`[N,C] → [N]`), and both (`[N,C,H,W] → [C]`); other layouts use `foldInto`.
 */
export function sumInto(x: Float32Array, shape: readonly number[], outShape: readonly number[]): Float64Array {
  const out = new Float64Array(sizeOf(outShape));
  if (x.length === 0) return out;
  const { sizes, kept } = collapseAgainst(shape, outShape);
  const pattern = kept.map((k) => (k ? 'k' : 'r')).join('');
  if (pattern === '' || pattern === 'k') {
    for (let i = 0; i < x.length; i++) out[i] += x[i];
  } else if (pattern === 'r') {
    sumOuterMidInner(x, out, 1, 1, sizes[0]);
  } else if (pattern === 'kr') {
    sumOuterMidInner(x, out, 1, sizes[0], sizes[1]);
  } else if (pattern === 'rk') {
    sumOuterMidInner(x, out, sizes[0], sizes[1], 1);
  } else if (pattern === 'rkr') {
    sumOuterMidInner(x, out, sizes[0], sizes[1], sizes[2]);
  } else if (pattern === 'krk') {
    sumMiddle(x, out, sizes[0], sizes[1], sizes[2]);
  } else {
    foldInto(x, shape, out, outShape, (a, v) => a + v);
  }
  return out;
}

/** `x` viewed as `[outer, mid, inner]`, summed over `outer` and `inner` into `out[mid]`, row-major order. */
function sumOuterMidInner(x: Float32Array, out: Float64Array, outer: number, mid: number, inner: number): void {
  let p = 0;
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < mid; m++) {
      let acc = out[m];
      for (let i = 0; i < inner; i++) acc += x[p++];
      out[m] = acc;
    }
  }
}

/** `x` viewed as `[a, r, b]`, summed over `r` into `out[a, b]`, row-major order. */
function sumMiddle(x: Float32Array, out: Float64Array, a: number, r: number, b: number): void {
  let p = 0;
  for (let i = 0; i < a; i++) {
    const base = i * b;
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < b; j++) out[base + j] += x[p++];
    }
  }
}
