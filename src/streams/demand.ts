import { AsyncLocalStorage } from 'node:async_hooks';
import type { Observable, Observer, Subscription } from 'rxjs';

/**
 * Back-pressure for push-based RxJS pipelines: whether the consumer at the end of a
 * pipeline is ready for more.
 *
 * RxJS pushes; a consumer that does asynchronous work (a training step that yields to the
 * event loop, a worker pool, a file write) would otherwise let a fast source fill memory.
 * A consumer subscribes through `subscribeWithDemand`, which makes its `Demand` visible to
 * every streamgrad source subscribed during that call, however many RxJS operators lie in
 * between (the subscription runs inside an `AsyncLocalStorage` context, and so do the
 * source's later continuations). A source emits while `ready` is true and otherwise waits
 * for `resume()`. Because the operators in between run synchronously inside each `next`,
 * a consumer that pauses inside its `next` stops the source before the following item.
 *
 * Without a consumer's demand (a plain `subscribe`, a marble test) sources emit as fast as
 * they can, like any cold Observable.
 */
export class Demand {
  private paused = false;
  private readonly waiters = new Set<() => void>();
  private wakeScheduled = false;

  /** True when the consumer takes more items. */
  get ready(): boolean {
    return !this.paused;
  }

  /** Stops sources after the item being delivered now. */
  pause(): void {
    this.paused = true;
  }

  /**
   * Lets sources continue. Waiting sources are woken on a later turn of the event loop
   * (`setImmediate`), so timers and I/O run between a consumer's items.
   */
  resume(): void {
    this.paused = false;
    if (this.waiters.size === 0 || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (this.paused) return;
      const waiting = [...this.waiters];
      this.waiters.clear();
      for (const wake of waiting) wake();
    });
  }

  /** Calls `wake` once the consumer is ready (on a later turn); returns a function that cancels the wait. */
  whenReady(wake: () => void): () => void {
    this.waiters.add(wake);
    if (!this.paused) this.resume();
    return () => this.waiters.delete(wake);
  }
}

const current = new AsyncLocalStorage<Demand>();

/** The demand of the consumer whose subscription is running, if any. */
export function currentDemand(): Demand | undefined {
  return current.getStore();
}

/**
 * Subscribes `observer` to `source` so that every streamgrad source upstream honours
 * `demand`. Used by consumers that do asynchronous work per item (`fit`, `prefetch`,
 * `parallelMap`).
 */
export function subscribeWithDemand<T>(source: Observable<T>, demand: Demand, observer: Partial<Observer<T>>): Subscription {
  return current.run(demand, () => source.subscribe(observer));
}
