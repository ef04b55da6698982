import { type MonoTypeOperatorFunction, Observable, concat, defer, mergeMap } from 'rxjs';
import { currentEpoch } from './epoch-context.js';
import { ArgumentError, Rng, deriveSeed } from '../ops/index.js';
import { assertFinite, assertInt } from '../ops/errors.js';
import { type Demand, currentDemand, subscribeWithDemand } from './demand.js';
import { fromPull } from './sources/pull.js';

/** Options of `shuffle`. */
export interface ShuffleOptions {
  /** How many items the buffer holds; a buffer at least as long as the stream gives a uniform permutation. */
  readonly bufferSize: number;
  /** Seed of the shuffle; epoch `e` draws from `new Rng(deriveSeed(seed, e))`. */
  readonly seed: number;
  /** The epoch number of the first subscription, to resume a run mid-way. @default 0 */
  readonly startEpoch?: number;
}

/**
 * Buffered shuffle, as `tf.data.Dataset.shuffle` does it: the first `bufferSize` items fill a
 * buffer; then each new item takes the place of a buffer element drawn uniformly at random,
 * which is emitted; when the source completes the remaining buffer is emitted in random
 * order. With `bufferSize >= n` the output is a uniform random permutation of the `n` items;
 * a smaller buffer mixes only locally (an item moves forward at most `bufferSize` places).
 *
 * Each subscription is one epoch and is shuffled differently: the k-th subscription
 * (counted per piped Observable, from `startEpoch`; inside `fit`, the epoch `fit` runs) draws from
 * `new Rng(deriveSeed(seed, startEpoch + k))`, so epoch e of a resumed run repeats epoch e of
 * the original run exactly.
 *
 * Memory: at most `bufferSize` items are held. The final flush honours the consumer's
 * `Demand`, so it is paced like a source rather than released in one burst.
 *
 * ```
 * source:                         --a--b--c--d--|
 * shuffle({ bufferSize: 2, seed }): --------x--y--(zw|)
 *   x: a or b, drawn when c arrives and c takes its place; y likewise when d arrives;
 *   z, w: the two left in the buffer, in random order, when the source completes
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, shuffle, batch } from 'streamgrad/streams';
 * const train$ = fromArray(samples).pipe(shuffle({ bufferSize: 10_000, seed: 42 }), batch(32));
 * ```
 *
 * @param options - `bufferSize` (integer >= 1), `seed` (finite number), `startEpoch` (integer >= 0).
 * @returns an operator emitting the same items in shuffled order.
 * @throws ArgumentError when created with a bad option.
 */
export function shuffle<T>(options: ShuffleOptions): MonoTypeOperatorFunction<T> {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`shuffle: expected an options object { bufferSize, seed }, found ${String(options)}`);
  }
  const { bufferSize, seed, startEpoch = 0 } = options;
  assertInt('shuffle', 'bufferSize', bufferSize, 1);
  assertFinite('shuffle', 'seed', seed);
  assertInt('shuffle', 'startEpoch', startEpoch, 0);

  return (source) => {
    let nextEpoch = startEpoch;
    return defer(() => {
      // Inside fit, the run's epoch decides (a resumed run replays the same order).
      const counted = nextEpoch++;
      const rng = new Rng(deriveSeed(seed, currentEpoch() ?? counted));
      const buffer: T[] = [];
      const demand = currentDemand();
      const exchange = (item: T): T[] => {
        if (buffer.length < bufferSize) {
          buffer.push(item);
          return [];
        }
        const i = rng.int(bufferSize);
        const out = buffer[i];
        buffer[i] = item;
        return [out];
      };
      const rest = fromPull(() => drainRandomly(buffer, rng));
      return concat(source.pipe(mergeMap(exchange)), withDemand(rest, demand));
    });
  };
}

/** Removes and yields the buffer's elements in uniformly random order. */
function* drainRandomly<T>(buffer: T[], rng: Rng): Generator<T> {
  while (buffer.length > 0) {
    const i = rng.int(buffer.length);
    const out = buffer[i];
    buffer[i] = buffer[buffer.length - 1];
    buffer.pop();
    yield out;
  }
}

/**
 * Subscribes `source` under the demand captured when the epoch began: the flush is
 * subscribed later, from whatever asynchronous context completed the upstream.
 */
function withDemand<T>(source: Observable<T>, demand: Demand | undefined): Observable<T> {
  if (demand === undefined) return source;
  return new Observable<T>((subscriber) => {
    const subscription = subscribeWithDemand(source, demand, subscriber);
    return () => subscription.unsubscribe();
  });
}
