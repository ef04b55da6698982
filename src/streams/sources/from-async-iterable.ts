import type { Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { fromAsyncPull } from './pull.js';

/**
 * A dataset from an async iterable (an object with `[Symbol.asyncIterator]()`): each item is
 * read only when the consumer is ready for it (see `Demand`), so a database cursor, a paged
 * HTTP API or a file parser is never read ahead of training. Unsubscribing calls the
 * iterator's `return()`, so an async generator runs its `finally` and closes what it opened.
 *
 * Each subscription calls `[Symbol.asyncIterator]()` afresh; an iterable that makes a new
 * iterator per call (an object whose `[Symbol.asyncIterator]` is an `async function*`) gives
 * a replayable dataset, one epoch per subscription.
 *
 * A one-shot iterable, which is its own iterator (a generator *object* such as `gen()`),
 * can be consumed only once: the second subscription fails with an `ArgumentError` rather
 * than completing empty, because an empty second epoch is a silent bug. To replay a
 * generator, wrap the generator function: `{ [Symbol.asyncIterator]: () => gen() }`. A Node.js
 * `Readable` makes a new iterator per call yet can be read once (its second epoch would be
 * empty): use `fromNodeStream`, which errors on a second subscription.
 *
 * ```
 * iterable yields a, b, c (asynchronously):
 * fromAsyncIterable(iterable):   -a-b-c|
 * take(2):                       -a-(b|)     the iterator's return() runs; c is never read
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from 'streamgrad';
 * import { fromAsyncIterable } from 'streamgrad/streams';
 * const rows = {
 *   async *[Symbol.asyncIterator]() {
 *     for await (const r of db.query('SELECT a, b, label FROM t')) {
 *       yield { x: tensor([r.a, r.b]), y: tensor(r.label) };
 *     }
 *   },
 * };
 * const dataset = fromAsyncIterable(rows); // replayable: one query per epoch
 * ```
 *
 * @param iterable - the items; usually `Sample`s.
 * @returns a cold Observable of the items.
 * @throws ArgumentError when `iterable` has no `[Symbol.asyncIterator]` method; the returned
 *   Observable errors with an `ArgumentError` when a one-shot iterable is subscribed twice.
 */
export function fromAsyncIterable<T>(iterable: AsyncIterable<T>): Observable<T> {
  if (iterable === null || typeof (iterable as Partial<AsyncIterable<T>>)?.[Symbol.asyncIterator] !== 'function') {
    const found = iterable === null ? 'null' : typeof iterable;
    const hint = isSyncIterable(iterable) ? ' (a synchronous iterable: use fromArray or fromPull)' : '';
    throw new ArgumentError(`fromAsyncIterable: expected an async iterable, found ${found}${hint}`);
  }
  let oneShotUsed = false;
  return fromAsyncPull(() => {
    if (oneShotUsed) {
      throw new ArgumentError(
        'fromAsyncIterable: the iterable is its own iterator (a generator object?) and an earlier ' +
          'subscription already consumed it; to replay it, pass { [Symbol.asyncIterator]: () => gen() }',
      );
    }
    const iterator = iterable[Symbol.asyncIterator]();
    if ((iterator as unknown) === iterable) oneShotUsed = true;
    return iterator;
  });
}

function isSyncIterable(value: unknown): boolean {
  return typeof (value as Partial<Iterable<unknown>> | undefined)?.[Symbol.iterator] === 'function';
}
