import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../ops/index.js';
import { assertFinite, assertInt } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/** Options of `xor`. */
export interface XorOptions {
  /** Standard deviation of the Gaussian jitter added to each input coordinate. @default 0 */
  noise?: number;
  /** Seed of the jitter; the same seed gives the same points on every subscription. @default 0 */
  seed?: number;
  /** How many times the four points are emitted. @default 1 */
  repeat?: number;
}

/** The truth table of exclusive or: inputs `(a, b)` and the class `a XOR b`. */
const TRUTH_TABLE: readonly (readonly [number, number, number])[] = [
  [0, 0, 0],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 0],
];

/**
 * The four XOR points as a cold dataset: `x` is `[2]` (the inputs `a`, `b`), `y` a scalar
 * holding the class `a XOR b` (0 or 1). The table is emitted `repeat` times in the order
 * `(0,0) (0,1) (1,0) (1,1)`; with `noise > 0` each input coordinate gets `noise · N(0, 1)`
 * added, drawn from `Rng(seed)` afresh on every subscription, so every epoch replays the same
 * points.
 *
 * ```
 * xor():             (abcd|)      a = [0,0]→0  b = [0,1]→1  c = [1,0]→1  d = [1,1]→0
 * xor({ repeat: 2 }): (abcdabcd|)
 * ```
 *
 * @example
 * ```ts
 * import { xor, batch } from 'streamgrad/streams';
 * const train = xor({ repeat: 25, noise: 0.1, seed: 1 }).pipe(batch(10)); // 100 jittered points
 * ```
 * @returns a cold `Observable<Sample>` of `4 · repeat` samples, pulled on demand.
 */
export function xor(opts: XorOptions = {}): Observable<Sample> {
  const noise = opts.noise ?? 0;
  const seed = opts.seed ?? 0;
  const repeat = opts.repeat ?? 1;
  assertFinite('xor', 'noise', noise);
  if (noise < 0) throw new ArgumentError(`xor: noise must be >= 0, found ${noise}`);
  assertFinite('xor', 'seed', seed);
  assertInt('xor', 'repeat', repeat, 1);
  return fromPull(function* () {
    const rng = new Rng(seed);
    for (let r = 0; r < repeat; r++) {
      for (const [a, b, label] of TRUTH_TABLE) {
        const x = tensor([a + noise * rng.normal(), b + noise * rng.normal()]);
        yield { x, y: tensor(label) };
      }
    }
  });
}
