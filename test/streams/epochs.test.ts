import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { defer, from, lastValueFrom, map, take, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, tensor } from '../../src/ops/index.js';
import { epochs } from '../../src/streams/epochs.js';
import { shuffle } from '../../src/streams/shuffle.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import type { Sample } from '../../src/streams/types.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const collect = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));
const items = { a: { v: 'a' }, b: { v: 'b' } };
const tagged = (epoch: number) => ({ a: { v: 'a', epoch }, b: { v: 'b', epoch } });

describe('epochs: marbles', () => {
  test('subscription k starts when subscription k - 1 completes, and items carry their epoch', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--|', items);
      const expected = '--a--b----c--d----e--f--|';
      const values = { ...tagged(0), c: tagged(1).a, d: tagged(1).b, e: tagged(2).a, f: tagged(2).b };
      expectObservable(source.pipe(epochs(3))).toBe(expected, values);
      expectSubscriptions(source.subscriptions).toBe(['^-------!', '--------^-------!', '----------------^-------!']);
    });
  });

  test('an error stops all epochs and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--#', items);
      expectObservable(source.pipe(epochs(3))).toBe('--a--#', tagged(0));
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('an error in a later epoch stops the epochs after it', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      let subscriptions = 0;
      const ok = cold('-a|', items);
      const failing = cold<{ v: string }>('-#');
      const source = defer(() => (subscriptions++ === 0 ? ok : failing));
      expectObservable(source.pipe(epochs(3))).toBe('-a-#', tagged(0));
      expectSubscriptions(ok.subscriptions).toBe('^-!');
      expectSubscriptions(failing.subscriptions).toBe('--^!');
    });
  });

  test('unsubscribing during an epoch releases the source and starts no other', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--|', items);
      expectObservable(source.pipe(epochs(3)), '^----------!').toBe('--a--b----c', { ...tagged(0), c: tagged(1).a });
      expectSubscriptions(source.subscriptions).toBe(['^-------!', '--------^--!']);
    });
  });

  test('startEpoch resumes: epochs(3, { startEpoch: 1 }) runs epochs 1 and 2', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a|', items);
      expectObservable(source.pipe(epochs(3, { startEpoch: 1 }))).toBe('-a-b|', { a: tagged(1).a, b: tagged(2).a });
      expectObservable(source.pipe(epochs(3, { startEpoch: 3 }))).toBe('|');
    });
  });
});

describe('epochs: laws and examples', () => {
  test.prop([fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 5 })], { numRuns: 30 })(
    'n epochs of a k-item source give n·k items, epoch by epoch, each epoch the source in order',
    async (k, n) => {
      const source = from(Array.from({ length: k }, (_, i) => ({ i })));
      const out = await collect(source.pipe(epochs(n)));
      expect(out).toEqual(Array.from({ length: n * k }, (_, j) => ({ i: j % k, epoch: Math.floor(j / k) })));
    },
  );

  test('a Sample keeps x and y in place, so operators on Samples still apply', async () => {
    const sample: Sample = { x: tensor([1, 2]), y: tensor(0) };
    const [first] = await collect(from([sample]).pipe(epochs(1)));
    expect(first.x).toBe(sample.x);
    expect(first.y).toBe(sample.y);
    expect(first.epoch).toBe(0);
  });

  test('each epoch re-subscribes the operators upstream, so shuffle reshuffles', async () => {
    const source = fromPull(() => Array.from({ length: 20 }, (_, i) => ({ i }))[Symbol.iterator]());
    const out = await collect(source.pipe(shuffle({ bufferSize: 20, seed: 8 }), epochs(2)));
    const first = out.filter((o) => o.epoch === 0).map((o) => o.i);
    const second = out.filter((o) => o.epoch === 1).map((o) => o.i);
    expect([...first].sort((a, b) => a - b)).toEqual([...second].sort((a, b) => a - b));
    expect(first).not.toEqual(second);
  });

  test('epochs(Infinity) repeats until unsubscribed, and each subscription counts from startEpoch', async () => {
    const endless = from([{ v: 1 }]).pipe(epochs(Infinity));
    expect((await collect(endless.pipe(take(4)))).map((o) => o.epoch)).toEqual([0, 1, 2, 3]);
    expect((await collect(endless.pipe(take(2), map((o) => o.epoch))))).toEqual([0, 1]);
  });
});

describe('epochs: options are checked when the operator is created', () => {
  test.each([
    [0, {}, /epochs: n must be an integer >= 1, found 0/],
    [2.5, {}, /epochs: n must be an integer >= 1, found 2.5/],
    [3, { startEpoch: -1 }, /epochs: startEpoch must be an integer >= 0, found -1/],
    [3, { startEpoch: 4 }, /epochs: startEpoch 4 is past the last epoch \(n = 3\)/],
  ])('epochs(%o, %o) is rejected', (n, options, message) => {
    expect(() => epochs(n, options)).toThrow(ArgumentError);
    expect(() => epochs(n, options)).toThrow(message);
  });
});
