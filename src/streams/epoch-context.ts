import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';

const current = new AsyncLocalStorage<number>();

/**
 * The epoch that `fit` is running, seen by the sources and operators it subscribes to
 * (`shuffle`, `augment`), so they derive their per-epoch randomness from the run's epoch
 * rather than from how often they were subscribed. That is what makes a resumed run draw
 * the same data order as an uninterrupted one. `undefined` outside `fit`.
 */
export function currentEpoch(): number | undefined {
  return current.getStore();
}

/** `source`, subscribed with `currentEpoch()` set to `epoch` for everything upstream. */
export function inEpoch<T>(epoch: number, source: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => current.run(epoch, () => source.subscribe(subscriber)));
}
