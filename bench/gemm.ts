/**
 * GEMM throughput, one JSON line per measurement (one thread unless `threads` says otherwise):
 *
 * - `{"bench":"gemm","kernel":"wasm-simd"|"ts-fast"|"reference","n","threads","gflops"}`:
 *   square `n×n` products (`wasm-simd` also on every core, `threads` > 1, through the pool) (`A·B`), `n` = 256, 512, 1024, at `2n³` flops over the best time of
 *   several repetitions after a warm-up. `wasm-simd` is the public WASM `gemm`, operand copies
 *   included; its line also gives `peakFraction`, the share of the SIMD peak below. Every line
 *   also has `cpuGflops`, the same rate over the best CPU time of the process.
 * - `{"bench":"gemm-peak","kernel":"wasm-simd",...,"gflops"}`: a register-only f32x4
 *   multiply-add loop in the same module: the ceiling for any WASM SIMD kernel on this machine.
 * - `{"bench":"gemm-copies",...}`: where the time of a product goes: copying operands in, the
 *   kernel, copying the result out (a dense layer on MNIST, and the LeNet conv products).
 * - `{"bench":"gemm-cutoff","n",...}`: WASM versus TypeScript on small cubes, to place the size
 *   below which `gemm` routes to TypeScript (`wasmMinMultiplyAdds`).
 *
 * Best-of timing (not median) because on a shared machine the fastest run is the one least
 * disturbed by other processes. Run: `npx tsx bench/gemm.ts` (about a minute; no build needed).
 */
import { performance } from 'node:perf_hooks';
import { Rng, randn } from '../src/ops/index.js';
import { gemm as tsGemm } from '../src/ops/kernels/fast/gemm.js';
import { gemm as referenceGemm } from '../src/ops/kernels/matmul.js';
import { gemm as wasmGemm } from '../src/ops/kernels/wasm/gemm.js';
import { gemmLayout, gemmWasm, heapF32, reserveBytes, runGemm } from '../src/ops/kernels/wasm/runtime.js';
import { availableParallelism } from 'node:os';
import { setKernelThreads } from '../src/ops/kernels/threads/config.js';

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

interface Best {
  /** Best wall time, ms. */
  ms: number;
  /** Best CPU time of the process, ms: steadier than wall time when other processes compete. */
  cpuMs: number;
}

/** Best wall and CPU times of `repeats` runs of `fn`, after one warm-up run. */
function bestOf(fn: () => void, repeats: number): Best {
  fn();
  let ms = Infinity;
  let cpuMs = Infinity;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000);
  }
  return { ms, cpuMs };
}

/** Best wall time in ms. */
const best = (fn: () => void, repeats: number): number => bestOf(fn, repeats).ms;

/** GFLOP/s of the register-only loop, by wall and by CPU time. */
function peakGflops(): { gflops: number; cpuGflops: number } {
  const { exports } = gemmWasm();
  const iterations = 2_000_000;
  const t = bestOf(() => exports.peakLoop(iterations, 1e-9), 20);
  const flops = exports.peakFlopsPerIteration() * iterations;
  return { gflops: flops / (t.ms * 1e6), cpuGflops: flops / (t.cpuMs * 1e6) };
}

const kernelsByName = { 'wasm-simd': wasmGemm, 'ts-fast': tsGemm, reference: referenceGemm } as const;

function benchSquare(peak: { gflops: number; cpuGflops: number }): void {
  const rng = new Rng(0);
  for (const n of [256, 512, 1024]) {
    const a = randn([n, n], rng).data;
    const b = randn([n, n], rng).data;
    const out = new Float32Array(n * n);
    for (const [kernel, gemm] of Object.entries(kernelsByName)) {
      const repeats = kernel === 'wasm-simd' ? (n === 1024 ? 6 : 15) : n === 1024 ? 2 : 4;
      const t = bestOf(() => gemm(a, 0, b, 0, out, 0, n, n, n, false, false), repeats);
      const gflops = (2 * n ** 3) / (t.ms * 1e6);
      const cpuGflops = (2 * n ** 3) / (t.cpuMs * 1e6);
      const extra =
        kernel === 'wasm-simd'
          ? { peakFraction: round(gflops / peak.gflops), cpuPeakFraction: round(cpuGflops / peak.cpuGflops) }
          : {};
      const line = { bench: 'gemm', kernel, n, threads: 1, gflops: round(gflops, 2), cpuGflops: round(cpuGflops, 2) };
      console.log(JSON.stringify({ ...line, ...extra }));
    }
    const threads = availableParallelism();
    if (threads > 1) {
      setKernelThreads(threads);
      const t = bestOf(() => wasmGemm(a, 0, b, 0, out, 0, n, n, n, false, false), n === 1024 ? 6 : 15);
      setKernelThreads(1);
      console.log(JSON.stringify({ bench: 'gemm', kernel: 'wasm-simd', n, threads, gflops: round((2 * n ** 3) / (t.ms * 1e6), 2) }));
    }
  }
}

