import { type OperatorFunction, EMPTY, defer, map, repeat } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import { assertInt } from '../ops/errors.js';

/** An item tagged with the (0-based) epoch it belongs to; its own fields stay in place. */
export type Epoch<T> = T & { readonly epoch: number };

/** Options of `epochs`. */
export interface EpochsOptions {
  /** The first epoch to run, to resume a run: epochs `startEpoch .. n − 1` are emitted. @default 0 */
  readonly startEpoch?: number;
}

/**
 * Replays a cold source for epochs `startEpoch, ..., n − 1` (Keras's `initial_epoch` and
 * `epochs`), one subscription per epoch, each starting when the previous one completed,
 * and tags every item with its epoch: `{ ...item, epoch }`. An error ends all epochs;
 * unsubscribing stops the epoch running. Upstream operators with per-subscription state
 * (`shuffle`) see one subscription per epoch, so they reshuffle each time.
 *
 * Items are spread into a new object, so they must be plain objects (`Sample`, `Batch`,
 * events); `x` and `y` keep their places, so `Epoch<Sample>` is still a `Sample` for the
 * operators that follow (which may drop the `epoch` field, as `batch` does). An item that
 * already has an `epoch` field gets it overwritten.
 *
 * ```
 * source:    --a--b--|
 * epochs(2): --a--b----a--b--|      first a, b carry epoch 0, the second epoch 1
 * error:     --a--#
 * epochs(2): --a--#                 no second epoch
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, shuffle, epochs } from 'streamgrad/streams';
 * fromArray(samples).pipe(shuffle({ bufferSize: 1000, seed: 1 }), epochs(10))
 *   .subscribe(({ x, y, epoch }) => console.log(epoch, x.shape));
 * ```
 *
 * @param n - the total number of epochs: an integer >= 1, or `Infinity` for an endless stream.
 * @returns an operator from `T` to `Epoch<T>`.
 * @throws ArgumentError for a bad `n` or a `startEpoch` outside `0..n`.
 */
export function epochs<T extends object>(n: number, options: EpochsOptions = {}): OperatorFunction<T, Epoch<T>> {
  if (n !== Infinity) assertInt('epochs', 'n', n, 1);
  const { startEpoch = 0 } = options;
  assertInt('epochs', 'startEpoch', startEpoch, 0);
  if (startEpoch > n) {
    throw new ArgumentError(`epochs: startEpoch ${startEpoch} is past the last epoch (n = ${n})`);
  }
  const count = n - startEpoch;
  return (source) => {
    if (count === 0) return EMPTY;
    return defer(() => {
      let nextEpoch = startEpoch;
      const oneEpoch = defer(() => {
        const epoch = nextEpoch++;
        return source.pipe(map((item): Epoch<T> => ({ ...item, epoch })));
      });
      return oneEpoch.pipe(repeat(count));
    });
  };
}
