import type { Observable } from 'rxjs';
import { Rng, tensor } from '../../../ops/index.js';
import { assertFinite } from '../../../ops/errors.js';
import { fromPull } from '../../sources/pull.js';
import type { Sample } from '../../types.js';
import { checkRange } from '../drift.js';

/** Options of `rotatingHyperplane`. */
export interface RotatingHyperplaneOptions {
  /** Features d. @default 10 */
  dims?: number;
  /** How many weights drift (the first ones); the others stay put. @default dims */
  driftDims?: number;
  /** Change of each drifting weight per sample, `w_i += σ_i·driftSpeed`. @default 0.001 */
  driftSpeed?: number;
  /** Probability per sample that a drifting weight reverses its direction σ_i. @default 0.1 */
  reverseProbability?: number;
  /** Probability that a label is flipped. @default 0.05 */
  noise?: number;
  /** Seed; the same seed gives the same stream on every subscription. @default 0 */
  seed?: number;
  /** Samples to emit; `Infinity` for an unbounded stream. @default 10000 */
  count?: number;
}

/**
 * A rotating hyperplane (Hulten, Spencer & Domingos 2001, "Mining time-changing data
 * streams"; the parameters of MOA's `HyperplaneGenerator`): `x` uniform in [0, 1]^d and
 *
 * ```
 * y = 1 if Σ w_i·x_i ≥ w₀ else 0,   w₀ = ½·Σ w_i,   then flipped with probability `noise`
 * ```
 *
 * so about half the samples are positive. The weights start uniform in [0, 1] with random
 * directions σ_i = ±1; after each sample every drifting weight moves by `σ_i·driftSpeed` and
 * reverses direction with probability `reverseProbability`, so the boundary turns a little
 * at every sample (a gradual drift). `x` is a `[dims]` tensor, `y` a scalar tensor; the label
 * is computed from the float32 features as stored. Draw order, from `Rng(seed)` restarted on
 * each subscription: the d weights, the d directions, then per sample the d features, one
 * uniform for the noise and one per weight for its reversal (so the features do not depend on
 * `noise`, `driftSpeed` or `driftDims`).
 *
 * ```
 * rotatingHyperplane({ count: 3 }):  (abc|)    a = { x: [10], y: 0 or 1 }, the plane turning after each
 * ```
 *
 * @example
 * ```ts
 * import { rotatingHyperplane, batch } from 'streamgrad/streams';
 * const stream = rotatingHyperplane({ dims: 10, driftSpeed: 0.001, count: 100_000, seed: 3 }).pipe(batch(1));
 * ```
 * @returns a cold `Observable<Sample>` of `count` samples, pulled on demand.
 */
export function rotatingHyperplane(opts: RotatingHyperplaneOptions = {}): Observable<Sample> {
  const { dims = 10, driftSpeed = 0.001, reverseProbability = 0.1, noise = 0.05, seed = 0, count = 10000 } = opts;
  checkRange('rotatingHyperplane', 'dims', dims, 1, Infinity, { integer: true });
  const driftDims = opts.driftDims ?? dims;
  checkRange('rotatingHyperplane', 'driftDims', driftDims, 0, dims, { integer: true });
  checkRange('rotatingHyperplane', 'driftSpeed', driftSpeed, 0, Infinity);
  checkRange('rotatingHyperplane', 'reverseProbability', reverseProbability, 0, 1);
  checkRange('rotatingHyperplane', 'noise', noise, 0, 1);
  assertFinite('rotatingHyperplane', 'seed', seed);
  if (count !== Infinity) checkRange('rotatingHyperplane', 'count', count, 0, Infinity, { integer: true });
  return fromPull(function* () {
    const rng = new Rng(seed);
    const w = Array.from({ length: dims }, () => rng.uniform());
    const sigma: number[] = Array.from({ length: dims }, () => (rng.uniform() < 0.5 ? -1 : 1));
    for (let t = 0; t < count; t++) {
      const x = Array.from({ length: dims }, () => Math.fround(rng.uniform()));
      let dot = 0;
      let w0 = 0;
      for (let i = 0; i < dims; i++) {
        dot += w[i] * x[i];
        w0 += w[i] / 2;
      }
      const label = dot >= w0 ? 1 : 0;
      const flip = rng.uniform() < noise;
      for (let i = 0; i < dims; i++) {
        const reverse = rng.uniform() < reverseProbability; // drawn for every weight, so x does not depend on driftDims
        if (i >= driftDims) continue;
        w[i] += sigma[i] * driftSpeed;
        if (reverse) sigma[i] = -sigma[i];
      }
      yield { x: tensor(x), y: tensor(flip ? 1 - label : label) };
    }
  });
}
