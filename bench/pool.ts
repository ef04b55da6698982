/**
 * Pooling kernels on WASM against the TypeScript loops, one JSON line per (kernel, shape,
 * variant): `{ "bench": "pool", "kernel", "shape", "pool", "variant", "nsPerElement" }`, where
 * the elements counted are the input's (each kernel reads or writes every input element once).
 *
 * Variants: `ts`, the TypeScript loop (`STREAMGRAD_KERNELS=reference`); `fast`, what the fast
 * backend runs (WASM with the copies in and out, or the TypeScript loop where it is kept).
 * Shapes: LeNet's two 2×2 poolings at batch 64, `[64, 8, 28, 28]` and `[64, 16, 10, 10]`, and a
 * 3×3, stride 1, padding 1 pooling of `[64, 8, 28, 28]`. The two variants alternate within each
 * repeat, so machine noise hits both alike.
 *
 * Run: `npx tsx bench/pool.ts [repeats]` (default 9; each figure is a median).
 */
import { performance } from 'node:perf_hooks';
import { kernels, setKernelBackend, type KernelBackend } from '../src/ops/kernels/backend.js';
import { pool2dGeometry, type Pool2dOptions } from '../src/ops/pool-options.js';

const repeats = Number(process.argv[2] ?? 9);

function random(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin((i + seed) * 12.9898) * 43758.5453 % 2);
}

/** Median ns per input element of each variant's `run`, timed alternately, about 10⁷ elements per timing. */
function measure(n: number, runs: Record<string, () => void>): Record<string, number> {
  const inner = Math.max(1, Math.round(1e7 / n));
  const samples: Record<string, number[]> = {};
  for (const [name, run] of Object.entries(runs)) {
    run();
    samples[name] = [];
  }
  for (let r = 0; r < repeats; r++) {
    for (const [name, run] of Object.entries(runs)) {
      const t0 = performance.now();
      for (let k = 0; k < inner; k++) run();
      samples[name].push(((performance.now() - t0) * 1e6) / (inner * n));
    }
  }
  const medians: Record<string, number> = {};
  for (const [name, s] of Object.entries(samples)) medians[name] = s.sort((a, b) => a - b)[s.length >> 1];
  return medians;
}

const cases: { shape: [number, number, number, number]; opts: Pool2dOptions }[] = [
  { shape: [64, 8, 28, 28], opts: { kernelSize: 2 } },
  { shape: [64, 16, 10, 10], opts: { kernelSize: 2 } },
  { shape: [64, 8, 28, 28], opts: { kernelSize: 3, stride: 1, padding: 1 } },
];

const variants: Record<string, KernelBackend> = { ts: 'reference', fast: 'fast' };

for (const { shape, opts } of cases) {
  const g = pool2dGeometry('maxPool2d', shape, opts);
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  const x = random(n, 1);
  const grad = random(g.batch * g.channels * g.outHeight * g.outWidth, 2);
  const { argmax } = kernels().maxPool2dForward(x, g);
  const per = (body: (k: ReturnType<typeof kernels>) => void): Record<string, () => void> =>
    Object.fromEntries(
      Object.entries(variants).map(([name, backend]) => {
        setKernelBackend(backend);
        const k = kernels();
        return [name, () => body(k)];
      }),
    );
  const kernelRuns: Record<string, Record<string, () => void>> = {
    maxPool2dForward: per((k) => k.maxPool2dForward(x, g)),
    maxPool2dBackward: per((k) => k.maxPool2dBackward(grad, argmax, n)),
    avgPool2dForward: per((k) => k.avgPool2dForward(x, g, true)),
    avgPool2dBackward: per((k) => k.avgPool2dBackward(grad, g, true)),
  };
  for (const [kernel, runs] of Object.entries(kernelRuns)) {
    for (const [variant, ns] of Object.entries(measure(n, runs))) {
      const pool = `${g.kernel[0]}x${g.kernel[1]}/s${g.stride[0]}/p${g.padding[0]}`;
      console.log(JSON.stringify({ bench: 'pool', kernel, shape, pool, variant, nsPerElement: Number(ns.toFixed(4)) }));
    }
  }
}
