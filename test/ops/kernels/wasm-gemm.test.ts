import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { gemm as wasmGemm, wasmMinMultiplyAdds } from '../../../src/ops/kernels/wasm/gemm.js';
import {
  gemmLayout,
  gemmWasm,
  heapF32,
  instantiateGemmWasm,
  reserveBytes,
  runGemm,
} from '../../../src/ops/kernels/wasm/runtime.js';
import { gemm as referenceGemm } from '../../../src/ops/kernels/matmul.js';
import { ArgumentError, Rng, randn } from '../../../src/ops/index.js';

/**
 * The contract: a float32 GEMM whose every output, for `k` terms, is within
 * `k·2⁻²⁴·Σ_p |op(A)[i,p]|·|op(B)[p,j]|` of the exact sum (each term meets at most `k`
 * roundings: its product, the adds of its block, one add per later block; Higham, "Accuracy and
 * Stability of Numerical Algorithms", §3.1). The reference rounds the exact sum once more, and
 * with `accumulate` the start value is one more term, so the test allows
 * `(k + 2)·2⁻²⁴·(|start| + Σ|a||b|)` between the two.
 */
const u = 2 ** -24;

/** Sizes that sit on and around the kernel's tile (4×8) and vector (4) edges. */
const arbSize = fc.oneof(fc.constantFrom(1, 3, 5, 17, 63, 65, 129), fc.integer({ min: 1, max: 140 }));

const arbProduct = fc.record({
  m: arbSize,
  k: arbSize,
  n: arbSize,
  transA: fc.boolean(),
  transB: fc.boolean(),
  accumulate: fc.boolean(),
  aOffset: fc.nat({ max: 5 }),
  bOffset: fc.nat({ max: 5 }),
  outOffset: fc.nat({ max: 5 }),
  seed: fc.nat(),
});

type Product = typeof arbProduct extends fc.Arbitrary<infer T> ? T : never;
type Gemm = typeof wasmGemm;

function values(length: number, seed: number): Float32Array {
  return randn([length], new Rng(seed)).data;
}

/** Runs `kernel` on random operands and returns what it wrote and what the reference says. */
function compare(kernel: Gemm, p: Product) {
  const { m, k, n, transA, transB, accumulate, aOffset, bOffset, outOffset, seed } = p;
  const a = values(aOffset + m * k, seed);
  const b = values(bOffset + k * n, seed + 1);
  const start = values(outOffset + m * n + 3, seed + 2);
  const actual = start.slice();
  kernel(a, aOffset, b, bOffset, actual, outOffset, m, k, n, transA, transB, accumulate);
  const product = new Float32Array(m * n);
  referenceGemm(a, aOffset, b, bOffset, product, 0, m, k, n, transA, transB);
  const aAbs = a.map(Math.abs);
  const bAbs = b.map(Math.abs);
  const magnitude = new Float32Array(m * n);
  referenceGemm(aAbs, aOffset, bAbs, bOffset, magnitude, 0, m, k, n, transA, transB);
  const violations: string[] = [];
  for (let i = 0; i < m * n; i++) {
    const base = accumulate ? start[outOffset + i] : 0;
    const expected = base + product[i];
    // Float32 magnitude rounds down by at most 2⁻²⁴ relative: widen by that much.
    const bound = (k + 2) * u * (Math.abs(base) + magnitude[i] * (1 + u));
    const got = actual[outOffset + i];
    if (!(Math.abs(got - expected) <= bound)) violations.push(`out[${i}] = ${got}, expected ${expected} ± ${bound}`);
  }
  const untouched = [...start.subarray(0, outOffset), ...start.subarray(outOffset + m * n)];
  const outside = [...actual.subarray(0, outOffset), ...actual.subarray(outOffset + m * n)];
  return { violations: violations.slice(0, 3), untouched, outside };
}

/** The WASM kernel on every size, bypassing the small-size route to TypeScript. */
const wasmOnly: Gemm = (a, ao, b, bo, out, oo, m, k, n, tA, tB, acc = false) => {
  expect(runGemm(a, ao, b, bo, out, oo, m, k, n, tA, tB, acc)).toBe(true);
};

