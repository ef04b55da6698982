import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../../ops/index.js';
import { assertFinite } from '../../../ops/errors.js';
import { fromPull } from '../../sources/pull.js';
import type { Sample } from '../../types.js';
import { checkRange, formatValue } from '../drift.js';

/** Options of `sea`. */
export interface SeaOptions {
  /** Probability that a label is flipped (class noise). @default 0.1 */
  noise?: number;
  /**
   * Sample indices (0-based, increasing) at which the next concept starts. @default
   * `[15000, 30000, 45000]`, Street & Kim's four blocks of 15,000
   */
  driftAt?: readonly number[];
  /** θ of each concept, in order; concepts cycle when there are more drifts than thresholds. @default [8, 9, 7, 9.5] */
  thresholds?: readonly number[];
  /** Seed; the same seed gives the same stream on every subscription. @default 0 */
  seed?: number;
  /** Samples to emit; `Infinity` for an unbounded stream. @default 60000 */
  count?: number;
}

/**
 * The SEA concepts (Street & Kim 2001, "A streaming ensemble algorithm (SEA) for large-scale
 * classification"): three features drawn uniformly from [0, 10], of which only the first two
 * matter; the label is
 *
 * ```
 * y = 1 if f₁ + f₂ ≤ θ_c else 0,   then flipped with probability `noise`
 * ```
 *
 * where the concept c of sample t is the number of `driftAt` positions ≤ t (modulo the
 * number of thresholds): the decision line jumps at each drift position (an abrupt drift).
 * `x` is a `[3]` tensor and `y` a scalar tensor. The label is computed from the float32
 * features as stored, so a sample never contradicts its concept except by noise. Each sample
 * draws f₁, f₂, f₃ and then one uniform for the noise, from `Rng(seed)` restarted on each
 * subscription, so the features do not depend on `noise`.
 *
 * ```
 * sea({ count: 4, driftAt: [2] }):  (abcd|)    a, b under θ = 8; c, d under θ = 9
 * ```
 *
 * @example
 * ```ts
 * import { sea } from 'streamgrad/streams';
 * const stream = sea({ driftAt: [1000, 2000], count: 3000, seed: 1 }); // 3 concepts, 10% noise
 * ```
 * @returns a cold `Observable<Sample>` of `count` samples, pulled on demand.
 */
export function sea(opts: SeaOptions = {}): Observable<Sample> {
  const { noise = 0.1, driftAt = [15000, 30000, 45000], thresholds = [8, 9, 7, 9.5], seed = 0, count = 60000 } = opts;
  checkRange('sea', 'noise', noise, 0, 1);
  assertFinite('sea', 'seed', seed);
  if (count !== Infinity) checkRange('sea', 'count', count, 0, Infinity, { integer: true });
  if (!Array.isArray(driftAt)) throw new ArgumentError(`sea: driftAt must be an array of sample indices, found ${formatValue(driftAt)}`);
  driftAt.forEach((d, i) => {
    checkRange('sea', `driftAt[${i}]`, d, i === 0 ? 0 : driftAt[i - 1], Infinity, { integer: true, lowOpen: i > 0 });
  });
  if (!Array.isArray(thresholds) || thresholds.length === 0) {
    throw new ArgumentError(`sea: thresholds must be a non-empty array of numbers, found ${formatValue(thresholds)}`);
  }
  thresholds.forEach((theta, i) => assertFinite('sea', `thresholds[${i}]`, theta));
  const drifts = [...driftAt];
  const thetas = [...thresholds];
  return fromPull(function* () {
    const rng = new Rng(seed);
    let concept = 0;
    for (let t = 0; t < count; t++) {
      while (concept < drifts.length && drifts[concept] <= t) concept++;
      const f = [Math.fround(10 * rng.uniform()), Math.fround(10 * rng.uniform()), Math.fround(10 * rng.uniform())];
      const flip = rng.uniform() < noise;
      const label = f[0] + f[1] <= thetas[concept % thetas.length] ? 1 : 0;
      yield { x: tensor(f), y: tensor(flip ? 1 - label : label) };
    }
  });
}
