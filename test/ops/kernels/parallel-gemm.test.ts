import { afterEach, describe, expect, test } from 'vitest';
import { Rng, randn } from '../../../src/ops/index.js';
import { getKernelThreads, setKernelThreads } from '../../../src/ops/kernels/threads/config.js';
import { gemmThreads, parallelMinMultiplyAddsPerThread } from '../../../src/ops/kernels/wasm/parallel-gemm.js';
import { runGemm } from '../../../src/ops/kernels/wasm/runtime.js';

const initial = getKernelThreads();
afterEach(() => {
  setKernelThreads(initial);
});

function product(m: number, k: number, n: number, transA: boolean, transB: boolean, accumulate: boolean, threads: number): Float32Array {
  setKernelThreads(threads);
  const rng = new Rng(m * 31 + k * 7 + n);
  const a = randn([m * k], rng).data;
  const b = randn([k * n], rng).data;
  const out = randn([m * n], rng).data.slice();
  expect(runGemm(a, 0, b, 0, out, 0, m, k, n, transA, transB, accumulate)).toBe(true);
  return out;
}

describe('WASM GEMM over the thread pool', () => {
  test('small products stay on one thread; large ones take one thread per share of work', () => {
    setKernelThreads(2);
    expect(gemmThreads(64, 64, 64)).toBe(1);
    expect(gemmThreads(256, 256, 256)).toBe(2);
    setKernelThreads(1);
    expect(gemmThreads(1024, 1024, 1024)).toBe(1);
    expect(parallelMinMultiplyAddsPerThread).toBeGreaterThan(0);
  });

  // Split by rows (m ≥ n) and by columns (m < n), odd sizes, all transposes, accumulate on and off.
  const shapes: Array<[number, number, number]> = [
    [257, 129, 131],
    [67, 300, 401],
  ];
  for (const [m, k, n] of shapes) {
    for (const [transA, transB, accumulate] of [
      [false, false, false],
      [true, false, true],
      [false, true, false],
    ] as const) {
      test(`${m}×${k}×${n} transA=${transA} transB=${transB} accumulate=${accumulate}: two threads equal one, bit for bit`, () => {
        expect(gemmThreads(m, k, n) > 1 || getKernelThreads() === 1).toBe(true);
        const one = product(m, k, n, transA, transB, accumulate, 1);
        const two = product(m, k, n, transA, transB, accumulate, 2);
        expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      });
    }
  }
});
