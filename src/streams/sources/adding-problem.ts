import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../ops/index.js';
import { assertFinite, assertInt } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/** Options of `addingProblem`. */
export interface AddingProblemOptions {
  /** Time steps per sequence, `T`: `x` is `[T, 2]`. At least 2, so each half holds a step. @default 50 */
  length?: number;
  /** Seed of the values and marker positions; the same seed gives the same sequences on every subscription. */
  seed: number;
  /** Number of sequences; omitted, the source is infinite (pulled on demand, so take or stop it). */
  count?: number;
}

/**
 * The adding problem (Hochreiter & Schmidhuber, 1997, experiment 4), in the form of Le, Jaitly
 * & Hinton, "A Simple Way to Initialize Recurrent Networks of Rectified Linear Units" (2015),
 * section 4.1: a sequence of `T` pairs (value, marker), where
 *
 *     x[t, 0] = v_t ~ U[0, 1)                       for t = 0 … T − 1
 *     x[t, 1] = 1 at t = a and t = b, else 0         a ~ U{0 … ⌊T/2⌋ − 1},  b ~ U{⌊T/2⌋ … T − 1}
 *     y[0]    = v_a + v_b
 *
 * so exactly two steps are marked, one in the first half and one in the second, and the
 * target is the sum of the two marked values. `x` is a `[T, 2]` float32 tensor (time, features),
 * `y` is `[1]`, so `batch` stacks them to `[N, T, 2]` and `[N, 1]`. The target has mean 1 and
 * variance 1/6, so always predicting 1 scores a mean squared error of 1/6 ≈ 0.167: the
 * baseline a network must beat to show it remembers the marked values across the sequence.
 *
 * Each subscription starts `Rng(seed)` afresh and draws, per sequence, the `T` values, then
 * `a`, then `b`, so every subscription replays the same sequences. The values are rounded to
 * float32 before they are summed, so `y` equals the sum of the two stored inputs.
 *
 * ```
 * addingProblem({ seed: 1, count: 3 }):  (abc|)      a, b, c = { x: [50, 2], y: [1] }
 * addingProblem({ seed: 1 }):            abcdef…     infinite, one sequence per demand
 * ```
 *
 * @example
 * ```ts
 * import { addingProblem, batch } from 'streamgrad/streams';
 * const train = addingProblem({ length: 50, seed: 1 }).pipe(batch(32));        // endless [32, 50, 2] batches
 * const test = addingProblem({ length: 50, seed: 2, count: 1000 }).pipe(batch(500));
 * ```
 * @returns a cold `Observable<Sample>` of `count` sequences (endless without `count`), pulled on demand.
 * @throws ArgumentError when `length` is not an integer >= 2, `seed` not a finite number, or
 *   `count` not an integer >= 1.
 */
export function addingProblem(opts: AddingProblemOptions): Observable<Sample> {
  if (opts === null || typeof opts !== 'object') {
    throw new ArgumentError(`addingProblem: expected an options object { seed, length?, count? }, found ${String(opts)}`);
  }
  const length = opts.length ?? 50;
  const seed: unknown = opts.seed;
  assertInt('addingProblem', 'length', length, 2);
  assertFinite('addingProblem', 'seed', seed);
  if (opts.count !== undefined) assertInt('addingProblem', 'count', opts.count, 1);
  const count = opts.count ?? Infinity;
  const half = Math.floor(length / 2);
  return fromPull(function* () {
    const rng = new Rng(seed);
    for (let n = 0; n < count; n++) {
      const x = new Float32Array(length * 2);
      for (let t = 0; t < length; t++) x[2 * t] = rng.uniform();
      const first = rng.int(half);
      const second = half + rng.int(length - half);
      x[2 * first + 1] = 1;
      x[2 * second + 1] = 1;
      yield { x: tensor(x, [length, 2]), y: tensor([x[2 * first] + x[2 * second]], [1]) };
    }
  });
}
