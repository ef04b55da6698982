import { describe, expect, test } from 'vitest';
import { concatMap, lastValueFrom, repeat, take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, tensor } from '../../../src/ops/index.js';
import { fromArray } from '../../../src/streams/sources/from-array.js';
import { paced } from '../../../src/streams/consume.js';

const a = { x: tensor([1, 2]), y: tensor(0) };
const b = { x: tensor([3, 4]), y: tensor(1) };
const c = { x: tensor([5, 6]), y: tensor(0) };

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fromArray', () => {
  test('emits the samples in order and completes', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(fromArray([a, b, c])).toBe('(abc|)', { a, b, c });
    });
  });

  test('an empty array completes at once', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(fromArray([])).toBe('|');
    });
  });

  test('subscribing again replays the array: one subscription is one epoch', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(fromArray([a, b, c]).pipe(repeat(2))).toBe('(abcabc|)', { a, b, c });
    });
  });

  test('each trigger of an epoch stream gets the whole array again', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const epochs = cold('t 9ms t|');
      const perEpoch = epochs.pipe(concatMap(() => fromArray([a, b]).pipe(toArray())));
      expectObservable(perEpoch).toBe('v 9ms v|', { v: [a, b] });
      expectSubscriptions(epochs.subscriptions).toBe('^ 10ms !');
    });
  });

  test('unsubscribing (take) stops reading: the rest of the array is never pulled', () => {
    let pulled = 0;
    newScheduler().run(({ expectObservable }) => {
      const source = fromArray([a, b, c]).pipe(tap(() => pulled++), take(2));
      expectObservable(source).toBe('(ab|)', { a, b });
    });
    expect(pulled).toBe(2);
  });

  test('an error downstream unsubscribes the source', () => {
    let pulled = 0;
    newScheduler().run(({ expectObservable }) => {
      const source = fromArray([1, 2, 3]).pipe(
        tap(() => pulled++),
        tap((v) => {
          if (v === 2) throw new Error('bad sample 2');
        }),
      );
      expectObservable(source).toBe('(1#)', { 1: 1 }, new Error('bad sample 2'));
    });
    expect(pulled).toBe(2);
  });

  test('a slow consumer pulls one sample at a time', async () => {
    const samples = Array.from({ length: 100 }, (_, i) => i);
    let pulled = 0;
    let maxAhead = 0;
    const seen = await lastValueFrom(
      paced(fromArray(samples).pipe(tap(() => pulled++)), async (v, i) => {
        await tick();
        maxAhead = Math.max(maxAhead, pulled - (i + 1));
        return v;
      }).pipe(toArray()),
    );
    expect(seen).toEqual(samples);
    expect(maxAhead).toBeLessThanOrEqual(1);
  });

  test('the array is read at subscription time, so an epoch sees the items present then', async () => {
    const samples = [1, 2];
    const source = fromArray(samples);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2]);
    samples.push(3);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2, 3]);
  });

  test('rejects anything but an array when created', () => {
    expect(() => fromArray(new Set([1]) as unknown as number[])).toThrow(ArgumentError);
    expect(() => fromArray(new Set([1]) as unknown as number[])).toThrow('fromArray: samples must be an array, found an object (Set)');
    expect(() => fromArray(undefined as unknown as number[])).toThrow('fromArray: samples must be an array, found undefined undefined');
  });
});
