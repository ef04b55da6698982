import type { Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { fromPull } from './pull.js';

/**
 * A dataset from an in-memory array: a cold Observable that emits the array's items in
 * order and completes. Each subscription iterates the array afresh, so subscribing again
 * replays it (one subscription is one epoch). Items are pulled one at a time when the
 * consumer is ready (see `Demand`); unsubscribing stops the iteration at once.
 *
 * The array is read at subscription time, not copied: items added before a subscription
 * are part of that epoch.
 *
 * ```
 * fromArray([a, b, c]):       (abc|)
 * repeat(2) (two epochs):     (abcabc|)
 * take(2):                    (ab|)      c is never read
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from 'streamgrad';
 * import { fromArray, batch } from 'streamgrad/streams';
 * const xor = fromArray([
 *   { x: tensor([0, 0]), y: tensor(0) },
 *   { x: tensor([0, 1]), y: tensor(1) },
 *   { x: tensor([1, 0]), y: tensor(1) },
 *   { x: tensor([1, 1]), y: tensor(0) },
 * ]);
 * xor.pipe(batch(2)).subscribe((b) => console.log(b.x.shape)); // [2, 2] twice
 * ```
 *
 * @param samples - the items, usually `Sample`s (`{ x, y }`).
 * @returns a cold Observable of the items.
 * @throws ArgumentError when `samples` is not an array.
 */
export function fromArray<T>(samples: readonly T[]): Observable<T> {
  if (!Array.isArray(samples)) {
    throw new ArgumentError(`fromArray: samples must be an array, found ${describe(samples)}`);
  }
  return fromPull(() => samples[Symbol.iterator]());
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}