describe('wasm gemm', () => {
  test.prop([arbProduct], { numRuns: 40 })(
    'for any sizes, transposes, offsets and accumulate, the WASM kernel is within the float32 GEMM bound of the reference',
    (p) => {
      const { violations, untouched, outside } = compare(wasmOnly, p);
      expect(violations).toEqual([]);
      expect(outside).toEqual(untouched);
    },
  );

  test.prop([arbProduct], { numRuns: 20 })(
    'gemm (WASM or, below the cutoff, TypeScript) is within the float32 GEMM bound of the reference',
    (p) => {
      const { violations, untouched, outside } = compare(wasmGemm, p);
      expect(violations).toEqual([]);
      expect(outside).toEqual(untouched);
    },
  );

  test('sizes past every block edge (m > MC = 96, k > KC = 256, n > NC = 1024) meet the bound', () => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const common = { transA, transB, accumulate: transA, aOffset: 1, bOffset: 2, outOffset: 3, seed: 5 };
      expect(compare(wasmGemm, { ...common, m: 101, k: 517, n: 9 }).violations).toEqual([]);
      expect(compare(wasmGemm, { ...common, m: 7, k: 33, n: 1031 }).violations).toEqual([]);
    }
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
      const out = Float32Array.of(1, 1, 1, 1);
      wasmOnly(x, 0, y, 0, out, 0, 2, 2, 2, transA, transB, true);
      expect(Array.from(out)).toEqual([20, 23, 44, 51]);
    }
  });

  test('k = 0 gives zeros (an empty sum), or leaves out as it was when accumulating', () => {
    const out = Float32Array.of(5, 5, 5, 5, 5);
    wasmOnly(new Float32Array(0), 0, new Float32Array(0), 0, out, 1, 2, 0, 2, false, false, true);
    expect(Array.from(out)).toEqual([5, 5, 5, 5, 5]);
    wasmOnly(new Float32Array(0), 0, new Float32Array(0), 0, out, 1, 2, 0, 2, false, false);
    expect(Array.from(out)).toEqual([5, 0, 0, 0, 0]);
  });

  test(`products of at least ${wasmMinMultiplyAdds} multiply-adds run in WASM: the same bits as the kernel itself`, () => {
    const size = Math.ceil(Math.cbrt(wasmMinMultiplyAdds));
    const [m, k, n] = [size, size, size];
    const a = values(m * k, 1);
    const b = values(k * n, 2);
    const viaGemm = new Float32Array(m * n);
    const viaKernel = new Float32Array(m * n);
    wasmGemm(a, 0, b, 0, viaGemm, 0, m, k, n, false, false);
    wasmOnly(a, 0, b, 0, viaKernel, 0, m, k, n, false, false);
    expect(viaGemm).toEqual(viaKernel);
  });
});