/**
 * Copy versus kernel time for one product: a dense layer on a batch of 64 MNIST images
 * (`64×784 · 784×128`), and the per-sample products of the LeNet convolutions' forward pass
 * (`8×25 · 25×784` for conv1, `16×200 · 200×100` for conv2), where the im2col columns are copied.
 */
function benchCopies(): void {
  const shapes: Array<[string, number, number, number]> = [
    ['dense 784->128, batch 64', 64, 784, 128],
    ['conv1 forward, one sample', 8, 25, 784],
    ['conv2 forward, one sample', 16, 200, 100],
  ];
  const rng = new Rng(1);
  const { exports } = gemmWasm();
  for (const [product, m, k, n] of shapes) {
    const a = randn([m, k], rng).data;
    const b = randn([k, n], rng).data;
    const out = new Float32Array(m * n);
    const layout = gemmLayout(m, k, n);
    reserveBytes(layout.end);
    const repeats = 300;
    const copyIn = best(() => {
      const heap = heapF32();
      heap.set(a, layout.a >> 2);
      heap.set(b, layout.b >> 2);
    }, repeats);
    const kernel = best(
      () => exports.gemm(layout.a, layout.b, layout.out, m, k, n, 0, 0, 0, 0, m, 0, n, layout.scratch[0]),
      repeats,
    );
    const copyOut = best(() => out.set(heapF32().subarray(layout.out >> 2, (layout.out >> 2) + m * n)), repeats);
    const whole = best(() => wasmGemm(a, 0, b, 0, out, 0, m, k, n, false, false), repeats);
    const copies = copyIn + copyOut;
    const line = {
      bench: 'gemm-copies',
      product,
      m,
      k,
      n,
      copyInUs: round(copyIn * 1000, 2),
      kernelUs: round(kernel * 1000, 2),
      copyOutUs: round(copyOut * 1000, 2),
      wholeCallUs: round(whole * 1000, 2),
      copyFraction: round(copies / (copies + kernel)),
      kernelGflops: round((2 * m * k * n) / (kernel * 1e6), 2),
    };
    console.log(JSON.stringify(line));
  }
}

function benchCutoff(): void {
  const rng = new Rng(2);
  for (const n of [4, 8, 12, 16, 24, 32, 48]) {
    const a = randn([n, n], rng).data;
    const b = randn([n, n], rng).data;
    const out = new Float32Array(n * n);
    const inner = Math.ceil(100_000 / n ** 3);
    const loop = (gemm: typeof tsGemm) => () => {
      for (let i = 0; i < inner; i++) gemm(a, 0, b, 0, out, 0, n, n, n, false, false);
    };
    // The WASM path itself (`gemm` would route these sizes to TypeScript).
    const wasmPath: typeof tsGemm = (a, ao, b, bo, out, oo, m, k, n, transA, transB) => {
      runGemm(a, ao, b, bo, out, oo, m, k, n, transA, transB, false);
    };
    const wasmUs = (best(loop(wasmPath), 30) * 1000) / inner;
    const tsUs = (best(loop(tsGemm), 30) * 1000) / inner;
    console.log(JSON.stringify({ bench: 'gemm-cutoff', n, multiplyAdds: n ** 3, wasmUs: round(wasmUs), tsUs: round(tsUs) }));
  }
}

setKernelThreads(1);
const peak = peakGflops();
const peakLine = { gflops: round(peak.gflops, 2), cpuGflops: round(peak.cpuGflops, 2) };
console.log(JSON.stringify({ bench: 'gemm-peak', kernel: 'wasm-simd', threads: 1, ...peakLine }));
benchSquare(peak);
benchCopies();
benchCutoff();
