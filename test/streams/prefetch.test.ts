import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { lastValueFrom, take, tap, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../src/ops/index.js';
import { prefetch } from '../../src/streams/prefetch.js';
import { shuffle } from '../../src/streams/shuffle.js';
import { Demand, subscribeWithDemand } from '../../src/streams/demand.js';
import { fromAsyncPull, fromPull } from '../../src/streams/sources/pull.js';
import { paced } from '../../src/streams/consume.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const collect = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A pull source of 0..n-1 that counts what it produced and whether it was closed. */
function counted(n: number, failAfter = Infinity) {
  const state = { produced: 0, closed: false };
  const source = fromPull(function* () {
    try {
      for (let i = 0; i < n; i++) {
        if (i === failAfter) throw new Error(`source failed after ${i} items`);
        state.produced++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  });
  return { source, state };
}

/** A consumer that takes `ticks` turns of the event loop per item and records how far the source ran ahead. */
function slowConsumer(state: { produced: number }, ticks: number) {
  const seen = { started: 0, maxAhead: 0, minAheadWhileWorking: Infinity, handled: [] as number[] };
  const handle = async (v: number): Promise<number> => {
    seen.started++;
    seen.handled.push(v);
    seen.maxAhead = Math.max(seen.maxAhead, state.produced - seen.started);
    for (let t = 0; t < ticks; t++) {
      await tick();
      seen.maxAhead = Math.max(seen.maxAhead, state.produced - seen.started);
    }
    return v;
  };
  return { seen, handle };
}

describe('prefetch: marbles (no consumer demand: items pass straight through)', () => {
  test('emits every item at its time and completes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a-b--c|');
      expectObservable(source.pipe(prefetch(2))).toBe('--a-b--c|');
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  test('passes an error on and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a-#');
      expectObservable(source.pipe(prefetch(2))).toBe('--a-#');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  test('unsubscribing releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a-b--c|');
      expectObservable(source.pipe(prefetch(2)), '^---!').toBe('--a-');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });
});

describe('prefetch: with a slow consumer', () => {
  test.prop([fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 })], { numRuns: 12 })(
    'the source runs up to n items ahead, never more than n + 1, and the order is kept',
    async (n, ticks) => {
      const { source, state } = counted(60);
      const { seen, handle } = slowConsumer(state, ticks);
      const out = await collect(paced(source.pipe(prefetch(n)), handle));
      expect(out).toEqual(range(60));
      expect(seen.maxAhead).toBeLessThanOrEqual(n + 1);
      expect(seen.maxAhead).toBeGreaterThanOrEqual(n); // it does work ahead while the consumer is busy
    },
  );

  test('an asynchronous source is read at most n + 1 items ahead', async () => {
    const state = { produced: 0 };
    async function* records() {
      for (let i = 0; i < 40; i++) {
        await tick();
        state.produced++;
        yield i;
      }
    }
    const { seen, handle } = slowConsumer(state, 4);
    const out = await collect(paced(fromAsyncPull(() => records()).pipe(prefetch(3)), handle));
    expect(out).toEqual(range(40));
    expect(seen.maxAhead).toBeLessThanOrEqual(4);
    expect(seen.maxAhead).toBeGreaterThanOrEqual(3);
  });

  test('without prefetch the same consumer keeps the source one item ahead at most (the baseline)', async () => {
    const { source, state } = counted(30);
    const { seen, handle } = slowConsumer(state, 2);
    await collect(paced(source, handle));
    expect(seen.maxAhead).toBeLessThanOrEqual(1);
  });

  test('an error is delivered after the queued items', async () => {
    const { source, state } = counted(100, 5);
    const { seen, handle } = slowConsumer(state, 2);
    await expect(collect(paced(source.pipe(prefetch(8)), handle))).rejects.toThrow('source failed after 5 items');
    expect(seen.handled).toEqual([0, 1, 2, 3, 4]);
  });

  test('unsubscribing downstream stops the source at once and runs its finally block', async () => {
    const { source, state } = counted(1_000_000);
    const { handle } = slowConsumer(state, 1);
    const out = await collect(paced(source.pipe(prefetch(4)), handle).pipe(take(5)));
    expect(out).toEqual(range(5));
    expect(state.closed).toBe(true);
    expect(state.produced).toBeLessThanOrEqual(5 + 4 + 1);
  });

  test('a shuffle buffer flushing upstream is held to n items ahead too, and still prefetched', async () => {
    // 60 items through a 20-item buffer: the source completes in a resumed pump, and the
    // flush of the last 20 must run under prefetch's demand, not the consumer's.
    const { source } = counted(60);
    const emitted = { produced: 0 };
    const { seen, handle } = slowConsumer(emitted, 2);
    let aheadDuringFlush = 0;
    const out = await collect(
      paced(source.pipe(shuffle({ bufferSize: 20, seed: 2 }), tap(() => emitted.produced++), prefetch(3)), async (v) => {
        const result = await handle(v);
        if (seen.started > 45) aheadDuringFlush = Math.max(aheadDuringFlush, emitted.produced - seen.started);
        return result;
      }),
    );
    expect([...out].sort((a, b) => a - b)).toEqual(range(60));
    expect(seen.maxAhead).toBeLessThanOrEqual(4);
    expect(aheadDuringFlush).toBe(3);
  });

  test('a consumer demand that stays ready gets every item synchronously, in order', () => {
    const { source } = counted(10);
    const got: number[] = [];
    let completed = false;
    subscribeWithDemand(source.pipe(prefetch(2)), new Demand(), { next: (v) => got.push(v), complete: () => (completed = true) });
    expect(got).toEqual(range(10));
    expect(completed).toBe(true);
  });
});

describe('prefetch: options are checked when the operator is created', () => {
  test.each([0, -1, 1.5, Number.NaN])('prefetch(%o) is rejected', (n) => {
    expect(() => prefetch(n)).toThrow(ArgumentError);
    expect(() => prefetch(n)).toThrow(`prefetch: n must be an integer >= 1, found ${n}`);
  });
});
