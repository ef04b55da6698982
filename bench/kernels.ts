/**
 * Reference versus fast kernels, one JSON line per measurement:
 * `{ "bench", "backend", "params", "ms", "cpuMs", ...rates }`, then one line per case with
 * `"backend": "speedup"` giving reference/fast for wall and CPU time.
 *
 * - `matmul`: square `n×n` GEMM kernels, `n` = 64, 128, 256, 512, with GFLOP/s (`2n³` flops).
 * - `conv2d forward` / `input grad` / `weight grad`: the kernels of the two convolutions of the
 *   MNIST LeNet example at batch 64 (1→8 channels 5×5 pad 2 on 28×28; 8→16 channels 5×5 on 14×14).
 * - `lenet forward` / `lenet train step`: the whole network
 *   `conv(8,5x5,pad 2)-relu-pool-conv(16,5x5)-relu-pool-flatten-dense(64)-relu-dense(10)` on a
 *   batch of 64 through the ops (the train step adds cross-entropy, backward and an SGD update),
 *   with samples/s. Only the conv and matmul kernels differ between the backends; the other ops
 *   (relu, pooling, sums) cost the same in both.
 *
 * Each group runs in a child process per backend (chosen with `STREAMGRAD_KERNELS`), so neither
 * backend's JIT feedback or heap state leaks into the other's timings. In a child every case gets
 * one warm-up run and then `repeats` timed runs; `ms` is the median wall time and `cpuMs` the
 * median CPU time of the process (steadier when the machine is shared).
 *
 * Run (no build needed): `npx tsx bench/kernels.ts [repeats] [group ...]`, groups `matmul`,
 * `conv`, `lenet` (default all, 7 repeats).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Rng, backward, noGrad, randn, tensor } from '../src/ops/index.js';
import { type KernelBackend, getKernelBackend, kernels } from '../src/ops/kernels/backend.js';
import type { ConvGeometry } from '../src/ops/kernels/conv2d.js';
import { conv2d, crossEntropy, dense, flatten, maxPool2d, relu, sequential } from '../src/models/index.js';

const groups = ['matmul', 'conv', 'lenet'] as const;
type Group = (typeof groups)[number];
const backends: KernelBackend[] = ['reference', 'fast'];

interface Timing {
  ms: number;
  cpuMs: number;
}

interface Line extends Timing {
  bench: string;
  backend: string;
  params: Record<string, unknown>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** One warm-up run, then `runs` timed runs; medians of wall and CPU time. */
function time(fn: () => void, runs: number): Timing {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(wall), cpuMs: median(cpu) };
}

function emit(bench: string, params: Record<string, unknown>, t: Timing, rates: Record<string, number> = {}): void {
  const line = { bench, backend: getKernelBackend(), params, ms: round(t.ms), cpuMs: round(t.cpuMs), ...rates };
  console.log(JSON.stringify(line));
}

/** The LeNet convolutions at batch 64: 5×5 kernels, stride 1. */
function lenetLayer(inChannels: number, size: number, outChannels: number, pad: number): ConvGeometry {
  const out = size + 2 * pad - 4;
  return {
    batch: 64,
    inChannels,
    height: size,
    width: size,
    outChannels,
    kernelHeight: 5,
    kernelWidth: 5,
    outHeight: out,
    outWidth: out,
    stride: [1, 1],
    dilation: [1, 1],
    padTop: pad,
    padLeft: pad,
  };
}

function benchMatmul(repeats: number, rng: Rng): void {
  const gemm = kernels().gemm;
  for (const n of [64, 128, 256, 512]) {
    const a = randn([n, n], rng).data;
    const b = randn([n, n], rng).data;
    const out = new Float32Array(n * n);
    // Small products run several times per sample so the clock resolves them.
    const inner = Math.max(1, Math.round(256 / n) ** 3);
    const t = time(() => {
      for (let i = 0; i < inner; i++) gemm(a, 0, b, 0, out, 0, n, n, n, false, false);
    }, n === 512 ? Math.min(repeats, 3) : repeats);
    const flops = inner * 2 * n ** 3;
    emit('matmul', { n, inner }, t, { gflops: round(flops / (t.ms * 1e6)), cpuGflops: round(flops / (t.cpuMs * 1e6)) });
  }
}

