/**
 * Where a training step spends its time, outside and inside GEMM: one JSON line per phase
 * of a whole step, then one line per non-GEMM op at the shapes that step uses.
 *
 * - `step`: the LeNet step (`conv(8,5x5,pad 2)-relu-maxpool2-conv(16,5x5)-relu-maxpool2-flatten-
 *   dense(10)`, batch 64) and the MLP step (784-128-64-10 with ReLU, batch 64), each with
 *   cross-entropy and Adam, split into `zeroGrad`, `forward`, `loss`, `backward` and `update`,
 *   with samples/s for the whole step.
 * - `op`: each op of the LeNet step other than the dense layer's GEMM alone (forward and, where
 *   it has one, forward plus backward), so a change to one op can be measured without the noise
 *   of a whole step. The convolutions' backward gives both the input and the weight gradient.
 *
 * Every line is `{ "bench", "model" | "op", "params", "ms", ... }` with `ms` the median wall
 * time over `repeats` timed runs after a warm-up; the whole-step line adds the median CPU time
 * (`cpuMs`, `cpuSamplesPerSec`), steadier when the machine is shared.
 *
 * Run: `npx tsx bench/step-profile.ts [repeats] [step|op ...]` (default 20 repeats, both).
 *
 * For a profile by function: `node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof
 * bench/step-profile.ts 60 step`, then `npx tsx bench/step-profile.ts summarise
 * /tmp/prof/<file>.cpuprofile [rows]` prints one JSON line per function, heaviest first, with
 * its self time and share (functions V8 inlined count toward their caller).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  Rng,
  type Tensor,
  add,
  backward,
  conv2d as conv2dOp,
  logSoftmax,
  maxPool2d as maxPool2dOp,
  randn,
  relu as reluOp,
  sum,
  tensor,
} from '../src/ops/index.js';
import {
  type Sequential,
  adam,
  conv2d,
  crossEntropy,
  dense,
  flatten,
  maxPool2d,
  relu,
  sequential,
} from '../src/models/index.js';

const batch = 64;
const round = (v: number, digits = 3) => Number(v.toFixed(digits));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time of `fn` in ms over `runs` runs after one warm-up. */
function time(fn: () => void, runs: number): number {
  fn();
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
  }
  return median(wall);
}

