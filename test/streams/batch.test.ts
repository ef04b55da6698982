import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, ShapeError, tensor } from '../../src/ops/index.js';
import { batch } from '../../src/streams/batch.js';
import type { Batch, Sample } from '../../src/streams/types.js';

const runs = { numRuns: 40 };
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const sample = (v: number, xShape: number[] = [2]): Sample => ({
  x: tensor(new Array<number>(xShape.reduce((a, b) => a * b, 1)).fill(v), xShape),
  y: tensor(v),
});
const values = { a: sample(1), b: sample(2), c: sample(3), d: sample(4), e: sample(5) };
const sizes = map((b: Batch) => b.size);
const collect = (samples: Sample[], size: number, dropRemainder = false): Promise<Batch[]> =>
  lastValueFrom(from(samples).pipe(batch(size, { dropRemainder }), toArray()));

describe('batch: marbles', () => {
  test('emits a batch every `size` samples and the remainder on completion', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--d--e--|', values);
      expectObservable(source.pipe(batch(2), sizes)).toBe('-----x-----x-----(y|)', { x: 2, y: 1 });
      expectSubscriptions(source.subscriptions).toBe('^----------------!');
    });
  });

  test('dropRemainder drops the partial last batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('--a--b--c--d--e--|', values);
      expectObservable(source.pipe(batch(2, { dropRemainder: true }), sizes)).toBe('-----x-----x-----|', { x: 2 });
    });
  });

  test('an error is passed on and releases the source; the partial batch is dropped', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--#', values);
      expectObservable(source.pipe(batch(2), sizes)).toBe('-----x-----#', { x: 2 });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  test('unsubscribing releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--d--e--|', values);
      expectObservable(source.pipe(batch(2), sizes), '^-------!').toBe('-----x--', { x: 2 });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  test('a sample of another shape errors the stream, naming its index and both shapes, and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|', { a: sample(1), b: sample(2), c: sample(3), d: sample(4, [3]) });
      const error = new ShapeError(
        'batch: sample 3 has x of shape [3] but sample 2 (first of its batch) has [2]; use padBatch for sequences of different lengths',
      );
      expectObservable(source.pipe(batch(2), sizes)).toBe('---x---#', { x: 2 }, error);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });
});

describe('batch: laws', () => {
  const arbCase = fc.record({
    n: fc.integer({ min: 0, max: 30 }),
    size: fc.integer({ min: 1, max: 8 }),
    dropRemainder: fc.boolean(),
  });

  test.prop([arbCase], runs)('n samples give ceil(n/b) batches, floor(n/b) with dropRemainder', async ({ n, size, dropRemainder }) => {
    const batches = await collect(Array.from({ length: n }, (_, i) => sample(i)), size, dropRemainder);
    expect(batches).toHaveLength(dropRemainder ? Math.floor(n / size) : Math.ceil(n / size));
    batches.forEach((b, i) => {
      const expectedSize = Math.min(size, n - i * size);
      expect(b.size).toBe(expectedSize);
      expect(b.x.shape).toEqual([expectedSize, 2]);
      expect(b.y.shape).toEqual([expectedSize]);
    });
  });

  test.prop([arbCase], runs)('the batches concatenated are the input, in order', async ({ n, size, dropRemainder }) => {
    const batches = await collect(Array.from({ length: n }, (_, i) => sample(i)), size, dropRemainder);
    const kept = dropRemainder ? Math.floor(n / size) * size : n;
    const ys = batches.flatMap((b) => Array.from(b.y.data));
    const xs = batches.flatMap((b) => Array.from(b.x.data));
    expect(ys).toEqual(Array.from({ length: kept }, (_, i) => i));
    expect(xs).toEqual(Array.from({ length: kept }, (_, i) => [i, i]).flat());
  });
});

describe('batch: examples and errors', () => {
  test('scalar class labels stack to [N]; images stack to [N, C, H, W]', async () => {
    const [b] = await collect([sample(0, [1, 2, 2]), sample(7, [1, 2, 2])], 4);
    expect(b.x.shape).toEqual([2, 1, 2, 2]);
    expect(b.y.toArray()).toEqual([0, 7]);
    expect(b.mask).toBeUndefined();
  });

  test('a y of another shape is named like an x', async () => {
    const odd = { x: tensor([1, 1]), y: tensor([1, 0]) };
    await expect(collect([sample(0), odd], 2)).rejects.toThrow('batch: sample 1 has y of shape [2] but sample 0 (first of its batch) has []');
  });

  test('an item that is not a sample is named by its index', async () => {
    await expect(collect([sample(0), { x: [1, 2] } as never], 2)).rejects.toThrow(ArgumentError);
    await expect(collect([sample(0), { x: [1, 2] } as never], 2)).rejects.toThrow('batch: sample 1 has no tensor x (found object)');
  });

  test.each([
    [0, {}, /batch: size must be an integer >= 1, found 0/],
    [1.5, {}, /batch: size must be an integer >= 1, found 1.5/],
    [2, { dropRemainder: 'yes' }, /batch: dropRemainder must be a boolean, found yes/],
  ])('batch(%o, %o) is rejected when created', (size, options, message) => {
    expect(() => batch(size, options as never)).toThrow(ArgumentError);
    expect(() => batch(size, options as never)).toThrow(message);
  });
});
