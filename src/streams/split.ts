import { type Observable, filter } from 'rxjs';
import { ArgumentError, deriveSeed } from '../ops/index.js';
import { assertFinite, assertInt } from '../ops/errors.js';

/** A training stream and its held-out validation stream. */
export interface Split<T> {
  readonly train$: Observable<T>;
  readonly validation$: Observable<T>;
}

/** Options of `split`. */
export interface SplitOptions {
  /** The expected fraction of samples held out for validation, in [0, 1]. @default 0.1 */
  readonly validation?: number;
  /** Seed of the assignment: the same seed gives the same split. */
  readonly seed: number;
}

/** Options of `kFold`. */
export interface KFoldOptions {
  /** Seed of the assignment of samples to folds. */
  readonly seed: number;
}

/**
 * Splits a cold stream into disjoint training and validation streams. Sample `i` (its index
 * in the stream) goes to validation when `u(seed, i) < validation`, where `u` is a seeded
 * hash of the index mapped to [0, 1): every sample goes to exactly one side, nothing is
 * buffered, and streams of unknown or unbounded length work.
 *
 * The proportion is exact in expectation, not in count: over `n` samples the validation
 * size is Binomial(n, validation), within a few `sqrt(n · p · (1 − p))` of `n · p`.
 *
 * Each of `train$` and `validation$` subscribes to `source` on its own and filters it, so the
 * source must replay the same samples in the same order on every subscription (a dataset
 * from `fromArray` or a file): split first, shuffle each side after. The assignment is the
 * same in every epoch.
 *
 * ```
 * source:      --a--b--c--d--|
 * train$:      --a-----c--d--|      (b's hash fell below `validation`)
 * validation$: -----b--------|
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, split, shuffle, batch } from 'streamgrad/streams';
 * const { train$, validation$ } = split(fromArray(samples), { validation: 0.2, seed: 7 });
 * const train = train$.pipe(shuffle({ bufferSize: 5000, seed: 1 }), batch(32));
 * ```
 *
 * @param source - a cold stream that replays the same order on each subscription.
 * @returns `{ train$, validation$ }`, both cold.
 * @throws ArgumentError for a `validation` outside [0, 1] or a non-finite seed.
 */
export function split<T>(source: Observable<T>, options: SplitOptions): Split<T> {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`split: expected an options object { validation, seed }, found ${String(options)}`);
  }
  const { validation = 0.1, seed } = options;
  if (typeof validation !== 'number' || !(validation >= 0 && validation <= 1)) {
    throw new ArgumentError(`split: validation must be a fraction in [0, 1], found ${String(validation)}`);
  }
  assertFinite('split', 'seed', seed);
  const held = (index: number): boolean => unitHash(seed, index) < validation;
  return {
    train$: source.pipe(filter((_, index) => !held(index))),
    validation$: source.pipe(filter((_, index) => held(index))),
  };
}

/**
 * K-fold cross-validation over a cold stream: sample `i` belongs to fold
 * `floor(k · u(seed, i))` (the same seeded hash as `split`), and fold `f` is
 * `{ train$: samples outside fold f, validation$: samples in fold f }`. Every sample is in
 * exactly one validation stream; the fold sizes are equal in expectation (`n / k` each), not
 * in count. Nothing is buffered; the same ordering caveat as `split` applies.
 *
 * ```
 * source:                 --a--b--c--d--|     folds: a→0, b→1, c→1, d→0
 * kFold(2)[0].validation$: --a--------d--|
 * kFold(2)[1].validation$: -----b--c-----|
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, kFold } from 'streamgrad/streams';
 * for (const { train$, validation$ } of kFold(fromArray(samples), 5, { seed: 3 })) {
 *   // fit on train$, evaluate on validation$
 * }
 * ```
 *
 * @param k - the number of folds, an integer >= 2.
 * @returns `k` folds.
 * @throws ArgumentError for a bad `k` or seed.
 */
export function kFold<T>(source: Observable<T>, k: number, options: KFoldOptions): Array<Split<T>> {
  assertInt('kFold', 'k', k, 2);
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`kFold: expected an options object { seed }, found ${String(options)}`);
  }
  assertFinite('kFold', 'seed', options.seed);
  const { seed } = options;
  const foldOf = (index: number): number => Math.floor(unitHash(seed, index) * k);
  return Array.from({ length: k }, (_, fold) => ({
    train$: source.pipe(filter((_, index) => foldOf(index) !== fold)),
    validation$: source.pipe(filter((_, index) => foldOf(index) === fold)),
  }));
}

/**
 * A seeded hash of a stream index, uniform in [0, 1) with 32 bits. Indices beyond 2^32 are
 * mixed in two halves, so long streams do not wrap around.
 */
function unitHash(seed: number, index: number): number {
  const low = index >>> 0;
  const high = Math.floor(index / 2 ** 32);
  return deriveSeed(seed, low, high) / 2 ** 32;
}
