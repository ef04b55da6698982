import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../ops/index.js';
import { assertFinite, assertInt } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/** Options of `sineSequence`. */
export interface SineSequenceOptions {
  /** Number of sequences (samples). @default 100 */
  count?: number;
  /** Time steps per sequence: `x` and `y` are `[steps, 1]`. @default 20 */
  steps?: number;
  /** The range `[min, max]` that each sequence's frequency is drawn from, in cycles per step. @default [0.05, 0.2] */
  frequency?: readonly [number, number];
  /** Standard deviation of the Gaussian noise added to the inputs `x` (the targets stay clean). @default 0 */
  noise?: number;
  /** Seed of frequencies, phases and noise; the same seed gives the same sequences on every subscription. @default 0 */
  seed?: number;
}

/**
 * Sine waves for next-step prediction with recurrent networks. Sequence `n` draws a frequency
 * `f ~ U[min, max)` (cycles per step) and a phase `φ ~ U[0, 2π)`, and with
 * `v(t) = sin(2π f t + φ)`:
 *
 *     x[t, 0] = v(t) + noise · N(0, 1)     for t = 0 … steps − 1
 *     y[t, 0] = v(t + 1)                   (the next value, noise-free)
 *
 * so `y` is `x` shifted one step to the left, plus one new value at the end (exactly so when
 * `noise = 0`). Both are `[steps, 1]` float32 tensors (time, features), so `batch` stacks
 * them to `[N, steps, 1]`. Each subscription starts `Rng(seed)` afresh and draws, per
 * sequence, `f`, then `φ`, then the `steps` noise values, so every epoch replays the same
 * sequences.
 *
 * ```
 * sineSequence({ count: 3 }): (abc|)    a, b, c = { x: [20, 1], y: [20, 1] }
 * ```
 *
 * @example
 * ```ts
 * import { sineSequence, batch } from 'streamgrad/streams';
 * const train = sineSequence({ count: 256, steps: 30, frequency: [0.02, 0.1], noise: 0.05, seed: 3 })
 *   .pipe(batch(32)); // x, y: [32, 30, 1]
 * ```
 * @returns a cold `Observable<Sample>` of `count` sequences, pulled on demand.
 */
export function sineSequence(opts: SineSequenceOptions = {}): Observable<Sample> {
  const count = opts.count ?? 100;
  const steps = opts.steps ?? 20;
  const noise = opts.noise ?? 0;
  const seed = opts.seed ?? 0;
  assertInt('sineSequence', 'count', count, 1);
  assertInt('sineSequence', 'steps', steps, 1);
  assertFinite('sineSequence', 'noise', noise);
  if (noise < 0) throw new ArgumentError(`sineSequence: noise must be >= 0, found ${noise}`);
  assertFinite('sineSequence', 'seed', seed);
  const range: unknown = opts.frequency ?? [0.05, 0.2];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((f) => Number.isFinite(f) && f >= 0) || range[0] > range[1]) {
    throw new ArgumentError(`sineSequence: frequency must be [min, max] with 0 <= min <= max, found ${JSON.stringify(range)}`);
  }
  const [minFrequency, maxFrequency] = range as [number, number];
  return fromPull(function* () {
    const rng = new Rng(seed);
    for (let n = 0; n < count; n++) {
      const frequency = minFrequency + (maxFrequency - minFrequency) * rng.uniform();
      const phase = 2 * Math.PI * rng.uniform();
      const value = (t: number): number => Math.sin(2 * Math.PI * frequency * t + phase);
      const x = new Float32Array(steps);
      const y = new Float32Array(steps);
      for (let t = 0; t < steps; t++) {
        x[t] = value(t) + noise * rng.normal();
        y[t] = value(t + 1);
      }
      yield { x: tensor(x, [steps, 1]), y: tensor(y, [steps, 1]) };
    }
  });
}
