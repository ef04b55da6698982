/**
 * Elementwise hot paths, as f32x4 / f64x2 loops over operands in the shared memory. Each gives
 * bit for bit the result of the TypeScript loop it replaces (the loops are written in the same
 * precision and order: `relu` on bit patterns, `reluGrad` as `g · [x > 0]` in float32, Adam in
 * float64 with float32 stores), so switching between them never changes a result.
 * Pointers are byte addresses; arguments are trusted.
 */

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/**
 * `out[i] = max(0, x[i])` on the float32 bit patterns: +0 where the sign bit is set and `x[i]`
 * is not NaN, else `x[i]` unchanged (NaN payloads and all).
 */
export function reluForward(x: usize, out: usize, n: i32): void {
  const absMask = i32x4.splat(0x7fffffff);
  const infinity = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const bits = v128.load(at(x, i));
    const negative = i32x4.shr_s(bits, 31);
    const nan = i32x4.gt_s(v128.and(bits, absMask), infinity);
    v128.store(at(out, i), v128.andnot(bits, v128.andnot(negative, nan)));
  }
  for (; i < n; i++) {
    const bits = load<i32>(at(x, i));
    const negative = bits >> 31;
    const nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31;
    store<i32>(at(out, i), bits & ~(negative & ~nan));
  }
}

/** `out[i] = g[i] · (x[i] > 0 ? 1 : 0)` in float32 (so `Inf·0` and `NaN·0` give NaN, as in TypeScript). */
export function reluBackward(x: usize, g: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const gate = v128.and(f32x4.gt(v128.load(at(x, i)), zero), one);
    v128.store(at(out, i), f32x4.mul(v128.load(at(g, i)), gate));
  }
  for (; i < n; i++) store<f32>(at(out, i), load<f32>(at(g, i)) * (load<f32>(at(x, i)) > 0 ? <f32>1 : <f32>0));
}

/**
 * One Adam update without weight decay or AMSGrad, in place, as `adamPlainUpdate` in TypeScript:
 * in float64, `m ← fround(β₁m + (1−β₁)g)`, `v ← fround(β₂v + ((1−β₂)g)g)`,
 * `θ ← θ − stepSize·m / (√v·inverseRoot2 + ε)` stored as float32.
 */
export function adamPlain(
  theta: usize,
  grad: usize,
  m: usize,
  v: usize,
  n: i32,
  beta1: f64,
  beta2: f64,
  keep1: f64,
  keep2: f64,
  stepSize: f64,
  inverseRoot2: f64,
  eps: f64,
): void {
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const k1 = f64x2.splat(keep1);
  const k2 = f64x2.splat(keep2);
  const step = f64x2.splat(stepSize);
  const root = f64x2.splat(inverseRoot2);
  const e = f64x2.splat(eps);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const g = f64x2.promote_low_f32x4(v128.load64_zero(at(grad, i)));
    const mi = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(b1, f64x2.promote_low_f32x4(v128.load64_zero(at(m, i)))), f64x2.mul(k1, g)),
    );
    const vi = f32x4.demote_f64x2_zero(
      f64x2.add(f64x2.mul(b2, f64x2.promote_low_f32x4(v128.load64_zero(at(v, i)))), f64x2.mul(f64x2.mul(k2, g), g)),
    );
    v128.store64_lane(at(m, i), mi, 0);
    v128.store64_lane(at(v, i), vi, 0);
    const t = f64x2.promote_low_f32x4(v128.load64_zero(at(theta, i)));
    const denom = f64x2.add(f64x2.mul(f64x2.sqrt(f64x2.promote_low_f32x4(vi)), root), e);
    const next = f64x2.sub(t, f64x2.div(f64x2.mul(step, f64x2.promote_low_f32x4(mi)), denom));
    v128.store64_lane(at(theta, i), f32x4.demote_f64x2_zero(next), 0);
  }
  for (; i < n; i++) {
    const g = <f64>load<f32>(at(grad, i));
    const mi = <f32>(beta1 * <f64>load<f32>(at(m, i)) + keep1 * g);
    const vi = <f32>(beta2 * <f64>load<f32>(at(v, i)) + keep2 * g * g);
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    const t = <f64>load<f32>(at(theta, i));
    store<f32>(at(theta, i), <f32>(t - (stepSize * <f64>mi) / (Math.sqrt(<f64>vi) * inverseRoot2 + eps)));
  }
}
