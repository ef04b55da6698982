import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, Rng } from '../../../src/ops/index.js';
import { Adwin, adwin } from '../../../src/streams/online/adwin.js';
import type { DriftSignal } from '../../../src/streams/online/drift.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/**
 * ADWIN as the paper states it, on an explicit window: every split W = W₀·W₁ with both parts
 * at least `minSubWindow` long is tested, oldest first, and the oldest value is dropped while
 * some split differs by more than ε_cut. Adwin with buckets that never merge must agree.
 */
class NaiveAdwin {
  window: number[] = [];
  private time = 0;
  constructor(private readonly delta: number, private readonly clock: number, private readonly minSubWindow: number) {}

  update(x: number): DriftSignal | null {
    this.window.push(x);
    this.time += 1;
    if (this.time % this.clock !== 0 || this.window.length < 2 * this.minSubWindow) return null;
    let first: DriftSignal | null = null;
    for (;;) {
      const cut = this.findCut();
      if (cut === null) return first;
      first ??= cut;
      this.window.shift();
    }
  }

  private findCut(): DriftSignal | null {
    const w = this.window;
    const W = w.length;
    const mean = w.reduce((a, b) => a + b, 0) / W;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / W;
    const confidence = Math.log(2 * Math.log(W) / this.delta);
    for (let n0 = 1; n0 < W; n0++) {
      const n1 = W - n0;
      if (n1 < this.minSubWindow) return null;
      if (n0 < this.minSubWindow) continue;
      const mu0 = w.slice(0, n0).reduce((a, b) => a + b, 0) / n0;
      const mu1 = w.slice(n0).reduce((a, b) => a + b, 0) / n1;
      const m = 1 / (1 / n0 + 1 / n1);
      const epsilon = Math.sqrt((2 / m) * variance * confidence) + (2 / (3 * m)) * confidence;
      if (Math.abs(mu0 - mu1) > epsilon) return { level: 'drift', statistic: Math.abs(mu0 - mu1), threshold: epsilon };
    }
    return null;
  }
}

/** Bernoulli(p0) for `change` values, then Bernoulli(p1). */
function bernoulli(seed: number, change: number, length: number, p0: number, p1: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length }, (_, t) => (rng.uniform() < (t < change ? p0 : p1) ? 1 : 0));
}

describe('Adwin: the cut rule', () => {
  propTest.prop(
    [fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 20, max: 150 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 8 })],
    { numRuns: 40 },
  )('with buckets that never merge, it cuts exactly where the explicit-window ADWIN of the paper cuts', (seed, change, p0, p1, clock) => {
    const values = bernoulli(seed, change, 250, p0, p1);
    const fast = new Adwin({ delta: 0.05, clock, maxBuckets: 1000 });
    const naive = new NaiveAdwin(0.05, clock, 5);
    values.forEach((x) => {
      const a = fast.update(x);
      const b = naive.update(x);
      expect(a?.level).toBe(b?.level);
      if (a !== null && b !== null) {
        expect(a.statistic).toBeCloseTo(b.statistic, 9);
        expect(a.threshold).toBeCloseTo(b.threshold, 9);
      }
      expect(fast.width).toBe(naive.window.length);
    });
  });

  test('a step from 0.1 to 0.9 is cut: afterwards the window holds (almost) only the new concept', () => {
    const detector = new Adwin();
    const values = bernoulli(3, 500, 1000, 0.1, 0.9);
    const fired = values.flatMap((x, t) => (detector.update(x) === null ? [] : [t]));
    expect(fired.length).toBeGreaterThan(0);
    expect(fired[0]).toBeGreaterThanOrEqual(500);
    expect(detector.width).toBeLessThanOrEqual(500 + 64); // the new concept and at most one old bucket's worth
    expect(detector.mean).toBeGreaterThan(0.8);
  });

  test("direction 'increase' signals a rise and not a fall, yet cuts the window on both; 'decrease' the other way", () => {
    const rise = bernoulli(8, 400, 800, 0.1, 0.9);
    const fall = rise.map((x) => 1 - x);
    const run = (direction: 'both' | 'increase' | 'decrease', values: number[]) => {
      const detector = new Adwin({ direction });
      const fired = values.filter((x) => detector.update(x) !== null).length;
      return { fired, width: detector.width };
    };
    const both = run('both', fall);
    expect(both.fired).toBeGreaterThan(0);
    expect(run('increase', fall)).toEqual({ fired: 0, width: both.width });
    expect(run('increase', rise).fired).toBeGreaterThan(0);
    expect(run('decrease', rise).fired).toBe(0);
    expect(run('decrease', fall).fired).toBe(both.fired);
  });

  test('a constant stream is never cut and its variance stays 0', () => {
    const detector = new Adwin({ clock: 1 });
    for (let t = 0; t < 2000; t++) expect(detector.update(0.25)).toBeNull();
    expect(detector.width).toBe(2000);
    expect(detector.mean).toBeCloseTo(0.25, 12);
    expect(detector.variance).toBeCloseTo(0, 12);
  });
});

