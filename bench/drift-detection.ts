/**
 * Detection delay and false alarms of the drift detectors on streams with one known change
 * point, over many seeds. One JSON line per detector and stream:
 * `{ "bench": "drift-detection", detector, stream, seeds, changeAt, falseAlarmRate, ... }`.
 *
 * - `falseAlarmRate`: the fraction of runs with at least one drift signalled before the
 *   change (on the stationary prefix of `changeAt` values); `falseAlarmsPer1000` counts them all.
 * - `detectionRate`: the fraction of runs with a drift signalled at or after the change,
 *   within `length − changeAt` values; `delay*` (values after the change until the first
 *   such signal: 0 when it fires on the first changed value) over those runs.
 *
 * Run with `npx tsx bench/drift-detection.ts [seeds]` (default 200 seeds). The tests
 * (test/streams/online/detection.test.ts) run the same measurement on 30 seeds.
 *
 * Then, for examples/online-drift.ts, the detector on a learner's loss: the SEA stream
 * (20,000 samples, θ 8 → 9 → 7 → 9.5 at 5,000, 10,000 and 15,000, 5% noise), the example's
 * MLP and Adam learning it prequentially in batches of 10, Page-Hinkley on the batch loss and
 * the learning rate ×3 for 100 steps after each drift, seeds 1-5. One JSON line per setting
 * (`bench: "drift-detection/sea-prequential"`): changes detected (the first signal after a
 * change and before the next), their delays in samples, and false alarms (every other signal).
 */
import { pathToFileURL } from 'node:url';
import { Rng, deriveSeed } from '../src/ops/index.js';
import { Adwin } from '../src/streams/online/adwin.js';
import { Ddm } from '../src/streams/online/ddm.js';
import type { DetectorFactory } from '../src/streams/online/drift.js';
import { PageHinkley } from '../src/streams/online/page-hinkley.js';
import { type MonoTypeOperatorFunction, filter, lastValueFrom, map, toArray } from 'rxjs';
import { tensor } from '../src/ops/index.js';
import { adam, crossEntropy, dense, relu, sequential } from '../src/models/index.js';
import { batch } from '../src/streams/batch.js';
import { sea } from '../src/streams/online/generators/sea.js';
import { prequential } from '../src/streams/online/prequential.js';
import { type DriftTrainEvent, boostLearningRate, onDrift } from '../src/streams/online/on-drift.js';
import { driftDetector } from '../src/callbacks/drift-detector.js';

/** A stream of numbers whose distribution changes once, at `changeAt`. */
export interface ChangeStream {
  readonly name: string;
  readonly changeAt: number;
  readonly length: number;
  /** The value at time t, drawn from `rng`. */
  draw(rng: Rng, t: number): number;
}

/** Error indicators: Bernoulli(0.1) for 1000 values, then Bernoulli(0.5) for 1000. */
export const bernoulliShift: ChangeStream = {
  name: 'bernoulli 0.1 -> 0.5 at 1000',
  changeAt: 1000,
  length: 2000,
  draw: (rng, t) => (rng.uniform() < (t < 1000 ? 0.1 : 0.5) ? 1 : 0),
};

/** A one-sigma mean shift: N(0, 1) for 1000 values, then N(1, 1) for 1000. */
export const gaussianShift: ChangeStream = {
  name: 'gaussian N(0,1) -> N(1,1) at 1000',
  changeAt: 1000,
  length: 2000,
  draw: (rng, t) => (t < 1000 ? 0 : 1) + rng.normal(),
};

/** What `measure` reports. */
export interface DetectionFigures {
  readonly seeds: number;
  readonly falseAlarmRate: number;
  readonly falseAlarmsPer1000: number;
  readonly detectionRate: number;
  readonly delayMedian: number;
  readonly delayP95: number;
  readonly delayMax: number;
}

/** Runs a fresh detector over the stream for each seed `0 .. seeds − 1` and summarizes its signals. */
export function measure(create: DetectorFactory, stream: ChangeStream, seeds: number): DetectionFigures {
  let runsWithFalseAlarm = 0;
  let falseAlarms = 0;
  const delays: number[] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const rng = new Rng(deriveSeed(seed, 1));
    const detector = create();
    let alarmed = false;
    for (let t = 0; t < stream.length; t++) {
      const signal = detector.update(stream.draw(rng, t));
      if (signal?.level !== 'drift') continue;
      if (t < stream.changeAt) {
        alarmed = true;
        falseAlarms += 1;
      } else {
        delays.push(t - stream.changeAt);
        break;
      }
    }
    if (alarmed) runsWithFalseAlarm += 1;
  }
  delays.sort((a, b) => a - b);
  const rank = (q: number): number => (delays.length === 0 ? NaN : delays[Math.ceil(q * delays.length) - 1]);
  return {
    seeds,
    falseAlarmRate: runsWithFalseAlarm / seeds,
    falseAlarmsPer1000: (1000 * falseAlarms) / (seeds * stream.changeAt),
    detectionRate: delays.length / seeds,
    delayMedian: rank(0.5),
    delayP95: rank(0.95),
    delayMax: delays.length === 0 ? NaN : delays[delays.length - 1],
  };
}

