import { type Observable, Observable as RxObservable } from 'rxjs';
import { Demand, subscribeWithDemand } from './demand.js';

/**
 * Turns a pipeline whose consumer does asynchronous work per item into an Observable of
 * the results, with back-pressure: the sources upstream pause while `handle` runs, so at
 * most the items one synchronous burst can release (a shuffle buffer flushing at the end
 * of an epoch, a partial batch) wait in memory. Results are emitted in order. Between items
 * the event loop turns (sources resume with `setImmediate`), so timers and I/O stay live.
 *
 * Unsubscribing stops the sources at once; an error in `handle` or upstream is passed on.
 *
 * @example
 * ```ts
 * const results$ = paced(mnist({ split: 'train' }).pipe(batch(64)), async (b) => trainOn(b));
 * ```
 */
export function paced<T, R>(source: Observable<T>, handle: (item: T, index: number) => R | Promise<R>): Observable<R> {
  return new RxObservable<R>((subscriber) => {
    const demand = new Demand();
    const queue: T[] = [];
    let busy = false;
    let upstreamDone = false;
    let index = 0;

    const drain = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (queue.length > 0 && !subscriber.closed) {
          const item = queue.shift() as T;
          const result = await handle(item, index++);
          if (subscriber.closed) return;
          subscriber.next(result);
        }
      } catch (error) {
        subscriber.error(error);
        return;
      } finally {
        busy = false;
      }
      if (upstreamDone) subscriber.complete();
      else demand.resume();
    };

    const subscription = subscribeWithDemand(source, demand, {
      next: (item) => {
        queue.push(item);
        demand.pause();
        void drain();
      },
      error: (error) => subscriber.error(error),
      complete: () => {
        upstreamDone = true;
        if (!busy && queue.length === 0) subscriber.complete();
      },
    });
    return () => subscription.unsubscribe();
  });
}