describe('Adwin: the exponential histogram', () => {
  propTest.prop(
    [fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 16 })],
    { numRuns: 60 },
  )('for any stream, the window is the last W values: its sum and squared deviations match them, and each row holds <= M buckets', (values, maxBuckets, clock) => {
    const detector = new Adwin({ delta: 0.3, maxBuckets, clock, minSubWindow: 3 });
    values.forEach((x, t) => {
      detector.update(x);
      const s = detector.state();
      const suffix = values.slice(t + 1 - s.width, t + 1);
      const mean = suffix.reduce((a, b) => a + b, 0) / suffix.length;
      expect(s.total).toBeCloseTo(suffix.reduce((a, b) => a + b, 0), 9);
      expect(s.variance).toBeCloseTo(suffix.reduce((a, b) => a + (b - mean) ** 2, 0), 9);
      s.rows.forEach((row) => expect(row.totals.length).toBeLessThanOrEqual(maxBuckets));
      expect(s.rows.reduce((n, row, i) => n + row.totals.length * 2 ** i, 0)).toBe(s.width);
    });
  });

  test('memory is O(M·log W): 100,000 values are held in at most M·(log2 W + 1) buckets', () => {
    const detector = new Adwin();
    const rng = new Rng(5);
    for (let t = 0; t < 100_000; t++) detector.update(rng.uniform() < 0.2 ? 1 : 0);
    expect(detector.width).toBeGreaterThan(10_000);
    expect(detector.buckets).toBeLessThanOrEqual(5 * (Math.log2(detector.width) + 1));
  });
});

describe('Adwin: state', () => {
  propTest.prop([fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 600 })], { numRuns: 20 })(
    'a detector restored from JSON of state() at any point continues exactly like the original',
    (seed, split) => {
      const values = bernoulli(seed, 300, 600, 0.2, 0.7);
      const a = new Adwin();
      values.slice(0, split).forEach((x) => a.update(x));
      const b = new Adwin();
      b.loadState(JSON.parse(JSON.stringify(a.state())));
      values.slice(split).forEach((x) => expect(b.update(x)).toEqual(a.update(x)));
      expect(b.state()).toEqual(a.state());
    },
  );

  test('loadState refuses a state whose buckets do not add up to its width, and changes nothing', () => {
    const detector = new Adwin();
    for (let t = 0; t < 20; t++) detector.update(t % 2);
    const good = detector.state();
    expect(() => detector.loadState({ ...good, width: 21 })).toThrow('adwin.loadState: the buckets hold 20 values but width is 21');
    expect(() => detector.loadState({ ...good, rows: [{ totals: [1, 2], variances: [0] }] })).toThrow(
      'adwin.loadState: rows[0] must be { totals, variances } of equal length <= maxBuckets 5',
    );
    expect(() => detector.loadState({ ...good, rows: 'x' } as never)).toThrow('adwin.loadState: rows must be an array, found "x"');
    expect(detector.state()).toEqual(good);
  });
});

describe('Adwin: input', () => {
  test('update refuses a value that is not a finite number, and keeps its window', () => {
    const detector = new Adwin();
    detector.update(1);
    expect(() => detector.update(-Infinity)).toThrow('adwin: expected a finite number, found -Infinity');
    expect(detector.width).toBe(1);
  });
});

describe('Adwin: options', () => {
  test.each([
    [{ delta: 0 }, 'adwin: delta must be a number in (0, 1), found 0'],
    [{ delta: 1 }, 'adwin: delta must be a number in (0, 1), found 1'],
    [{ maxBuckets: 1 }, 'adwin: maxBuckets must be an integer >= 2, found 1'],
    [{ clock: 0.5 }, 'adwin: clock must be an integer >= 1, found 0.5'],
    [{ minSubWindow: 0 }, 'adwin: minSubWindow must be an integer >= 1, found 0'],
    [{ direction: 'up' }, "adwin: direction must be 'both', 'increase' or 'decrease', found \"up\""],
  ])('%j is refused when the operator is created', (opts, message) => {
    expect(() => adwin(opts as never)).toThrow(ArgumentError);
    expect(() => adwin(opts as never)).toThrow(message);
  });
});

describe('adwin (marbles)', () => {
  test('emits a drift event at the frame of each value on which the window is cut, with its position', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const values = bernoulli(11, 60, 160, 0, 1);
      const letters = values.map((x) => (x === 1 ? 'b' : 'a')).join('');
      const source = cold(`${letters}|`, { a: 0, b: 1 });
      const reference = new Adwin({ clock: 4 });
      const events: Record<string, unknown> = {};
      let expected = '';
      values.forEach((x, position) => {
        const signal = reference.update(x);
        if (signal === null) {
          expected += '-';
          return;
        }
        const key = String.fromCharCode(65 + Object.keys(events).length);
        events[key] = { type: 'drift', detector: 'adwin', position, statistic: signal.statistic, threshold: signal.threshold };
        expected += key;
      });
      expect(Object.keys(events).length).toBeGreaterThan(0);
      expect((events.A as { position: number }).position).toBeGreaterThanOrEqual(60);
      expectObservable(source.pipe(adwin({ clock: 4 }))).toBe(`${expected}|`, events);
      expectSubscriptions(source.subscriptions).toBe(`^${'-'.repeat(159)}!`);
    });
  });

  test('a non-finite value errors the stream, naming its position', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-n|', { a: 0, n: Infinity }).pipe(adwin())).toBe(
        '--#',
        undefined,
        new ArgumentError('adwin: expected a finite number at position 1, found Infinity'),
      );
    });
  });
});
