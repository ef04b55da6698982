/**
 * What a `WasmThreadPool` call costs, one JSON line per measurement
 * (`{ "bench", "params", "medianUs", "p10Us", "p90Us", ... }`), to choose the smallest problem
 * worth splitting across threads.
 *
 * - `main call`: one direct call of an empty export on the main thread (the floor).
 * - `dispatch`: `parallelFor` of an empty export with two jobs over one worker (the main thread
 *   takes one, the worker the other): the round trip wake, claim, check out, wake back.
 *   `back-to-back` calls follow each other at once (the calls of one forward pass); `after work`
 *   calls come after `gapUs` of main-thread work, so the worker has gone to sleep in between.
 * - `split`: two jobs of `work(iterations)` (a dependent float32 chain, a few ns per iteration)
 *   run one after the other on the main thread versus over the pool; `speedup` > 1 means the
 *   split pays at that job size.
 *
 * Run: `npx tsx bench/thread-dispatch.ts [calls]` (default 5000 calls per dispatch case).
 */
import asc from 'assemblyscript/asc';
import { performance } from 'node:perf_hooks';
import { WasmThreadPool } from '../src/ops/kernels/threads/pool.js';
import { wasm } from '../src/ops/kernels/threads/wasm-types.js';

const SOURCE = `
export function noop(): void {}
export function work(out: usize, iterations: i32): void {
  let x: f32 = 1;
  for (let i = 0; i < iterations; i++) x = x * 0.999999 + 0.000001;
  store<f32>(out, x);
}
`;

const calls = Number(process.argv[2] ?? 5000);

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Times `fn` `count` times (after `count / 10` warm-up calls); `before` runs untimed each time. */
function sample(fn: () => void, count: number, before: () => void = () => {}): number[] {
  for (let i = 0; i < Math.ceil(count / 10); i++) fn();
  const us: number[] = [];
  for (let i = 0; i < count; i++) {
    before();
    const t0 = performance.now();
    fn();
    us.push((performance.now() - t0) * 1000);
  }
  return us.sort((a, b) => a - b);
}

function emit(bench: string, params: Record<string, unknown>, sortedUs: number[], extra: Record<string, number> = {}): void {
  const medianUs = round(quantile(sortedUs, 0.5));
  const p10Us = round(quantile(sortedUs, 0.1));
  const p90Us = round(quantile(sortedUs, 0.9));
  const line = { bench, params, medianUs, p10Us, p90Us, ...extra };
  console.log(JSON.stringify(line));
}

function busyWait(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

const compiled = await asc.compileString(SOURCE, {
  importMemory: true, sharedMemory: true, initialMemory: 1, maximumMemory: 16,
  enable: ['threads', 'simd'], runtime: 'stub', optimizeLevel: 3,
});
if (compiled.binary === null) throw new Error(`asc: ${compiled.stderr.toString()}`);
const module = new wasm.Module(compiled.binary);
const memory = new wasm.Memory({ initial: 1, maximum: 16, shared: true });
const pool = new WasmThreadPool({ module, memory, threads: 2 });
const noop = pool.exports.noop as () => void;
const work = pool.exports.work as (out: number, iterations: number) => void;
// Let the worker start before timing anything.
pool.parallelFor('noop', [[], []]);

emit('thread dispatch', { case: 'main call', workers: 0 }, sample(() => noop(), calls));
const empty = [[], []];
const dispatch = () => pool.parallelFor('noop', empty);
emit('thread dispatch', { case: 'dispatch', mode: 'back-to-back', workers: 1, jobs: 2 }, sample(dispatch, calls));
for (const gapUs of [50, 500]) {
  emit('thread dispatch', { case: 'dispatch', mode: 'after work', gapUs, workers: 1, jobs: 2 },
    sample(dispatch, Math.min(calls, 1000), () => busyWait(gapUs)));
}

for (const iterations of [1_000, 10_000, 30_000, 100_000, 1_000_000]) {
  const jobs = [[64, iterations], [128, iterations]];
  const count = Math.max(20, Math.min(1000, Math.round(2e7 / iterations)));
  const sequential = sample(() => jobs.forEach(([out, n]) => work(out, n)), count);
  const split = sample(() => pool.parallelFor('work', jobs), count);
  emit('thread dispatch', { case: 'split', mode: 'sequential', iterations, jobs: 2 }, sequential);
  emit('thread dispatch', { case: 'split', mode: 'pool', iterations, workers: 1, jobs: 2 }, split, {
    speedup: round(quantile(sequential, 0.5) / quantile(split, 0.5)),
  });
}

await pool.close();
// The AssemblyScript compiler leaves the process slow to exit (seconds), so exit explicitly.
process.exit(0);
