import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, ShapeError, tensor } from '../../src/ops/index.js';
import { padBatch } from '../../src/streams/pad-batch.js';
import type { Batch, Sample } from '../../src/streams/types.js';

const runs = { numRuns: 40 };
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A sequence of `length` steps with `features` values each; step t of sample v holds v·10 + t + 1. */
const sequence = (v: number, length: number, features = 2, y = tensor(v)): Sample => ({
  x: tensor(Array.from({ length: length * features }, (_, i) => v * 10 + Math.floor(i / features) + 1), [length, features]),
  y,
});
const collect = (samples: Sample[], size: number, options = {}): Promise<Batch[]> =>
  lastValueFrom(from(samples).pipe(padBatch(size, options), toArray()));
const shapes = map((b: Batch) => b.x.shape.join('x'));

describe('padBatch: marbles', () => {
  test('emits a padded batch every `size` samples and the remainder on completion', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--|', { a: sequence(0, 2), b: sequence(1, 3), c: sequence(2, 1) });
      expectObservable(source.pipe(padBatch(2), shapes)).toBe('-----x-----(y|)', { x: '2x3x2', y: '1x1x2' });
      expectSubscriptions(source.subscriptions).toBe('^----------!');
    });
  });

  test('an error is passed on and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--#', { a: sequence(0, 2) });
      expectObservable(source.pipe(padBatch(2), shapes)).toBe('-----#');
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('unsubscribing releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--a--b--c--|', { a: sequence(0, 2), b: sequence(1, 3), c: sequence(2, 1) });
      expectObservable(source.pipe(padBatch(2, { dropRemainder: true }), shapes), '^------!').toBe('-----x-', { x: '2x3x2' });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });
});

describe('padBatch: worked examples', () => {
  test('pads to the longest sequence of the batch and marks the real steps', async () => {
    const [b, last] = await collect([sequence(0, 2), sequence(1, 3), sequence(2, 1)], 2, { padValue: -1 });
    expect(b.x.toArray()).toEqual([
      [[1, 1], [2, 2], [-1, -1]],
      [[11, 11], [12, 12], [13, 13]],
    ]);
    expect(b.mask?.toArray()).toEqual([[1, 1, 0], [1, 1, 1]]);
    expect(b.y.toArray()).toEqual([0, 1]);
    expect(b.size).toBe(2);
    expect(last.x.shape).toEqual([1, 1, 2]);
    expect(last.mask?.toArray()).toEqual([[1]]);
  });

  test('a y aligned with x (one tag per step) is padded with yPadValue', async () => {
    const tags = (length: number): Sample => sequence(0, length, 1, tensor(Array.from({ length }, (_, t) => t + 1)));
    const [b] = await collect([tags(1), tags(3)], 2, { yPadValue: -100 });
    expect(b.y.toArray()).toEqual([[1, -100, -100], [1, 2, 3]]);
    expect(b.x.toArray()).toEqual([[[1], [0], [0]], [[1], [2], [3]]]);
  });

  test('a one-hot y whose size happens to equal one length is stacked, not padded', async () => {
    const oneHot = tensor([0, 1, 0]);
    const [b] = await collect([sequence(0, 3, 2, oneHot), sequence(1, 2, 2, oneHot)], 2);
    expect(b.y.toArray()).toEqual([[0, 1, 0], [0, 1, 0]]);
  });

  test('features that differ name the sample and both shapes', async () => {
    await expect(collect([sequence(0, 2, 2), sequence(1, 2, 3)], 2)).rejects.toThrow(ShapeError);
    await expect(collect([sequence(0, 2, 2), sequence(1, 2, 3)], 2)).rejects.toThrow(
      'padBatch: sample 1 has x of shape [2,3] whose steps [3] differ from those of sample 0 (first of its batch, [2,2])',
    );
  });

  test('a scalar x is rejected with its index', async () => {
    const scalar = { x: tensor(1), y: tensor(0) };
    await expect(collect([sequence(0, 1), sequence(1, 1), scalar], 2)).rejects.toThrow('padBatch: sample 2 has a scalar x');
  });

  test('ys that are neither aligned nor of one shape are rejected with the index', async () => {
    await expect(collect([sequence(0, 2, 2, tensor([1])), sequence(1, 2, 2, tensor([1, 2, 3]))], 2)).rejects.toThrow(
      'padBatch: sample 1 has y of shape [3] but sample 0 (first of its batch) has [1]',
    );
  });

  test.each([
    [0, {}, /padBatch: size must be an integer >= 1, found 0/],
    [2, { padValue: Number.NaN }, /padBatch: padValue must be a finite number, found NaN/],
    [2, { yPadValue: 'x' }, /padBatch: yPadValue must be a finite number, found x/],
    [2, { dropRemainder: 1 }, /padBatch: dropRemainder must be a boolean, found 1/],
  ])('padBatch(%o, %o) is rejected when created', (size, options, message) => {
    expect(() => padBatch(size, options as never)).toThrow(ArgumentError);
    expect(() => padBatch(size, options as never)).toThrow(message);
  });
});

describe('padBatch: laws', () => {
  test.prop(
    [fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: -3, max: 3 })],
    runs,
  )('the masked steps are the input, in order, and every other step is padValue', async (lengths, size, padValue) => {
    const samples = lengths.map((length, i) => sequence(i, length, 2));
    const batches = await collect(samples, size, { padValue });
    expect(batches).toHaveLength(Math.ceil(lengths.length / size));
    batches.forEach((b, bi) => {
      const longest = Math.max(...lengths.slice(bi * size, bi * size + size));
      expect(b.x.shape).toEqual([b.size, longest, 2]);
      expect(b.mask?.shape).toEqual([b.size, longest]);
      for (let i = 0; i < b.size; i++) {
        const input = samples[bi * size + i].x;
        for (let t = 0; t < longest; t++) {
          const real = t < input.shape[0];
          expect(b.mask?.data[i * longest + t]).toBe(real ? 1 : 0);
          for (let f = 0; f < 2; f++) {
            expect(b.x.data[(i * longest + t) * 2 + f]).toBe(real ? input.data[t * 2 + f] : padValue);
          }
        }
      }
    });
  });
});
