/**
 * Prequential accuracy around an abrupt concept drift, with and without a simple reaction.
 *
 * Stream: points uniform in [-1, 1]², in batches of 10, seeded. Before sample `t0` the
 * label is 1 when `x₀ + x₁ > 0`; from `t0` on the concept changes abruptly:
 *   - `flip`:   labels flip (label 1 when `x₀ + x₁ < 0`): every old answer is now wrong;
 *   - `rotate`: the boundary turns by 90° (label 1 when `x₁ − x₀ > 0`): half the space changes.
 * Model: `dense(16) → relu → dense(2)`, cross-entropy, SGD with lr 0.05, trained
 * test-then-train by `prequential` with `window` 500, `alpha` 0.998, `reportEvery` 1000.
 *
 * Reaction (`boost`, written inline as an ordinary callback on the event stream, since the
 * drift detectors are another issue): after the first full window, keep the best windowed
 * accuracy seen; when the windowed accuracy falls 10 points below it, multiply the rate by
 * 10 for the next 1000 samples, then restore it and start a new reference.
 *
 * Measured per run (`boosts_at`: the samples at which the reaction fired, i.e. its detection delay after t0): `pre`, the windowed accuracy at `t0` (the last 500 samples before the
 * drift); `min`, the lowest windowed accuracy after it; `recovery`, the samples after `t0`
 * until the windowed accuracy, having fallen more than 5 points below `pre`, is back within
 * 5 points of it (null if it never comes back within the run). A window of W samples keeps
 * the post-drift mistakes for W samples, so recovery ≥ (samples to re-learn) + (part of) W;
 * `recovery_faded` applies the same rule to the faded accuracy.
 *
 * Run: `npx tsx bench/prequential-drift.ts` (about 15 s). One JSON line per run, then
 * one summary line per (drift, reaction) with medians over the seeds.
 */
import { type MonoTypeOperatorFunction, filter, lastValueFrom, tap, toArray } from 'rxjs';
import { Rng, tensor } from '../src/ops/index.js';
import { crossEntropy, dense, relu, sequential, sgd } from '../src/models/index.js';
import { fromPull } from '../src/streams/sources/pull.js';
import type { BatchEndEvent, TrainEvent } from '../src/streams/train/events.js';
import { prequential } from '../src/streams/online/prequential.js';

type Drift = 'flip' | 'rotate';
type Reaction = 'none' | 'boost';

const T0 = 5000;
const SAMPLES = 12_000;
const BATCH = 10;
const WINDOW = 500;
const ALPHA = 0.998;
const LR = 0.05;
const BOOST = { factor: 10, samples: 1000, drop: 0.1 };
const SEEDS = [1, 2, 3, 4, 5];

/** The drifting stream: demand-driven, replayed from its seed on each subscription. */
function drifting(drift: Drift, seed: number) {
  return fromPull(function* () {
    const rng = new Rng(seed);
    for (let t = 0; t < SAMPLES; t += BATCH) {
      const xs = Array.from({ length: 2 * BATCH }, () => rng.uniform() * 2 - 1);
      const ys = Array.from({ length: BATCH }, (_, j) => {
        const [x0, x1] = [xs[2 * j], xs[2 * j + 1]];
        if (t + j < T0) return x0 + x1 > 0 ? 1 : 0;
        if (drift === 'flip') return x0 + x1 < 0 ? 1 : 0;
        return x1 - x0 > 0 ? 1 : 0;
      });
      yield { x: tensor(xs, [BATCH, 2]), y: tensor(ys), size: BATCH };
    }
  });
}

/** Raise the rate for a while after the windowed accuracy drops 10 points below its best. */
function boostOnDrop(baseLr: number, triggers: number[]): MonoTypeOperatorFunction<TrainEvent> {
  let reference = -Infinity;
  let boostedUntil = -1;
  let samples = 0;
  return (source) =>
    source.pipe(
      tap((event) => {
        if (event.type !== 'batchEnd') return;
        samples += event.size;
        const accuracy = event.logs.window_accuracy;
        const optimizer = event.context.optimizer;
        if (boostedUntil >= 0) {
          if (samples < boostedUntil) return;
          optimizer.lr = baseLr;
          boostedUntil = -1;
          reference = accuracy;
          return;
        }
        if (samples < WINDOW) return;
        reference = Math.max(reference, accuracy);
        if (accuracy < reference - BOOST.drop) {
          optimizer.lr = baseLr * BOOST.factor;
          triggers.push(samples);
          boostedUntil = samples + BOOST.samples;
        }
      }),
    );
}

/** Samples after T0 until `series` (per batch) is back within 5 points of `pre` after falling below it; null if never. */
function recovery(series: readonly number[], pre: number): number | null {
  const first = T0 / BATCH; // index of the first batch after the drift
  let fell = false;
  for (let i = first; i < series.length; i++) {
    if (series[i] < pre - 0.05) fell = true;
    else if (fell) return (i + 1) * BATCH - T0;
  }
  return fell ? null : 0;
}

async function measure(drift: Drift, reaction: Reaction, seed: number) {
  const model = sequential([dense(16), relu(), dense(2)], { inputShape: [2], seed });
  const optimizer = sgd(model, { lr: LR });
  const triggers: number[] = [];
  const started = performance.now();
  const events = (await lastValueFrom(
    drifting(drift, 1000 + seed).pipe(
      prequential({ model, loss: crossEntropy, optimizer, metrics: ['accuracy'], window: WINDOW, alpha: ALPHA, reportEvery: 1000 }),
      reaction === 'boost' ? boostOnDrop(LR, triggers) : (s) => s,
      filter((e): e is BatchEndEvent => e.type === 'batchEnd'),
      toArray(),
    ),
  )) as BatchEndEvent[];
  const windowed = events.map((e) => e.logs.window_accuracy);
  const faded = events.map((e) => e.logs.faded_accuracy);
  const at = T0 / BATCH - 1;
  const pre = windowed[at];
  return {
    bench: 'prequential-drift',
    drift,
    reaction,
    seed,
    pre: round(pre),
    min: round(Math.min(...windowed.slice(at + 1))),
    recovery: recovery(windowed, pre),
    recovery_faded: recovery(faded, faded[at]),
    boosts_at: triggers,
    final_window: round(windowed.at(-1)!),
    final_running: round(events.at(-1)!.logs.accuracy),
    ms: Math.round(performance.now() - started),
  };
}

const round = (v: number) => Number(v.toFixed(4));
const median = (xs: readonly (number | null)[]) => {
  const s = xs.map((x) => x ?? Infinity).sort((a, b) => a - b);
  const m = s[Math.floor(s.length / 2)];
  return Number.isFinite(m) ? m : null;
};

for (const drift of ['flip', 'rotate'] as const) {
  for (const reaction of ['none', 'boost'] as const) {
    const runs = [];
    for (const seed of SEEDS) {
      const result = await measure(drift, reaction, seed);
      console.log(JSON.stringify(result));
      runs.push(result);
    }
    console.log(JSON.stringify({
      bench: 'prequential-drift/summary', drift, reaction, seeds: SEEDS.length, window: WINDOW, t0: T0,
      median_pre: median(runs.map((r) => r.pre)),
      median_min: median(runs.map((r) => r.min)),
      median_recovery: median(runs.map((r) => r.recovery)),
      median_recovery_faded: median(runs.map((r) => r.recovery_faded)),
      not_recovered: runs.filter((r) => r.recovery === null).length,
    }));
  }
}
