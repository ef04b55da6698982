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
 */
import { pathToFileURL } from 'node:url';
import { Rng, deriveSeed } from '../src/ops/index.js';
import { Adwin } from '../src/streams/online/adwin.js';
import { Ddm } from '../src/streams/online/ddm.js';
import type { DetectorFactory } from '../src/streams/online/drift.js';
import { PageHinkley } from '../src/streams/online/page-hinkley.js';

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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
