/**
 * `npm run bench`: every benchmark that finishes in a few minutes, one JSON line per
 * measurement (`{ "bench": name, "params": {...}, ... }`). This file times the built package's
 * default kernels; it then runs, each in its own process, the kernel comparison
 * (`bench/kernels.ts`, reference vs fast), the elementwise loops and pooling (`bench/elementwise.ts`,
 * `bench/pool.ts`, TypeScript vs WASM) and the online throughput (`bench/online-throughput.ts`,
 * needs `redis-server` on the PATH). The long ones have their own scripts:
 * `npm run bench:memory`, `bench:drift`, `bench:prequential`.
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Rng, backward, conv2d, getKernelBackend, matmul, maxPool2d, mean, randn, relu } from 'streamgrad';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, repeats: number): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

function emit(bench: string, params: Record<string, unknown>, ms: number, extra: Record<string, number>): void {
  console.log(JSON.stringify({ bench, params, ms: Number(ms.toFixed(3)), ...extra }));
}

const rng = new Rng(0);

for (const n of [64, 128, 256]) {
  const a = randn([n, n], rng);
  const b = randn([n, n], rng);
  const ms = time(() => matmul(a, b), 5);
  emit('matmul', { n, kernel: getKernelBackend() }, ms, { gflops: Number(((2 * n ** 3) / (ms * 1e6)).toFixed(3)) });
}

{
  // A LeNet-style first layer on an MNIST-sized batch: forward and backward.
  const x = randn([64, 1, 28, 28], rng);
  const w = randn([8, 1, 5, 5], rng, { requiresGrad: true });
  const forward = () => maxPool2d(relu(conv2d(x, w, { padding: 2 })), { kernelSize: 2 });
  const fwd = time(forward, 3);
  emit('conv2d+relu+maxPool2d forward', { batch: 64, in: [1, 28, 28], filters: 8, kernel: 5 }, fwd, {
    samplesPerSec: Math.round(64 / (fwd / 1000)),
  });
  const step = time(() => {
    w.grad = null;
    backward(mean(forward()));
  }, 3);
  emit('conv2d+relu+maxPool2d forward+backward', { batch: 64, in: [1, 28, 28], filters: 8, kernel: 5 }, step, {
    samplesPerSec: Math.round(64 / (step / 1000)),
  });
}

/** Runs another benchmark script in its own process and passes its JSON lines through. */
function runScript(script: string, args: string[] = []): void {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    for (const line of out.split('\n')) if (line.startsWith('{')) console.log(line);
  } catch (error) {
    console.log(JSON.stringify({ bench: script, error: (error as Error).message.split('\n')[0] }));
  }
}

runScript('bench/kernels.ts', ['3']);
runScript('bench/elementwise.ts', ['5']);
runScript('bench/pool.ts', ['5']);
runScript('bench/online-throughput.ts');
runScript('bench/training/index.ts');
