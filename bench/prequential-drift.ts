/**
 * Prequential accuracy around an abrupt concept change on the rotating-hyperplane stream,
 * with and without drift handling by a real detector.
 *
 * Stream (`rotatingHyperplane`, Hulten et al. 2001): `dims` 5, label noise 5%, the plane
 * turning slowly (`driftSpeed` 0.001 per sample). At sample `t0` the stream switches to a
 * second rotating hyperplane with its own weights and directions (another seed) and its
 * positive side reversed (label 1 − y): an abrupt change of concept that makes most old
 * answers wrong, then the same slow rotation. Batches of 10.
 * Model: `dense(16) → relu → dense(2)`, cross-entropy, SGD lr 0.05, trained test-then-train
 * by `prequential` (`window` 200: the windowed accuracy is over the last 200 samples).
 *
 * Handling: `driftDetector` on the batch loss with a detector (ADWIN, Page-Hinkley, or DDM
 * on the batch error rate), followed by `onDrift(boostLearningRate({ factor: 10, steps: 50 }))`
 * (rate ×10 for the 50 steps = 500 samples after each drift).
 *
 * Measured per run: `pre`, the windowed accuracy just before `t0`; `min`, its lowest value
 * after `t0`; `recovery`, the samples after `t0` until the windowed accuracy, having fallen
 * more than `tolerance` (5 points) below `pre`, is back within `tolerance` of `pre` (null
 * when it never comes back in the run); `drifts`, the samples at which drift events fired
 * (the first at or after `t0` gives the detection delay). The window keeps the post-change
 * mistakes for `window` samples, so a recovery is at least about (samples to re-learn) + part
 * of the window, for both arms alike.
 *
 * Run: `npx tsx bench/prequential-drift.ts [seeds=5]` (about 20 s). One JSON line per run,
 * then one summary line per handling with medians over the seeds. The test
 * test/streams/online/prequential-drift.test.ts runs the same measurement on 3 seeds.
 */
import { pathToFileURL } from 'node:url';
import { type MonoTypeOperatorFunction, type Observable, concat, filter, lastValueFrom, map, toArray } from 'rxjs';
import { crossEntropy, dense, relu, sequential, sgd } from '../src/models/index.js';
import { tensor } from '../src/ops/index.js';
import { batch } from '../src/streams/batch.js';
import { driftDetector } from '../src/callbacks/drift-detector.js';
import type { BatchEndEvent, TrainEvent } from '../src/streams/train/events.js';
import type { Batch } from '../src/streams/types.js';
import type { DetectorFactory, TrainDriftEvent } from '../src/streams/online/drift.js';
import { Adwin } from '../src/streams/online/adwin.js';
import { Ddm } from '../src/streams/online/ddm.js';
import { PageHinkley } from '../src/streams/online/page-hinkley.js';
import { type DriftAction, boostLearningRate, onDrift } from '../src/streams/online/on-drift.js';
import { prequential } from '../src/streams/online/prequential.js';
import { rotatingHyperplane } from '../src/streams/online/generators/rotating-hyperplane.js';

/** The stream and learner of one measurement. */
export interface DriftSetup {
  readonly t0: number;
  readonly samples: number;
  readonly dims: number;
  readonly batchSize: number;
  readonly window: number;
  readonly lr: number;
  /** How close (in accuracy) to the pre-drift level counts as recovered. */
  readonly tolerance: number;
}

export const defaultSetup: DriftSetup = { t0: 6000, samples: 14_000, dims: 5, batchSize: 10, window: 200, lr: 0.05, tolerance: 0.05 };

/** A drift handling: a detector (on the batch loss, or on the batch error rate) and a reaction; `none` has neither. */
export interface Handling {
  readonly name: string;
  readonly create?: DetectorFactory;
  /** What the detector watches: the batch's loss, or its error rate (for DDM). @default 'loss' */
  readonly on?: 'loss' | 'error';
  readonly action?: () => DriftAction;
}

export const handlings: readonly Handling[] = [
  { name: 'none' },
  { name: 'adwin + boost lr', create: () => new Adwin({ delta: 0.002, direction: 'increase', clock: 8 }), action: () => boostLearningRate({ factor: 10, steps: 50 }) },
  { name: 'pageHinkley + boost lr', create: () => new PageHinkley({ delta: 0.05, lambda: 5, alpha: 1, minInstances: 50 }), action: () => boostLearningRate({ factor: 10, steps: 50 }) },
  { name: 'ddm(error) + boost lr', create: () => new Ddm({ minInstances: 100 }), on: 'error', action: () => boostLearningRate({ factor: 10, steps: 50 }) },
];

/** The stream: one rotating hyperplane until `t0`, then another (an abrupt change), in batches. */
export function hyperplaneWithChange(setup: DriftSetup, seed: number): Observable<Batch> {
  const common = { dims: setup.dims, driftSpeed: 0.001, noise: 0.05 };
  return concat(
    rotatingHyperplane({ ...common, seed: 2 * seed + 1, count: setup.t0 }),
    rotatingHyperplane({ ...common, seed: 2 * seed + 2, count: setup.samples - setup.t0 }).pipe(map((s) => ({ x: s.x, y: tensor(1 - s.y.item()) }))),
  ).pipe(batch(setup.batchSize));
}