/** The detectors and streams measured: defaults, and a setting with fewer false alarms where the defaults have many. */
export const cases: readonly { detector: string; options: string; create: DetectorFactory; stream: ChangeStream }[] = [
  { detector: 'ddm', options: 'defaults', create: () => new Ddm(), stream: bernoulliShift },
  { detector: 'ddm', options: 'minInstances 200', create: () => new Ddm({ minInstances: 200 }), stream: bernoulliShift },
  { detector: 'adwin', options: 'defaults', create: () => new Adwin(), stream: bernoulliShift },
  { detector: 'pageHinkley', options: 'defaults', create: () => new PageHinkley(), stream: bernoulliShift },
  { detector: 'adwin', options: 'defaults', create: () => new Adwin(), stream: gaussianShift },
  { detector: 'pageHinkley', options: 'defaults', create: () => new PageHinkley(), stream: gaussianShift },
  { detector: 'pageHinkley', options: 'lambda 100', create: () => new PageHinkley({ lambda: 100 }), stream: gaussianShift },
];

/** Settings of Page-Hinkley on the SEA learner's loss: the example's old and tuned ones. */
export const seaSettings = [
  { options: 'delta 0.005, lambda 3, minInstances 50 (before tuning)', create: () => new PageHinkley({ delta: 0.005, lambda: 3, minInstances: 50 }) },
  { options: 'delta 0.03, lambda 2, alpha 1, minInstances 200 (examples/online-drift.ts)', create: () => new PageHinkley({ delta: 0.03, lambda: 2, alpha: 1, minInstances: 200 }) },
] as const;

/** The samples at which `create`'s detector signalled drift while the example's learner followed SEA (seed `seed`). */
export async function seaDrifts(create: DetectorFactory, seed: number, driftAt: readonly number[], count: number): Promise<number[]> {
  const batchSize = 10;
  const model = sequential([dense(16), relu(), dense(2)], { inputShape: [3], seed });
  const optimizer = adam(model, { lr: 0.01 });
  return lastValueFrom(
    sea({ count, driftAt, seed, noise: 0.05 }).pipe(
      map((s) => ({ x: tensor(Array.from(s.x.data, (v) => v / 10)), y: s.y })),
      batch(batchSize),
      prequential({ model, loss: crossEntropy, optimizer, metrics: ['accuracy'], window: 500, sampleLoss: (p, t) => crossEntropy(p, t, { reduction: 'none' }).data, reportEvery: count }),
      driftDetector(create, { on: 'loss' }),
      onDrift(boostLearningRate({ factor: 3, steps: 100 })) as MonoTypeOperatorFunction<DriftTrainEvent>,
      filter((e): e is Extract<DriftTrainEvent, { type: 'drift' }> => e.type === 'drift'),
      map((e) => (e.position + 1) * batchSize),
      toArray(),
    ),
  );
}

async function seaMain(): Promise<void> {
  const driftAt = [5000, 10000, 15000];
  const count = 20_000;
  const seeds = [1, 2, 3, 4, 5];
  const bounds = [...driftAt, count];
  for (const { options, create } of seaSettings) {
    const delays: (number | null)[] = [];
    let falseAlarms = 0;
    for (const seed of seeds) {
      const signals = await seaDrifts(create, seed, driftAt, count);
      const found = driftAt.map((d, i) => signals.find((s) => s > d && s <= bounds[i + 1]));
      delays.push(...found.map((s, i) => (s === undefined ? null : s - driftAt[i])));
      falseAlarms += signals.filter((s) => !found.includes(s)).length;
    }
    const caught = delays.filter((d): d is number => d !== null).sort((a, b) => a - b);
    console.log(
      JSON.stringify({
        bench: 'drift-detection/sea-prequential', detector: 'pageHinkley', options, seeds: seeds.length, changes: delays.length,
        detected: caught.length, falseAlarms, delayMedian: caught[Math.floor(caught.length / 2)] ?? null, delays,
      }),
    );
  }
}

function main(): void {
  const seeds = Number(process.argv[2] ?? 200);
  for (const { detector, options, create, stream } of cases) {
    const started = performance.now();
    const figures = measure(create, stream, seeds);
    const ms = Number((performance.now() - started).toFixed(1));
    console.log(
      JSON.stringify({ bench: 'drift-detection', detector, options, stream: stream.name, changeAt: stream.changeAt, ...figures, ms }),
    );
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
  await seaMain();
}
