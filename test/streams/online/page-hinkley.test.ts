import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../../src/ops/index.js';
import { PageHinkley, pageHinkley } from '../../../src/streams/online/page-hinkley.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('PageHinkley: the statistic, worked by hand', () => {
  test('δ = 0.1, α = 0.5, λ = 1.9 on 1, 1, 1, 3, 3: m, M and PH step by step; it fires on the fifth value', () => {
    const ph = new PageHinkley({ delta: 0.1, alpha: 0.5, lambda: 1.9, minInstances: 1 });
    // x̄_t = 1, 1, 1, 1.5, 1.8;  m_t = 0.5·m_{t−1} + x_t − x̄_t − 0.1
    const expected = [
      { mean: 1, m: -0.1, M: -0.1, PH: 0 },
      { mean: 1, m: -0.15, M: -0.15, PH: 0 },
      { mean: 1, m: -0.175, M: -0.175, PH: 0 },
      { mean: 1.5, m: -0.0875 + 1.5 - 0.1, M: -0.175, PH: 1.4875 }, // m = 1.3125
    ];
    [1, 1, 1, 3].forEach((x, t) => {
      expect(ph.update(x)).toBeNull();
      const s = ph.state();
      expect(s.mean).toBeCloseTo(expected[t].mean, 12);
      expect(s.sumIncrease).toBeCloseTo(expected[t].m, 12);
      expect(s.minIncrease).toBeCloseTo(expected[t].M, 12);
      expect(ph.statistic).toBeCloseTo(expected[t].PH, 12);
    });
    // t = 5: x̄ = 1.8, m = 0.5·1.3125 + 3 − 1.8 − 0.1 = 1.75625, PH = 1.75625 + 0.175 = 1.93125 > 1.9
    const signal = ph.update(3);
    expect(signal?.level).toBe('drift');
    expect(signal?.statistic).toBeCloseTo(1.93125, 12);
    expect(signal?.threshold).toBe(1.9);
  });

  test('after a drift every statistic starts afresh', () => {
    const ph = new PageHinkley({ delta: 0.1, alpha: 0.5, lambda: 1.9, minInstances: 1 });
    for (const x of [1, 1, 1, 3, 3]) ph.update(x);
    expect(ph.state()).toEqual({ n: 0, mean: 0, sumIncrease: 0, minIncrease: null, sumDecrease: 0, maxDecrease: null });
    expect(ph.statistic).toBe(0);
  });

  test('the test does not run before minInstances values: the same stream fires one value later with minInstances 6', () => {
    const values = [1, 1, 1, 3, 3, 3, 3];
    const fires = (minInstances: number) => {
      const ph = new PageHinkley({ delta: 0.1, alpha: 0.5, lambda: 1.9, minInstances });
      return values.findIndex((x) => ph.update(x) !== null);
    };
    expect(fires(5)).toBe(4);
    // PH at t = 6 is m = 0.878125 + 3 − 2 − 0.1 = 1.778125 − (−0.175) = 1.953125 > 1.9
    expect(fires(6)).toBe(5);
  });

  test("direction 'decrease' fires on a fall and not on a rise; 'both' on either", () => {
    const opts = { delta: 0, alpha: 1, lambda: 3, minInstances: 1 } as const;
    const firstFire = (direction: 'increase' | 'decrease' | 'both', values: number[]) => {
      const ph = new PageHinkley({ ...opts, direction });
      return values.findIndex((x) => ph.update(x) !== null);
    };
    const rise = [0, 0, 0, 0, 5, 5, 5];
    const fall = rise.map((x) => -x);
    expect(firstFire('increase', rise)).toBe(4);
    expect(firstFire('increase', fall)).toBe(-1);
    expect(firstFire('decrease', fall)).toBe(4);
    expect(firstFire('decrease', rise)).toBe(-1);
    expect(firstFire('both', rise)).toBe(4);
    expect(firstFire('both', fall)).toBe(4);
  });
});

