import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, map, take, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Sample } from '../../../src/streams/types.js';
import { parallelWindows, windows } from '../../../src/streams/sequences/windows.js';
import type { SequenceBatch } from '../../../src/streams/sequences/tbptt.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const tokens = { a: 0, b: 1, c: 2, d: 3, e: 4, f: 5, g: 6 };
const pairs = map((s: Sample) => `${(s.x.toArray() as number[]).join('')}/${(s.y.toArray() as number[]).join('')}`);
const collect = (list: number[], length: number, stride?: number): Promise<Sample[]> =>
  lastValueFrom(from(list).pipe(windows({ length, stride }), toArray()));

describe('windows: marbles', () => {
  test('emits each window as soon as its last target arrives', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-f-g-|', tokens);
      expectObservable(source.pipe(windows({ length: 2 }), pairs)).toBe('-----x---y---z-|', { x: '01/12', y: '23/34', z: '45/56' });
      expectSubscriptions(source.subscriptions).toBe('^--------------!');
    });
  });

  test('stride < length overlaps windows', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-|', tokens);
      expectObservable(source.pipe(windows({ length: 2, stride: 1 }), pairs)).toBe('-----x-y-|', { x: '01/12', y: '12/23' });
    });
  });

  test('an error is passed on and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-#', tokens);
      expectObservable(source.pipe(windows({ length: 2 }), pairs)).toBe('-----x-#', { x: '01/12' });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  test('unsubscribing downstream releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-|', tokens);
      expectObservable(source.pipe(windows({ length: 1 }), take(2), pairs)).toBe('---x-(y|)', { x: '0/1', y: '1/2' });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('windows: laws', () => {
  test.prop([fc.array(fc.nat(50), { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })], { numRuns: 60 })(
    'window i is x = t[i·stride … i·stride + length − 1], y = x shifted by one, for every start with length + 1 tokens',
    async (list, length, stride) => {
      const out = await collect(list, length, stride);
      const expected: [number[], number[]][] = [];
      for (let s = 0; s + length + 1 <= list.length; s += stride) expected.push([list.slice(s, s + length), list.slice(s + 1, s + length + 1)]);
      expect(out.map((w) => [w.x.toArray(), w.y.toArray()])).toEqual(expected);
      for (const w of out) expect([w.x.shape, w.y.shape]).toEqual([[length], [length]]);
    },
  );

  test('options are checked at creation, bad tokens error the stream with their position', async () => {
    expect(() => windows({ length: 0 })).toThrow('windows: length must be an integer >= 1, found 0');
    expect(() => windows({ length: 2, stride: 1.5 })).toThrow('windows: stride must be an integer >= 1, found 1.5');
    await expect(collect([1, 2, -1], 2)).rejects.toThrow('windows: tokens must be integers >= 0, found -1 at position 2');
  });
});

describe('parallelWindows', () => {
  const collectBatches = (n: number, batchSize: number, length: number, dropRemainder?: boolean): Promise<SequenceBatch[]> =>
    lastValueFrom(parallelWindows(Array.from({ length: n }, (_, i) => i), { batchSize, length, dropRemainder }).pipe(toArray()));

  test('13 tokens, 2 rows, length 2: parts 0…5 and 6…11, row b of each batch continues row b of the one before', async () => {
    const batches = await collectBatches(13, 2, 2);
    expect(batches.map((b) => [b.x.toArray(), b.y.toArray()])).toEqual([
      [[[0, 1], [6, 7]], [[1, 2], [7, 8]]],
      [[[2, 3], [8, 9]], [[3, 4], [9, 10]]],
    ]);
    expect(batches.map((b) => b.reset)).toEqual([[true, true], undefined]);
    expect(batches.map((b) => b.size)).toEqual([2, 2]);
  });

  test('dropRemainder: false keeps each row\'s shorter last window', async () => {
    const batches = await collectBatches(13, 2, 2, false);
    expect(batches.at(-1)!.x.toArray()).toEqual([[4], [10]]);
    expect(batches.at(-1)!.y.toArray()).toEqual([[5], [11]]);
  });

  test('every subscription (epoch) starts the parts over', async () => {
    const source = parallelWindows([0, 1, 2, 3, 4, 5], { batchSize: 2, length: 1 });
    const first = await lastValueFrom(source.pipe(toArray()));
    const second = await lastValueFrom(source.pipe(toArray()));
    expect(second.map((b) => b.x.toArray())).toEqual(first.map((b) => b.x.toArray()));
  });

  test('too few tokens for the rows is an error naming the numbers', () => {
    expect(() => parallelWindows([0, 1, 2], { batchSize: 2, length: 2 })).toThrow('parallelWindows: 3 tokens make parts of 1 token(s) for 2 rows; each row needs at least 2');
    expect(() => parallelWindows([0, 0.5], { batchSize: 1, length: 2 })).toThrow('parallelWindows: tokens must be integers >= 0, found 0.5 at position 1');
  });
});
