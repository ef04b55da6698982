import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { gemm as fastGemm } from '../../../src/ops/kernels/fast/gemm.js';
import { gemm as referenceGemm } from '../../../src/ops/kernels/matmul.js';
import { Rng, randn } from '../../../src/ops/index.js';

/**
 * The float32 GEMM contract the fast kernel is held to: every output is within
 * `(k + 2)·2⁻²⁴·Σ_p |op(A)[i,p]|·|op(B)[p,j]|` of the float64-accumulated reference, the
 * classic bound for a k-term float32 dot product (Higham, "Accuracy and Stability of Numerical
 * Algorithms", §3.1) plus the rounding of the reference itself.
 */
const u = 2 ** -24;

const runs = { numRuns: 60 };

function values(length: number, seed: number): Float32Array {
  return randn([length], new Rng(seed)).data;
}

const abs = (x: Float32Array): Float32Array => x.map(Math.abs);

/** The index and numbers of the first output outside the bound, or null when all are inside. */
function firstViolation(
  actual: Float32Array,
  expected: Float32Array,
  magnitude: Float32Array,
  terms: number,
): { index: number; actual: number; expected: number; bound: number } | null {
  for (let i = 0; i < expected.length; i++) {
    const bound = (terms + 2) * u * magnitude[i];
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      return { index: i, actual: actual[i], expected: expected[i], bound };
    }
  }
  return null;
}

const arbProduct = fc.record({
  m: fc.integer({ min: 1, max: 70 }),
  k: fc.integer({ min: 1, max: 70 }),
  n: fc.integer({ min: 1, max: 70 }),
  transA: fc.boolean(),
  transB: fc.boolean(),
  aOffset: fc.nat({ max: 5 }),
  bOffset: fc.nat({ max: 5 }),
  outOffset: fc.nat({ max: 5 }),
  seed: fc.nat(),
});

type Product = typeof arbProduct extends fc.Arbitrary<infer T> ? T : never;

/** Runs the fast and reference kernels on the same operands; `out` starts filled with `fill`. */
function both({ m, k, n, transA, transB, aOffset, bOffset, outOffset, seed }: Product, accumulate = false) {
  const a = values(aOffset + m * k, seed);
  const b = values(bOffset + k * n, seed + 1);
  const start = values(outOffset + m * n, seed + 2);
  const fast = start.slice();
  fastGemm(a, aOffset, b, bOffset, fast, outOffset, m, k, n, transA, transB, accumulate);
  const reference = new Float32Array(outOffset + m * n);
  referenceGemm(a, aOffset, b, bOffset, reference, outOffset, m, k, n, transA, transB);
  const magnitude = new Float32Array(outOffset + m * n);
  referenceGemm(abs(a), aOffset, abs(b), bOffset, magnitude, outOffset, m, k, n, transA, transB);
  for (let i = 0; i < outOffset; i++) reference[i] = start[i];
  return { start, fast, reference, magnitude };
}

describe('fast gemm', () => {
  test.prop([arbProduct], runs)(
    'for any m, k, n in 1..70 and transpose flags, fast gemm equals the reference within (k + 2)·2⁻²⁴·Σ|a||b|',
    (product) => {
      const { start, fast, reference, magnitude } = both(product);
      expect(fast.subarray(0, product.outOffset)).toEqual(start.subarray(0, product.outOffset));
      expect(firstViolation(fast, reference, magnitude, product.k)).toBeNull();
    },
  );

  test.prop([arbProduct], { numRuns: 30 })('with accumulate, fast gemm adds op(A)·op(B) to what out held', (product) => {
    const { start, fast, reference, magnitude } = both(product, true);
    const { outOffset } = product;
    for (let i = outOffset; i < reference.length; i++) {
      reference[i] += start[i];
      magnitude[i] += Math.abs(start[i]);
    }
    expect(firstViolation(fast, reference, magnitude, product.k + 1)).toBeNull();
  });

  test('sizes past every block edge (m > 64, k > 256, n > 512) match the reference', () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const product = { m: 67, k: 601, n: 523, transA, transB, aOffset: 1, bOffset: 2, outOffset: 3, seed: 7 };
      const { fast, reference, magnitude } = both(product);
      expect(firstViolation(fast, reference, magnitude, product.k)).toBeNull();
    }
  });

  test('k = 0 gives zeros (an empty sum) and leaves out before the offset alone', () => {
    const out = new Float32Array(5).fill(5);
    fastGemm(new Float32Array(0), 0, new Float32Array(0), 0, out, 1, 2, 0, 2, false, false);
    expect(Array.from(out)).toEqual([5, 0, 0, 0, 0]);
  });

  test('2x2 worked example: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]] in all transpose forms', () => {
    const a = Float32Array.of(1, 2, 3, 4);
    const aT = Float32Array.of(1, 3, 2, 4);
    const b = Float32Array.of(5, 6, 7, 8);
    const bT = Float32Array.of(5, 7, 6, 8);
    for (const [x, y, transA, transB] of [
      [a, b, false, false],
      [aT, b, true, false],
      [a, bT, false, true],
      [aT, bT, true, true],
    ] as const) {
      const out = new Float32Array(4);
      fastGemm(x, 0, y, 0, out, 0, 2, 2, 2, transA, transB);
      expect(Array.from(out)).toEqual([19, 22, 43, 50]);
    }
  });
});
