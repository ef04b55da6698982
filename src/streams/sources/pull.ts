import { Observable, type Subscriber } from 'rxjs';
import { type Demand, currentDemand } from '../demand.js';

/**
 * A cold Observable that pulls items from an iterator only when the consumer is ready
 * (see `Demand`): the base of every synchronous streamgrad source. Each subscription calls
 * `open()` for a fresh iterator (one subscription is one epoch); unsubscribing stops the
 * pulling at once and calls the iterator's `return()`, so generators run their `finally`.
 */
export function fromPull<T>(open: () => Iterator<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const demand = currentDemand();
    const iterator = open();
    let cancelWait: (() => void) | null = null;
    let finished = false;
    const pump = (): void => {
      try {
        while (!subscriber.closed) {
          if (demand !== undefined && !demand.ready) {
            cancelWait = demand.whenReady(() => {
              cancelWait = null;
              pump();
            });
            return;
          }
          const step = iterator.next();
          if (step.done) {
            finished = true;
            subscriber.complete();
            return;
          }
          subscriber.next(step.value);
        }
      } catch (error) {
        finished = true;
        subscriber.error(error);
      }
    };
    pump();
    return () => {
      cancelWait?.();
      if (!finished) iterator.return?.();
    };
  });
}

/**
 * The asynchronous twin of `fromPull`: awaits `next()` of an async iterator only when the
 * consumer is ready, one item at a time, so a file or socket is read no faster than the
 * pipeline consumes it.
 */
export function fromAsyncPull<T>(open: () => AsyncIterator<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const demand = currentDemand();
    const iterator = open();
    let cancelWait: (() => void) | null = null;
    let finished = false;
    void pumpAsync(iterator, subscriber, demand, (cancel) => (cancelWait = cancel), () => (finished = true));
    return () => {
      cancelWait?.();
      if (!finished) void iterator.return?.()?.catch(() => undefined);
    };
  });
}

async function pumpAsync<T>(
  iterator: AsyncIterator<T>,
  subscriber: Subscriber<T>,
  demand: Demand | undefined,
  setCancel: (cancel: (() => void) | null) => void,
  markFinished: () => void,
): Promise<void> {
  try {
    while (!subscriber.closed) {
      if (demand !== undefined && !demand.ready) {
        await new Promise<void>((resolve) => setCancel(demand.whenReady(resolve)));
        setCancel(null);
        if (subscriber.closed) return;
      }
      const step = await iterator.next();
      if (subscriber.closed) return;
      if (step.done) {
        markFinished();
        subscriber.complete();
        return;
      }
      subscriber.next(step.value);
    }
  } catch (error) {
    markFinished();
    subscriber.error(error);
  }
}
