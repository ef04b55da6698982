import { describe, expect, test } from 'vitest';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { fromAsyncIterable } from '../../../src/streams/sources/from-async-iterable.js';
import { paced } from '../../../src/streams/consume.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A replayable async iterable over 0..n-1 that records reads and closes. */
function counted(n: number) {
  const state = { reads: 0, opened: 0, closed: 0 };
  const iterable: AsyncIterable<number> = {
    async *[Symbol.asyncIterator]() {
      state.opened++;
      try {
        for (let i = 0; i < n; i++) {
          await tick();
          state.reads++;
          yield i;
        }
      } finally {
        state.closed++;
      }
    },
  };
  return { iterable, state };
}

describe('fromAsyncIterable', () => {
  test('emits every item and completes', async () => {
    const { iterable } = counted(5);
    expect(await lastValueFrom(fromAsyncIterable(iterable).pipe(toArray()))).toEqual([0, 1, 2, 3, 4]);
  });

  test('each subscription asks for a fresh iterator, so a replayable iterable gives one epoch per subscription', async () => {
    const { iterable, state } = counted(3);
    const source = fromAsyncIterable(iterable);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([0, 1, 2]);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([0, 1, 2]);
    expect(state.opened).toBe(2);
  });

  test('a one-shot iterable (a generator object) works once; a second subscription errors instead of completing empty', async () => {
    async function* gen() {
      yield 1;
      yield 2;
    }
    const source = fromAsyncIterable(gen());
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2]);
    await expect(lastValueFrom(source)).rejects.toThrow(ArgumentError);
    await expect(lastValueFrom(source)).rejects.toThrow(
      'fromAsyncIterable: the iterable is its own iterator (a generator object?) and an earlier subscription already consumed it; ' +
        'to replay it, pass { [Symbol.asyncIterator]: () => gen() }',
    );
  });

  test('wrapping the generator function, as the error suggests, makes it replayable', async () => {
    async function* gen() {
      yield 1;
      yield 2;
    }
    const source = fromAsyncIterable({ [Symbol.asyncIterator]: () => gen() });
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2]);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2]);
  });

  test('reads the next item only when a slow consumer is ready for it', async () => {
    const { iterable, state } = counted(200);
    let maxAhead = 0;
    const seen = await lastValueFrom(
      paced(fromAsyncIterable(iterable), async (v, i) => {
        await tick();
        await tick();
        await tick();
        maxAhead = Math.max(maxAhead, state.reads - (i + 1));
        return v;
      }).pipe(toArray()),
    );
    expect(seen).toHaveLength(200);
    expect(maxAhead).toBeLessThanOrEqual(1);
  });

  test('unsubscribing calls return(): the generator runs its finally and nothing more is read', async () => {
    const { iterable, state } = counted(1_000_000);
    const seen = await lastValueFrom(paced(fromAsyncIterable(iterable), async (v) => v).pipe(take(5), toArray()));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 5 && state.closed === 0; i++) await tick();
    expect(state.closed).toBe(1);
    expect(state.reads).toBeLessThanOrEqual(6);
  });

  test('firstValueFrom closes the iterator after one item', async () => {
    const { iterable, state } = counted(100);
    expect(await firstValueFrom(fromAsyncIterable(iterable))).toBe(0);
    for (let i = 0; i < 5 && state.closed === 0; i++) await tick();
    expect(state.closed).toBe(1);
    expect(state.reads).toBeLessThanOrEqual(2);
  });

  test('an error thrown by the iterator errors the Observable after the items before it', async () => {
    async function* failing() {
      yield 1;
      throw new Error('connection reset at row 2');
    }
    const seen: number[] = [];
    const failure = await new Promise<Error>((resolve) => {
      fromAsyncIterable({ [Symbol.asyncIterator]: () => failing() }).subscribe({
        next: (v) => seen.push(v),
        error: resolve,
        complete: () => resolve(new Error('completed instead of failing')),
      });
    });
    expect(seen).toEqual([1]);
    expect(failure.message).toBe('connection reset at row 2');
  });

  test('rejects a value without Symbol.asyncIterator when created, with a hint for sync iterables', () => {
    expect(() => fromAsyncIterable(42 as never)).toThrow(ArgumentError);
    expect(() => fromAsyncIterable(null as never)).toThrow('fromAsyncIterable: expected an async iterable, found null');
    expect(() => fromAsyncIterable([1, 2] as never)).toThrow(
      'fromAsyncIterable: expected an async iterable, found object (a synchronous iterable: use fromArray or fromPull)',
    );
  });
});
