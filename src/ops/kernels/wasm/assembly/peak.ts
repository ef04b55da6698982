/**
 * A register-only loop that measures the f32x4 multiply-and-add throughput this machine and
 * engine reach, the ceiling for any WASM SIMD GEMM: twelve independent chains
 * `x = x + x·s` (a multiply and an add each, eight flops per f32x4 pair), no memory traffic.
 * Twelve chains cover the latency of a multiply followed by an add on two multiply and two add
 * pipes. Returns a lane sum so the work is not optimized away.
 */
export function peakLoop(iterations: i32, s: f32): f32 {
  const k = f32x4.splat(s);
  let x0 = f32x4.splat(1.0);
  let x1 = f32x4.splat(1.1);
  let x2 = f32x4.splat(1.2);
  let x3 = f32x4.splat(1.3);
  let x4 = f32x4.splat(1.4);
  let x5 = f32x4.splat(1.5);
  let x6 = f32x4.splat(1.6);
  let x7 = f32x4.splat(1.7);
  let x8 = f32x4.splat(1.8);
  let x9 = f32x4.splat(1.9);
  let x10 = f32x4.splat(2.0);
  let x11 = f32x4.splat(2.1);
  for (let i = 0; i < iterations; i++) {
    x0 = f32x4.add(x0, f32x4.mul(x0, k));
    x1 = f32x4.add(x1, f32x4.mul(x1, k));
    x2 = f32x4.add(x2, f32x4.mul(x2, k));
    x3 = f32x4.add(x3, f32x4.mul(x3, k));
    x4 = f32x4.add(x4, f32x4.mul(x4, k));
    x5 = f32x4.add(x5, f32x4.mul(x5, k));
    x6 = f32x4.add(x6, f32x4.mul(x6, k));
    x7 = f32x4.add(x7, f32x4.mul(x7, k));
    x8 = f32x4.add(x8, f32x4.mul(x8, k));
    x9 = f32x4.add(x9, f32x4.mul(x9, k));
    x10 = f32x4.add(x10, f32x4.mul(x10, k));
    x11 = f32x4.add(x11, f32x4.mul(x11, k));
  }
  const sum = f32x4.add(
    f32x4.add(f32x4.add(x0, x1), f32x4.add(x2, x3)),
    f32x4.add(f32x4.add(f32x4.add(x4, x5), f32x4.add(x6, x7)), f32x4.add(f32x4.add(x8, x9), f32x4.add(x10, x11))),
  );
  return f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
}

/** Floating-point operations one `peakLoop` iteration performs: 12 chains × 4 lanes × 2. */
export function peakFlopsPerIteration(): i32 {
  return 96;
}
