/**
 * The training benchmark against TensorFlow.js (`cpu` and `wasm` backends) and ConvNetJS: every
 * (library, workload) pair of `plan.ts` in its own child process (so peak memory and JIT state
 * do not mix), the same data in the same order for all, then ratio lines.
 *
 * Prints JSON lines: `{ "bench": "env", "node", "cpu", "cores", "commit", "kernelChanges" }`
 * (the kernel files that differ from the commit); `{ "bench": "load", "when", "loadavg" }`
 * before and after (the machine may be shared: compare `samplesPerSec`, wall time, with
 * `cpuPerSec`, process CPU time); one line per run (see `measure.ts`); `{ "bench": "ratio", "what", "ratio", "cpuRatio", "target" }` per
 * ratio, streamgrad's `trainStep` runs against each peer; and `{ "bench": "ratio", "what":
 * "... streamgrad trainStep/loop" }` for the cost of the operator over a hand-written loop.
 *
 * Run (no build needed): `npx tsx bench/training/index.ts [filter ...]`, where a filter keeps
 * the runs whose `library bench` contains it (`train-mlp`, `tfjs-wasm`, ...). About 6 minutes
 * of CPU time on 2 cores; much longer in wall time when the machine is busy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { RATIOS, RUNS, type Run } from './plan.js';

interface Line {
  bench: string;
  library: string;
  samplesPerSec?: number;
  charsPerSec?: number;
  cpuPerSec?: number;
  error?: string;
  params?: { loop?: string };
}

/** A child that runs longer is stopped and reported as an error (tfjs-cpu's LSTM batch takes minutes on a busy machine). */
const TIMEOUT_MS = 600_000;

/** Node, CPU and the source revision (with the kernel files that differ from it, since kernels change often). */
function printEnvironment(): void {
  const git = (...args: string[]): string | null => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const changed = git('status', '--porcelain', '--', 'src/ops/kernels');
  const kernelChanges = changed === null || changed === '' ? [] : changed.split('\n').map((l) => l.trim());
  const cpu = cpus();
  const env = { bench: 'env', node: process.version, cpu: cpu[0]?.model ?? null, cores: cpu.length, commit: git('rev-parse', '--short', 'HEAD'), kernelChanges };
  console.log(JSON.stringify(env));
}

function printLoad(when: 'before' | 'after'): void {
  console.log(JSON.stringify({ bench: 'load', when, loadavg: loadavg().map((v) => Number(v.toFixed(2))) }));
}

/** Runs one child with tsx's loader and returns its JSON lines (or one error line). */
function runChild(run: Run): Line[] {
  const args = [run.bench, '--warmup', String(run.warmup), '--batches', String(run.batches)];
  if (run.variant !== undefined) args.push('--variant', run.variant);
  const child = spawnSync(process.execPath, ['--import', 'tsx', run.script, ...args], { encoding: 'utf8', timeout: TIMEOUT_MS });
  const lines = child.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
  if (child.status === 0 && lines.length > 0) return lines;
  const timedOut = (child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  if (timedOut) return [{ bench: run.bench, library: run.library, error: `stopped after the ${TIMEOUT_MS / 1000} s time limit` }];
  const reason = child.error?.message ?? child.stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? `exit ${child.status}`;
  return [{ bench: run.bench, library: run.library, error: reason }];
}

const rate = (l: Line): number | undefined => l.samplesPerSec ?? l.charsPerSec;
const round = (v: number): number => Number(v.toFixed(2));

function ratioLine(what: string, a: Line | undefined, b: Line | undefined, target: number | null): void {
  const ra = a && rate(a);
  const rb = b && rate(b);
  if (ra === undefined || rb === undefined || a?.cpuPerSec === undefined || b?.cpuPerSec === undefined) {
    console.log(JSON.stringify({ bench: 'ratio', what, ratio: null, target, note: 'a run is missing or failed' }));
    return;
  }
  const line = { bench: 'ratio', what, ratio: round(ra / rb), cpuRatio: round(a.cpuPerSec / b.cpuPerSec), target };
  console.log(JSON.stringify(target === null ? line : { ...line, met: ra / rb >= target }));
}

const filters = process.argv.slice(2);
const runs = RUNS.filter((r) => filters.length === 0 || filters.some((f) => `${r.library} ${r.bench}`.includes(f)));
printEnvironment();
printLoad('before');
const results: Line[] = [];
for (const run of runs) {
  for (const line of runChild(run)) {
    console.log(JSON.stringify(line));
    results.push(line);
  }
}
printLoad('after');

const find = (bench: string, library: string, loop = 'trainStep') =>
  results.find((l) => l.bench === bench && l.library === library && l.error === undefined && (library !== 'streamgrad' || l.params?.loop === loop || bench.startsWith('infer')));
for (const r of RATIOS) {
  if (!results.some((l) => l.bench === r.bench && l.library === r.denominator)) continue;
  ratioLine(`${r.bench} ${r.numerator}/${r.denominator}`, find(r.bench, r.numerator), find(r.bench, r.denominator), r.target);
}
for (const bench of ['train-mlp', 'train-cnn', 'train-lstm']) {
  if (find(bench, 'streamgrad') && find(bench, 'streamgrad', 'loop')) {
    ratioLine(`${bench} streamgrad trainStep/loop`, find(bench, 'streamgrad'), find(bench, 'streamgrad', 'loop'), null);
  }
}
