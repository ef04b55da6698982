import { describe, expect, test } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../../src/ops/index.js';
import { type DriftDetector, type DriftSignal, detectDrift } from '../../../src/streams/online/drift.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Signals a warning above 3 and a drift above 5; counts what it saw. */
function threshold(): DriftDetector<{ seen: number }> & { seen: number } {
  return {
    kind: 'threshold',
    seen: 0,
    update(x: number): DriftSignal | null {
      this.seen += 1;
      if (x > 5) return { level: 'drift', statistic: x, threshold: 5 };
      if (x > 3) return { level: 'warning', statistic: x, threshold: 3 };
      return null;
    },
    state() {
      return { seen: this.seen };
    },
    loadState(s) {
      this.seen = s.seen;
    },
  };
}

describe('detectDrift (marbles)', () => {
  test('emits a drift event per drift signal with the value position; warnings are not emitted', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-w-d-a-d-|', { a: 1, w: 4, d: 9 });
      const drift = (position: number) => ({ type: 'drift', detector: 'threshold', position, statistic: 9, threshold: 5 });
      expectObservable(source.pipe(detectDrift(threshold))).toBe('----x---y-|', { x: drift(2), y: drift(4) });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  test('each subscription gets a fresh detector from the factory', () => {
    const made: ReturnType<typeof threshold>[] = [];
    const op = detectDrift(() => {
      const d = threshold();
      made.push(d);
      return d;
    });
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('aaa|', { a: 1 });
      expectObservable(source.pipe(op)).toBe('---|');
      expectObservable(source.pipe(op)).toBe('---|');
    });
    expect(made.map((d) => d.seen)).toEqual([3, 3]);
  });

  test('unsubscribing releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-d-a-d-|', { a: 1, d: 9 });
      const drift = { type: 'drift', detector: 'threshold', position: 1, statistic: 9, threshold: 5 };
      expectObservable(source.pipe(detectDrift(threshold)), '^----!').toBe('--x---', { x: drift });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('an error thrown by the detector errors the stream; an ArgumentError gets the position', () => {
    const failing = (error: Error) => () => ({ ...threshold(), update: () => { throw error; } });
    scheduler().run(({ cold, expectObservable }) => {
      const boom = new Error('boom');
      expectObservable(cold('-a|', { a: 1 }).pipe(detectDrift(failing(boom)))).toBe('-#', undefined, boom);
      expectObservable(cold('-a|', { a: 1 }).pipe(detectDrift(failing(new ArgumentError('custom: bad value'))))).toBe(
        '-#',
        undefined,
        new ArgumentError('custom: bad value at position 0'),
      );
    });
  });

  test('a factory that is not a function is refused when the operator is created', () => {
    expect(() => detectDrift(threshold() as never)).toThrow(/^detectDrift: expected a function that creates a detector, found \{"kind":"threshold"/);
  });
});
