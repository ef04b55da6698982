import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../src/ops/index.js';
import { kFold, split } from '../../src/streams/split.js';

const runs = { numRuns: 30 };
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const collect = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));

describe('split: marbles', () => {
  /** Whether each of four samples is held out by `split({ validation: 0.5, seed: 5 })`. */
  const sides = async (): Promise<boolean[]> => {
    const { validation$ } = split(from(range(4)), { validation: 0.5, seed: 5 });
    const held = await collect(validation$);
    return range(4).map((i) => held.includes(i));
  };

  test('each side emits its samples at their times and completes with the source', async () => {
    const held = await sides();
    expect(held.some((h) => h) && held.some((h) => !h)).toBe(true); // seed 5 splits these four both ways
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|');
      const { train$, validation$ } = split(source, { validation: 0.5, seed: 5 });
      const marble = (keep: boolean): string => '-' + 'abcd'.split('').map((c, i) => (held[i] === keep ? c : '-') + '-').join('') + '|';
      expectObservable(train$).toBe(marble(false));
      expectObservable(validation$).toBe(marble(true));
      expectSubscriptions(source.subscriptions).toBe(['^--------!', '^--------!']);
    });
  });

  test('an error reaches both sides and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('---#');
      const { train$, validation$ } = split(source, { validation: 0.5, seed: 5 });
      expectObservable(train$).toBe('---#');
      expectObservable(validation$).toBe('---#');
      expectSubscriptions(source.subscriptions).toBe(['^--!', '^--!']);
    });
  });

  test('unsubscribing one side releases its subscription to the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|');
      const { train$ } = split(source, { validation: 0, seed: 5 });
      expectObservable(train$, '^----!').toBe('-a-b-');
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('split: laws', () => {
  test.prop([fc.integer({ min: 0, max: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer()], runs)(
    'train and validation are disjoint and together are the input, each in input order',
    async (n, validation, seed) => {
      const { train$, validation$ } = split(from(range(n)), { validation, seed });
      const train = await collect(train$);
      const held = await collect(validation$);
      expect([...train, ...held].sort((a, b) => a - b)).toEqual(range(n));
      expect(train).toEqual([...train].sort((a, b) => a - b));
      expect(held).toEqual([...held].sort((a, b) => a - b));
    },
  );

  test.prop([fc.integer(), fc.constantFrom(0.05, 0.1, 0.3, 0.5)], { numRuns: 10 })(
    'over 20,000 samples the validation fraction is within 4 standard deviations of the requested one',
    async (seed, validation) => {
      const n = 20_000;
      const held = (await collect(split(from(range(n)), { validation, seed }).validation$)).length;
      const sd = Math.sqrt((validation * (1 - validation)) / n);
      expect(Math.abs(held / n - validation)).toBeLessThan(4 * sd);
    },
  );

  test.prop([fc.integer()], runs)('the same seed gives the same split on every subscription', async (seed) => {
    const { validation$ } = split(from(range(100)), { validation: 0.3, seed });
    const again = split(from(range(100)), { validation: 0.3, seed }).validation$;
    const first = await collect(validation$);
    expect(await collect(validation$)).toEqual(first);
    expect(await collect(again)).toEqual(first);
  });

  test('different seeds give different splits; 0 and 1 keep everything on one side', async () => {
    const a = await collect(split(from(range(100)), { validation: 0.3, seed: 1 }).validation$);
    const b = await collect(split(from(range(100)), { validation: 0.3, seed: 2 }).validation$);
    expect(a).not.toEqual(b);
    expect(await collect(split(from(range(50)), { validation: 0, seed: 1 }).validation$)).toEqual([]);
    expect(await collect(split(from(range(50)), { validation: 1, seed: 1 }).train$)).toEqual([]);
  });

  test('the default holds out about 10%', async () => {
    const held = await collect(split(from(range(10_000)), { seed: 9 }).validation$);
    expect(held.length / 10_000).toBeCloseTo(0.1, 1);
  });
});

describe('kFold', () => {
  test.prop([fc.integer({ min: 0, max: 120 }), fc.integer({ min: 2, max: 6 }), fc.integer()], runs)(
    'every sample is in exactly one validation fold, and each fold trains on the rest',
    async (n, k, seed) => {
      const folds = kFold(from(range(n)), k, { seed });
      expect(folds).toHaveLength(k);
      const validations = await Promise.all(folds.map((f) => collect(f.validation$)));
      expect(validations.flat().sort((a, b) => a - b)).toEqual(range(n));
      for (let f = 0; f < k; f++) {
        const train = await collect(folds[f].train$);
        expect([...train, ...validations[f]].sort((a, b) => a - b)).toEqual(range(n));
      }
    },
  );

  test('the folds have about n/k samples each', async () => {
    const folds = kFold(from(range(10_000)), 5, { seed: 4 });
    for (const fold of folds) {
      const size = (await collect(fold.validation$)).length;
      expect(Math.abs(size - 2000)).toBeLessThan(4 * Math.sqrt(10_000 * 0.2 * 0.8));
    }
  });

  test('marbles: an error reaches every fold and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#');
      const [fold] = kFold(source, 2, { seed: 1 });
      expectObservable(fold.train$).toBe('--#');
      expectObservable(fold.validation$).toBe('--#');
      expectSubscriptions(source.subscriptions).toBe(['^-!', '^-!']);
    });
  });
});

describe('split and kFold: options are checked when called', () => {
  test.each([
    [{ validation: 1.5, seed: 1 }, /split: validation must be a fraction in \[0, 1\], found 1.5/],
    [{ validation: -0.1, seed: 1 }, /split: validation must be a fraction in \[0, 1\], found -0.1/],
    [{ validation: Number.NaN, seed: 1 }, /split: validation must be a fraction in \[0, 1\], found NaN/],
    [{ validation: 0.2 }, /split: seed must be a finite number, found undefined/],
    [undefined, /split: expected an options object/],
  ])('split(source, %o) is rejected', (options, message) => {
    expect(() => split(from([1]), options as never)).toThrow(ArgumentError);
    expect(() => split(from([1]), options as never)).toThrow(message);
  });

  test.each([
    [1, { seed: 1 }, /kFold: k must be an integer >= 2, found 1/],
    [2.5, { seed: 1 }, /kFold: k must be an integer >= 2, found 2.5/],
    [3, {}, /kFold: seed must be a finite number, found undefined/],
  ])('kFold(source, %o, %o) is rejected', (k, options, message) => {
    expect(() => kFold(from([1]), k, options as never)).toThrow(ArgumentError);
    expect(() => kFold(from([1]), k, options as never)).toThrow(message);
  });
});