/** What `measureRecovery` reports for one run. */
export interface RecoveryFigures {
  readonly handling: string;
  readonly seed: number;
  readonly pre: number;
  readonly min: number;
  readonly recovery: number | null;
  readonly drifts: number[];
  readonly finalWindow: number;
}

/** Runs the stream prequentially with `handling` and measures the drop at `t0` and the recovery. */
export async function measureRecovery(setup: DriftSetup, handling: Handling, seed: number): Promise<RecoveryFigures> {
  const model = sequential([dense(16), relu(), dense(2)], { inputShape: [setup.dims], seed });
  const optimizer = sgd(model, { lr: setup.lr });
  const drifts: number[] = [];
  const react: MonoTypeOperatorFunction<TrainEvent | TrainDriftEvent> =
    handling.create === undefined || handling.action === undefined
      ? (s) => s
      : (s) => s.pipe(driftDetector(handling.create!, { on: handling.on === 'error' ? batchErrorRate() : 'loss' }), onDrift(handling.action!()));
  const events = (await lastValueFrom(
    hyperplaneWithChange(setup, seed).pipe(
      prequential({ model, loss: crossEntropy, optimizer, metrics: ['accuracy'], window: setup.window, reportEvery: setup.window }),
      react,
      filter((e): e is BatchEndEvent | TrainDriftEvent => e.type === 'batchEnd' || e.type === 'drift'),
      map((e) => {
        if (e.type === 'drift') drifts.push((e.position + 1) * setup.batchSize);
        return e;
      }),
      filter((e): e is BatchEndEvent => e.type === 'batchEnd'),
      toArray(),
    ),
  )) as BatchEndEvent[];
  const windowed = events.map((e) => e.logs.window_accuracy);
  const at = setup.t0 / setup.batchSize - 1;
  const pre = windowed[at];
  return {
    handling: handling.name,
    seed,
    pre: round(pre),
    min: round(Math.min(...windowed.slice(at + 1))),
    recovery: recovery(windowed, pre, setup),
    drifts,
    finalWindow: round(windowed.at(-1)!),
  };
}

/**
 * The batch's error rate, from the running accuracy after it and after the batch before
 * (prequential logs hold the running, windowed and faded accuracy, not the batch's own):
 * DDM's input. One per run: it keeps the previous count.
 */
function batchErrorRate(): (event: BatchEndEvent) => number {
  let correctBefore = 0;
  return (event) => {
    const correct = event.logs.accuracy * event.context.position().samples;
    const errors = event.size - Math.round(correct - correctBefore);
    correctBefore = correct;
    return Math.min(1, Math.max(0, errors / event.size));
  };
}

/** Samples after t0 until `series` (per batch) is back within `tolerance` of `pre` after falling below it; null if never. */
function recovery(series: readonly number[], pre: number, setup: DriftSetup): number | null {
  const first = setup.t0 / setup.batchSize;
  let fell = false;
  for (let i = first; i < series.length; i++) {
    if (series[i] < pre - setup.tolerance) fell = true;
    else if (fell) return (i + 1) * setup.batchSize - setup.t0;
  }
  return fell ? null : 0;
}

const round = (v: number) => Number(v.toFixed(4));

/** The median, with null (never recovered) counted as +∞. */
export function median(xs: readonly (number | null)[]): number | null {
  const s = xs.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  return Number.isFinite(m) ? m : null;
}

async function main(): Promise<void> {
  const seeds = Array.from({ length: Number(process.argv[2] ?? 5) }, (_, i) => i + 1);
  for (const handling of handlings) {
    const runs: RecoveryFigures[] = [];
    for (const seed of seeds) {
      const started = performance.now();
      const result = await measureRecovery(defaultSetup, handling, seed);
      console.log(JSON.stringify({ bench: 'prequential-drift', ...result, ms: Math.round(performance.now() - started) }));
      runs.push(result);
    }
    const delays = runs.map((r) => r.drifts.find((s) => s >= defaultSetup.t0)).map((s) => (s === undefined ? null : s - defaultSetup.t0));
    console.log(
      JSON.stringify({
        bench: 'prequential-drift/summary',
        stream: 'rotatingHyperplane dims 5, abrupt change at t0',
        handling: handling.name,
        seeds: seeds.length,
        t0: defaultSetup.t0,
        window: defaultSetup.window,
        tolerance: defaultSetup.tolerance,
        median_pre: median(runs.map((r) => r.pre)),
        median_min: median(runs.map((r) => r.min)),
        median_recovery: median(runs.map((r) => r.recovery)),
        recoveries: runs.map((r) => r.recovery),
        not_recovered: runs.filter((r) => r.recovery === null).length,
        median_detection_delay: handling.create === undefined ? null : median(delays),
        false_alarms_before_t0: runs.reduce((n, r) => n + r.drifts.filter((s) => s < defaultSetup.t0).length, 0),
      }),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