describe('wasm gemm export on output sub-blocks', () => {
  const arbSplit = fc.record({
    m: arbSize,
    k: arbSize,
    n: arbSize,
    transA: fc.boolean(),
    transB: fc.boolean(),
    accumulate: fc.boolean(),
    rowCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    colCuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    seed: fc.nat(),
  });

  /** Sorted distinct bounds `0 = c₀ < … < size` from fractions in [0, 1]. */
  const bounds = (size: number, cuts: number[]) =>
    [...new Set([0, ...cuts.map((c) => Math.floor(c * size)), size])].sort((x, y) => x - y);

  test.prop([arbSplit], { numRuns: 25 })(
    'computing the output as row × column sub-blocks gives the same bits as one call, and each call writes only its block',
    ({ m, k, n, transA, transB, accumulate, rowCuts, colCuts, seed }) => {
      const { module, memory } = gemmWasm();
      // A second instance on the same memory, as a worker thread would make.
      const exports = instantiateGemmWasm(module, memory);
      const layout = gemmLayout(m, k, n, 2);
      const whole = layout.end + 64 - (layout.end % 64);
      expect(reserveBytes(whole + m * n * 4)).toBe(true);
      const heap = heapF32();
      heap.set(values(m * k, seed), layout.a >> 2);
      heap.set(values(k * n, seed + 1), layout.b >> 2);
      const start = values(m * n, seed + 2);
      heap.set(start, layout.out >> 2);
      heap.set(start, whole >> 2);
      const flags = [transA ? 1 : 0, transB ? 1 : 0, accumulate ? 1 : 0] as const;
      exports.gemm(layout.a, layout.b, whole, m, k, n, ...flags, 0, m, 0, n, layout.scratch[0]);
      const rows = bounds(m, rowCuts);
      const cols = bounds(n, colCuts);
      for (let r = 0; r + 1 < rows.length; r++) {
        for (let c = 0; c + 1 < cols.length; c++) {
          const before = heapF32().slice(layout.out >> 2, (layout.out >> 2) + m * n);
          const [r0, r1, c0, c1] = [rows[r], rows[r + 1], cols[c], cols[c + 1]];
          // Alternate scratch regions, as two threads would.
          exports.gemm(layout.a, layout.b, layout.out, m, k, n, ...flags, r0, r1, c0, c1, layout.scratch[(r + c) % 2]);
          const after = heapF32().subarray(layout.out >> 2, (layout.out >> 2) + m * n);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              const inside = i >= r0 && i < r1 && j >= c0 && j < c1;
              if (!inside && !Object.is(after[i * n + j], before[i * n + j])) {
                throw new Error(`block rows ${r0}..${r1} cols ${c0}..${c1} wrote out[${i},${j}]`);
              }
            }
          }
        }
      }
      const current = heapF32();
      const split = current.slice(layout.out >> 2, (layout.out >> 2) + m * n);
      const once = current.slice(whole >> 2, (whole >> 2) + m * n);
      expect(split).toEqual(once);
    },
  );
});

describe('wasm gemm bad input', () => {
  const a = Float32Array.of(1, 2, 3, 4, 5, 6);
  const b = Float32Array.of(1, 2, 3, 4, 5, 6);
  const run = (args: Partial<Record<'m' | 'k' | 'n' | 'aOffset' | 'bOffset' | 'outOffset', number>>, out: Float32Array) => {
    const { m = 2, k = 3, n = 2, aOffset = 0, bOffset = 0, outOffset = 0 } = args;
    wasmGemm(a, aOffset, b, bOffset, out, outOffset, m, k, n, false, false);
  };
  const check = (args: Parameters<typeof run>[0], message: string, outLength = 4) => {
    const out = Float32Array.from({ length: outLength }, (_, i) => i + 0.5);
    const before = out.slice();
    expect(() => run(args, out)).toThrow(ArgumentError);
    expect(() => run(args, out)).toThrow(message);
    expect(out).toEqual(before);
  };

  test('a non-integer size is rejected, naming it and the value found', () => {
    check({ m: 1.5 }, 'gemm: m must be an integer >= 0, found 1.5');
  });

  test('a negative or NaN size is rejected', () => {
    check({ k: -1 }, 'gemm: k must be an integer >= 0, found -1');
    check({ n: Number.NaN }, 'gemm: n must be an integer >= 0, found NaN');
  });

  test('a negative offset is rejected', () => {
    check({ bOffset: -2 }, 'gemm: bOffset must be an integer >= 0, found -2');
  });

  test('an operand shorter than its offset plus its matrix is rejected, with both lengths', () => {
    check({ aOffset: 1 }, 'gemm: a needs aOffset + 6 = 7 elements, found length 6');
    check({ k: 4 }, 'gemm: a needs aOffset + 8 = 8 elements, found length 6');
    check({}, 'gemm: out needs outOffset + 4 = 4 elements, found length 3', 3);
  });

  test('an empty matrix reads nothing, so any offset is accepted for it', () => {
    const out = Float32Array.of(7, 7);
    wasmGemm(a, 100, b, 0, out, 0, 2, 0, 1, false, false);
    expect(Array.from(out)).toEqual([0, 0]);
  });

  test('a plain array in place of a Float32Array is rejected', () => {
    const out = new Float32Array(4);
    expect(() =>
      wasmGemm([1, 2, 3, 4, 5, 6] as unknown as Float32Array, 0, b, 0, out, 0, 2, 3, 2, false, false),
    ).toThrow('gemm: a must be a Float32Array, found [object Array]');
    expect(out).toEqual(new Float32Array(4));
  });
});