function lenet(): Sequential {
  return sequential(
    [
      conv2d({ filters: 8, kernelSize: 5, padding: 2 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      conv2d({ filters: 16, kernelSize: 5 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      flatten(),
      dense(10),
    ],
    { inputShape: [1, 28, 28], seed: 1 },
  );
}

function mlp(): Sequential {
  return sequential([dense(128), relu(), dense(64), relu(), dense(10)], { inputShape: [784], seed: 1 });
}

/** Times each phase of a training step, accumulating per-phase times over `repeats` steps. */
function profileStep(name: string, model: Sequential, x: Tensor, target: Tensor, repeats: number): void {
  const opt = adam(model, { lr: 1e-3 });
  const phases: Record<'zeroGrad' | 'forward' | 'loss' | 'backward' | 'update' | 'step', number[]> = {
    zeroGrad: [],
    forward: [],
    loss: [],
    backward: [],
    update: [],
    step: [],
  };
  const cpu: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    opt.zeroGrad();
    const t1 = performance.now();
    const logits = model.forward(x);
    const t2 = performance.now();
    const loss = crossEntropy(logits, target);
    const t3 = performance.now();
    backward(loss);
    const t4 = performance.now();
    opt.step();
    const t5 = performance.now();
    const c = process.cpuUsage(c0);
    if (r === 0) continue; // warm-up
    cpu.push((c.user + c.system) / 1000);
    phases.zeroGrad.push(t1 - t0);
    phases.forward.push(t2 - t1);
    phases.loss.push(t3 - t2);
    phases.backward.push(t4 - t3);
    phases.update.push(t5 - t4);
    phases.step.push(t5 - t0);
  }
  const step = median(phases.step);
  for (const [phase, ms] of Object.entries(phases)) {
    const line: Record<string, unknown> = { bench: 'step', model: name, phase, params: { batch }, ms: round(median(ms)) };
    if (phase === 'step') {
      // CPU time is steadier than wall time on a shared machine (the step is single-threaded).
      line.cpuMs = round(median(cpu));
      line.samplesPerSec = Math.round(batch / (step / 1000));
      line.cpuSamplesPerSec = Math.round(batch / (median(cpu) / 1000));
    }
    console.log(JSON.stringify(line));
  }
}

/** Times one op's forward, and forward plus backward with a ones seed. */
function profileOp(op: string, shape: number[], f: (x: Tensor) => Tensor, rng: Rng, repeats: number): void {
  const x = randn(shape, rng);
  const forward = time(() => f(x), repeats);
  const trainable = randn(shape, rng);
  trainable.requiresGrad = true;
  const both = time(() => {
    const y = f(trainable);
    backward(y, y); // the output itself as the seed: any tensor of its shape will do
    trainable.grad = null;
  }, repeats);
  console.log(JSON.stringify({ bench: 'op', op, params: { shape }, ms: round(forward), msWithBackward: round(both) }));
}

function profileOps(repeats: number, rng: Rng): void {
  const bias8 = randn([8, 1, 1], rng);
  const bias128 = randn([128], rng);
  const labels = tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch]);
  const w1 = randn([8, 1, 5, 5], rng);
  const w2 = randn([16, 8, 5, 5], rng);
  w1.requiresGrad = true;
  w2.requiresGrad = true;
  profileOp('conv2d 8@5x5 pad 2 (no bias)', [batch, 1, 28, 28], (x) => conv2dOp(x, w1, { padding: 2 }), rng, repeats);
  profileOp('conv2d 16@5x5 (no bias)', [batch, 8, 14, 14], (x) => conv2dOp(x, w2), rng, repeats);
  profileOp('relu', [batch, 8, 28, 28], reluOp, rng, repeats);
  profileOp('relu', [batch, 128], reluOp, rng, repeats);
  profileOp('maxPool2d 2x2', [batch, 8, 28, 28], (x) => maxPool2dOp(x, { kernelSize: 2 }), rng, repeats);
  profileOp('add bias [N,C,H,W]+[C,1,1]', [batch, 8, 28, 28], (x) => add(x, bias8), rng, repeats);
  profileOp('add bias [N,C]+[C]', [batch, 128], (x) => add(x, bias128), rng, repeats);
  profileOp('add same shape', [batch, 8, 28, 28], (x) => add(x, x), rng, repeats);
  profileOp('sum over N,H,W', [batch, 8, 28, 28], (x) => sum(x, [0, 2, 3]), rng, repeats);
  profileOp('sum over N', [batch, 128], (x) => sum(x, 0), rng, repeats);
  profileOp('logSoftmax', [batch, 10], (x) => logSoftmax(x, 1), rng, repeats);
  profileOp('crossEntropy', [batch, 10], (x) => crossEntropy(x, labels), rng, repeats);
  profileOp('flatten', [batch, 16, 5, 5], (x) => x.reshape([batch, 400]), rng, repeats);
}

/** The parts of a V8 `.cpuprofile` this script reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Prints the `rows` functions with the most self time in a `.cpuprofile`, one JSON line each. */
function summarise(file: string, rows: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const names = new Map(profile.nodes.map((n) => [n.id, `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`]));
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const name = names.get(id) ?? '?';
    const us = profile.timeDeltas[i] ?? 0;
    selfUs.set(name, (selfUs.get(name) ?? 0) + us);
    totalUs += us;
  });
  const heaviest = [...selfUs].sort((a, b) => b[1] - a[1]).slice(0, rows);
  for (const [fn, us] of heaviest) {
    console.log(JSON.stringify({ bench: 'selfTime', fn, ms: Math.round(us / 1000), share: round(us / totalUs, 3) }));
  }
}

const args = process.argv.slice(2);
if (args[0] === 'summarise') {
  summarise(args[1], args[2] === undefined ? 30 : Number(args[2]));
} else {
  const repeats = args[0] === undefined ? 20 : Number(args[0]);
  const chosen = args.slice(1);
  const wants = (g: string) => chosen.length === 0 || chosen.includes(g);
  const rng = new Rng(0);
  if (wants('step')) {
    const labels = tensor(Array.from({ length: batch }, (_, i) => i % 10), [batch]);
    profileStep('lenet', lenet(), randn([batch, 1, 28, 28], rng), labels, repeats);
    profileStep('mlp', mlp(), randn([batch, 784], rng), labels, repeats);
  }
  if (wants('op')) profileOps(repeats, rng);
}
