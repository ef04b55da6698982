import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../ops/index.js';
import { assertFinite, assertInt } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/** Options of `spirals`. */
export interface SpiralsOptions {
  /** Number of spiral arms, one class each. @default 3 */
  classes?: number;
  /** Points on each arm. @default 100 */
  pointsPerClass?: number;
  /** Standard deviation of the Gaussian noise added to each point's angle (radians). @default 0.2 */
  noise?: number;
  /** Seed of the angle noise; the same seed gives the same points on every subscription. @default 0 */
  seed?: number;
}

/**
 * The spiral dataset of Stanford's CS231n ("Putting it together: minimal neural network case
 * study"): `classes` arms that no linear classifier separates. Point `i` of arm `k`, with
 * `N = pointsPerClass`, is
 *
 *     r = i / (N − 1)                              (r = linspace(0, 1, N); r = 0 when N = 1)
 *     t = 4k + 4i / (N − 1) + noise · N(0, 1)      (t = linspace(4k, 4(k+1), N) + noise)
 *     x = [r · sin t, r · cos t],  y = k
 *
 * so `|x| = r` exactly and only the angle is noisy. `x` is `[2]`, `y` a scalar class index.
 * Samples come in class order (all of arm 0, then arm 1, ...): shuffle them downstream, with a
 * buffer at least `classes · pointsPerClass` long for a full shuffle. The noise is drawn from
 * `Rng(seed)` afresh on every subscription, in emission order, so each epoch replays the same
 * points.
 *
 * ```
 * spirals({ classes: 2, pointsPerClass: 2 }): (abcd|)    a, b on arm 0 (y = 0); c, d on arm 1 (y = 1)
 * ```
 *
 * @example
 * ```ts
 * import { spirals, shuffle, batch } from 'streamgrad/streams';
 * const train = spirals({ classes: 3, pointsPerClass: 100, seed: 0 })
 *   .pipe(shuffle({ bufferSize: 300, seed: 1 }), batch(32));
 * ```
 * @returns a cold `Observable<Sample>` of `classes · pointsPerClass` samples, pulled on demand.
 */
export function spirals(opts: SpiralsOptions = {}): Observable<Sample> {
  const classes = opts.classes ?? 3;
  const pointsPerClass = opts.pointsPerClass ?? 100;
  const noise = opts.noise ?? 0.2;
  const seed = opts.seed ?? 0;
  assertInt('spirals', 'classes', classes, 1);
  assertInt('spirals', 'pointsPerClass', pointsPerClass, 1);
  assertFinite('spirals', 'noise', noise);
  if (noise < 0) throw new ArgumentError(`spirals: noise must be >= 0, found ${noise}`);
  assertFinite('spirals', 'seed', seed);
  // linspace(a, b, N) steps by (b − a)/(N − 1); a single point sits at the start.
  const step = pointsPerClass > 1 ? 1 / (pointsPerClass - 1) : 0;
  return fromPull(function* () {
    const rng = new Rng(seed);
    for (let k = 0; k < classes; k++) {
      for (let i = 0; i < pointsPerClass; i++) {
        const r = i * step;
        const t = 4 * k + 4 * i * step + noise * rng.normal();
        yield { x: tensor([r * Math.sin(t), r * Math.cos(t)]), y: tensor(k) };
      }
    }
  });
}