describe('PageHinkley: state', () => {
  propTest.prop([fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 60 }), fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 60 })], { numRuns: 50 })(
    'for any split of a stream, a detector restored from JSON of state() continues exactly like the original',
    (head, tail) => {
      const a = new PageHinkley({ lambda: 5, minInstances: 3 });
      for (const x of head) a.update(x);
      const b = new PageHinkley({ lambda: 5, minInstances: 3 });
      b.loadState(JSON.parse(JSON.stringify(a.state())));
      for (const x of tail) expect(b.update(x)).toEqual(a.update(x));
      expect(b.state()).toEqual(a.state());
    },
  );

  test('loadState refuses a malformed state, naming the field, and changes nothing', () => {
    const ph = new PageHinkley();
    ph.update(1);
    const before = ph.state();
    expect(() => ph.loadState({ ...before, mean: 'x' } as never)).toThrow('pageHinkley.loadState: mean must be a finite number, found "x"');
    expect(() => ph.loadState({ ...before, n: 1.5 })).toThrow('pageHinkley.loadState: n must be an integer >= 0, found 1.5');
    expect(() => ph.loadState(null as never)).toThrow('pageHinkley.loadState: expected a state object from pageHinkley.state(), found null');
    expect(ph.state()).toEqual(before);
  });
});

describe('PageHinkley: input', () => {
  test('update refuses a value that is not a finite number, and keeps its state', () => {
    const ph = new PageHinkley();
    ph.update(1);
    expect(() => ph.update(Number.NaN)).toThrow('pageHinkley: expected a finite number, found NaN');
    expect(ph.state().n).toBe(1);
  });
});

describe('PageHinkley: options', () => {
  test.each([
    [{ delta: -1 }, 'pageHinkley: delta must be a number >= 0, found -1'],
    [{ lambda: 0 }, 'pageHinkley: lambda must be a number > 0, found 0'],
    [{ alpha: 0 }, 'pageHinkley: alpha must be a number in (0, 1], found 0'],
    [{ alpha: 1.5 }, 'pageHinkley: alpha must be a number in (0, 1], found 1.5'],
    [{ minInstances: 0 }, 'pageHinkley: minInstances must be an integer >= 1, found 0'],
    [{ direction: 'up' }, "pageHinkley: direction must be 'increase', 'decrease' or 'both', found \"up\""],
  ])('%j is refused when the operator is created', (opts, message) => {
    expect(() => pageHinkley(opts as never)).toThrow(ArgumentError);
    expect(() => pageHinkley(opts as never)).toThrow(message);
  });
});

describe('pageHinkley (marbles)', () => {
  const opts = { delta: 0, lambda: 3, alpha: 1, minInstances: 1 };

  test('emits a drift event on the value that fires the test, and nothing for the others', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-a-a-a-b-b-b-|', { a: 0, b: 5 });
      const D = { type: 'drift', detector: 'pageHinkley', position: 4, statistic: 4, threshold: 3 };
      expectObservable(source.pipe(pageHinkley(opts))).toBe('---------D-----|', { D });
      expectSubscriptions(source.subscriptions).toBe('^--------------!');
    });
  });

  test('each subscription runs its own detector, so a resubscription replays the same events', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const op = pageHinkley(opts);
      const source = cold('a-a-b|', { a: 0, b: 5 });
      const D = { type: 'drift', detector: 'pageHinkley', position: 2, statistic: 5 - 5 / 3, threshold: 3 }; // x̄ = 5/3, m = 5 − 5/3
      expectObservable(source.pipe(op)).toBe('----D|', { D });
      expectObservable(source.pipe(op)).toBe('----D|', { D });
    });
  });

  test('a non-finite value errors the stream, naming its position, and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-n-a|', { a: 0, n: Number.NaN });
      expectObservable(source.pipe(pageHinkley(opts))).toBe(
        '--#',
        undefined,
        new ArgumentError('pageHinkley: expected a finite number at position 1, found NaN'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('errors and completion of the source pass through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-#', { a: 0 }, new Error('boom')).pipe(pageHinkley(opts))).toBe('--#', undefined, new Error('boom'));
      expectObservable(cold<number>('|').pipe(pageHinkley(opts))).toBe('|');
    });
  });
});