function benchConv(repeats: number, rng: Rng): void {
  const k = kernels();
  const layers: Array<[string, ConvGeometry]> = [
    ['conv1 1->8 5x5 pad 2, 28x28', lenetLayer(1, 28, 8, 2)],
    ['conv2 8->16 5x5, 14x14', lenetLayer(8, 14, 16, 0)],
  ];
  for (const [layer, g] of layers) {
    const x = randn([g.batch, g.inChannels, g.height, g.width], rng).data;
    const w = randn([g.outChannels, g.inChannels, 5, 5], rng).data;
    const bias = randn([g.outChannels], rng).data;
    const gy = randn([g.batch, g.outChannels, g.outHeight, g.outWidth], rng).data;
    const params = { layer, batch: g.batch };
    emit('conv2d forward', params, time(() => k.conv2dForward(x, w, bias, g), repeats));
    emit('conv2d input grad', params, time(() => k.conv2dInputGrad(gy, w, g), repeats));
    emit('conv2d weight grad', params, time(() => k.conv2dWeightGrad(x, gy, g), repeats));
  }
}

function benchLenet(repeats: number, rng: Rng): void {
  const batch = 64;
  const x = randn([batch, 1, 28, 28], rng);
  const target = tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch]);
  const model = sequential(
    [
      conv2d({ filters: 8, kernelSize: 5, padding: 2 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      conv2d({ filters: 16, kernelSize: 5 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      flatten(),
      dense(64),
      relu(),
      dense(10),
    ],
    { inputShape: [1, 28, 28], seed: 1 },
  );
  const params = model.parameters();
  const step = () => {
    for (const p of params) p.grad = null;
    backward(crossEntropy(model.forward(x), target));
    // Plain SGD, so the step has an update without pulling in optimizer state.
    for (const p of params) {
      const g = p.grad?.data;
      if (g === undefined) continue;
      for (let i = 0; i < g.length; i++) p.data[i] -= 1e-3 * g[i];
    }
  };
  const perSample = (t: Timing) => ({ samplesPerSec: Math.round(batch / (t.ms / 1000)) });
  const forward = time(() => noGrad(() => model.forward(x)), repeats);
  emit('lenet forward', { batch }, forward, perSample(forward));
  const train = time(step, repeats);
  emit('lenet train step', { batch }, train, perSample(train));
}

/** Runs one group under the backend this process was started with, printing its lines. */
function runChild(group: Group, repeats: number): void {
  const rng = new Rng(0);
  if (group === 'matmul') benchMatmul(repeats, rng);
  if (group === 'conv') benchConv(repeats, rng);
  if (group === 'lenet') benchLenet(repeats, rng);
}

/** Runs `group` in a fresh process per backend and prints every line plus the speedups. */
function runGroup(group: Group, repeats: number): void {
  const lines: Line[] = [];
  for (const backend of backends) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child', group, String(repeats)], {
      env: { ...process.env, STREAMGRAD_KERNELS: backend },
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (child.status !== 0) throw new Error(`bench ${group} (${backend}) failed:\n${child.stderr}`);
    for (const text of child.stdout.split('\n').filter((l) => l.startsWith('{'))) {
      console.log(text);
      lines.push(JSON.parse(text) as Line);
    }
  }
  for (const ref of lines.filter((l) => l.backend === 'reference')) {
    const key = JSON.stringify([ref.bench, ref.params]);
    const fast = lines.find((l) => l.backend === 'fast' && JSON.stringify([l.bench, l.params]) === key);
    if (fast === undefined) continue;
    const speedup = { wall: round(ref.ms / fast.ms, 2), cpu: round(ref.cpuMs / fast.cpuMs, 2) };
    console.log(JSON.stringify({ bench: ref.bench, backend: 'speedup', params: ref.params, ...speedup }));
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  runChild(args[1] as Group, Number(args[2]));
} else {
  const repeats = args[0] === undefined ? 7 : Number(args[0]);
  const chosen = args.slice(1) as Group[];
  for (const group of chosen.length > 0 ? chosen : groups) {
    if (!groups.includes(group)) throw new Error(`bench/kernels: unknown group "${group}", expected one of ${groups.join(', ')}`);
    runGroup(group, repeats);
  }
}
