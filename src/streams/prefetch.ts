import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { assertInt } from '../ops/errors.js';
import { Demand, currentDemand, subscribeWithDemand } from './demand.js';

/**
 * Keeps up to `n` items ready ahead of a slow consumer, and never more: the upstream keeps
 * producing (reading files, decoding, augmenting) while the consumer works, so the two
 * overlap, as `tf.data`'s `prefetch` and PyTorch's `prefetch_factor` do.
 *
 * It is a demand boundary. Upstream it subscribes with its own `Demand`, which pauses the
 * sources when `n` items wait in its queue and resumes them when one leaves. Downstream it
 * honours the consumer's `Demand` (the one active when it is subscribed, as under `paced`
 * or `fit`): it delivers while the consumer is ready and otherwise holds items until it is.
 * Memory: at most `n` queued items, plus one in flight from an asynchronous source. The
 * bound holds for streamgrad sources (built on `fromPull` / `fromAsyncPull`), which honour
 * demand; a plain Observable upstream cannot be paused.
 *
 * Order is preserved; completion and errors are delivered after the queued items;
 * unsubscribing stops the upstream at once. Without a consumer's demand (a plain
 * `subscribe`) nothing is slow, so items pass straight through.
 *
 * ```
 * source:      -abc--d|         a goes to the consumer; b, c fill the queue and pause the
 *                               source; d is pulled once b has left the queue
 * prefetch(2): -a---b---c---d|  the consumer is ready for one item every 4 frames
 * ```
 *
 * @example
 * ```ts
 * import { fromAsyncIterable, batch, prefetch, paced } from 'streamgrad/streams';
 * const steps$ = paced(fromAsyncIterable(readRecords()).pipe(batch(64), prefetch(2)), async (b) => trainOn(b));
 * ```
 *
 * @param n - how many items may wait ahead of the consumer, an integer >= 1.
 * @returns an operator that emits the same items in the same order.
 * @throws ArgumentError for a bad `n`.
 */
export function prefetch<T>(n: number): MonoTypeOperatorFunction<T> {
  assertInt('prefetch', 'n', n, 1);
  return (source) =>
    new Observable<T>((subscriber) => {
      const downstream = currentDemand();
      if (downstream === undefined) return source.subscribe(subscriber);

      const upstream = new Demand();
      const queue: T[] = [];
      let ended: { error: unknown } | 'complete' | null = null;
      let cancelWait: (() => void) | null = null;
      let delivering = false;

      // Delivers queued items while the consumer is ready, then the end once the queue is
      // empty. The guard makes a re-entrant call (an item arriving while the consumer
      // handles one) leave the work to the loop already running.
      const deliver = (): void => {
        if (delivering) return;
        delivering = true;
        try {
          while (queue.length > 0 && !subscriber.closed) {
            if (!downstream.ready) {
              cancelWait ??= downstream.whenReady(() => {
                cancelWait = null;
                deliver();
              });
              return;
            }
            const item = queue.shift() as T;
            if (queue.length < n) upstream.resume();
            subscriber.next(item);
          }
          if (queue.length === 0 && ended !== null) {
            if (ended === 'complete') subscriber.complete();
            else subscriber.error(ended.error);
          }
        } finally {
          delivering = false;
        }
      };

      const subscription = subscribeWithDemand(source, upstream, {
        next: (item) => {
          queue.push(item);
          if (queue.length >= n) upstream.pause();
          deliver();
        },
        error: (error) => {
          ended = { error };
          deliver();
        },
        complete: () => {
          ended = 'complete';
          deliver();
        },
      });
      return () => {
        cancelWait?.();
        subscription.unsubscribe();
      };
    });
}
