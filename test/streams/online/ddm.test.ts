import { describe, expect, test } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../../src/ops/index.js';
import { Ddm, ddm } from '../../../src/streams/online/ddm.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** 1, 0, 0, 0, then eleven errors: the worked example below. */
const EXAMPLE = [1, 0, 0, 0, ...new Array<number>(11).fill(1)];

describe('Ddm: the tests, worked by hand (minInstances 4)', () => {
  test('p_min + s_min recorded at i = 4; warning from i = 6; drift at i = 15', () => {
    const detector = new Ddm({ minInstances: 4 });
    const signals = EXAMPLE.map((x) => detector.update(x));
    // i = 4: p = 1/4, s = sqrt(0.25·0.75/4) = 0.216506: the minimum. Warning at p + s ≥ 0.25 + 2·0.216506 = 0.683013,
    // drift at p + s ≥ 0.25 + 3·0.216506 = 0.899519.
    expect(signals.slice(0, 5)).toEqual([null, null, null, null, null]); // i = 5: p + s = 0.4 + 0.219089 = 0.619089
    // i = 6: p = 0.5, s = sqrt(0.25/6) = 0.204124, p + s = 0.704124 ≥ 0.683013
    expect(signals[5]?.level).toBe('warning');
    expect(signals[5]?.statistic).toBeCloseTo(0.704124, 6);
    expect(signals[5]?.threshold).toBeCloseTo(0.683013, 6);
    expect(signals.slice(5, 14).map((s) => s?.level)).toEqual(new Array(9).fill('warning'));
    // i = 14: p + s = 11/14 + 0.109664 = 0.895378 < 0.899519; i = 15: 0.8 + 0.103280 = 0.903280 ≥ 0.899519
    expect(signals[13]?.statistic).toBeCloseTo(0.895378, 6);
    expect(signals[14]?.level).toBe('drift');
    expect(signals[14]?.statistic).toBeCloseTo(0.90328, 5);
    expect(signals[14]?.threshold).toBeCloseTo(0.899519, 6);
  });

  test('after a drift it starts afresh', () => {
    const detector = new Ddm({ minInstances: 4 });
    EXAMPLE.forEach((x) => detector.update(x));
    expect(detector.state()).toEqual({ n: 0, errors: 0, pMin: null, sMin: null });
    expect(detector.errorRate).toBe(0);
  });

  test('a run with no error yet records no minimum, so its first error is no drift (s_i = 0 is skipped)', () => {
    const detector = new Ddm({ minInstances: 30 });
    const signals = [...new Array<number>(40).fill(0), 1].map((x) => detector.update(x));
    expect(signals.every((s) => s === null)).toBe(true);
    expect(detector.state().pMin).toBeCloseTo(1 / 41, 12);
  });
});

describe('Ddm: input, state and options', () => {
  test('a value outside [0, 1] is refused, naming it', () => {
    const detector = new Ddm();
    expect(() => detector.update(2)).toThrow('ddm: expected an error indicator in [0, 1] (1 = wrong), found 2');
    expect(() => detector.update(-0.5)).toThrow(ArgumentError);
  });

  propTest.prop([fc.array(fc.constantFrom(0, 1), { maxLength: 200 }), fc.array(fc.constantFrom(0, 1), { maxLength: 200 })], { numRuns: 50 })(
    'for any split of an error stream, a detector restored from JSON of state() continues exactly like the original',
    (head, tail) => {
      const a = new Ddm({ minInstances: 10 });
      head.forEach((x) => a.update(x));
      const b = new Ddm({ minInstances: 10 });
      b.loadState(JSON.parse(JSON.stringify(a.state())));
      tail.forEach((x) => expect(b.update(x)).toEqual(a.update(x)));
    },
  );

  test('loadState refuses an inconsistent state, and changes nothing', () => {
    const detector = new Ddm();
    expect(() => detector.loadState({ n: 3, errors: 4, pMin: null, sMin: null })).toThrow('ddm.loadState: errors must be a number in [0, 3], found 4');
    expect(() => detector.loadState({ n: 3, errors: 1, pMin: 0.1, sMin: null })).toThrow(
      'ddm.loadState: pMin and sMin must both be numbers or both null, found 0.1 and null',
    );
    expect(detector.state()).toEqual({ n: 0, errors: 0, pMin: null, sMin: null });
  });

  test.each([
    [{ warningLevel: 0 }, 'ddm: warningLevel must be a number > 0, found 0'],
    [{ driftLevel: 2 }, 'ddm: driftLevel must exceed warningLevel, found driftLevel 2 and warningLevel 2'],
    [{ minInstances: 2.5 }, 'ddm: minInstances must be an integer >= 1, found 2.5'],
  ])('%j is refused when the operator is created', (opts, message) => {
    expect(() => ddm(opts)).toThrow(message);
  });
});

describe('ddm (marbles)', () => {
  test('emits only the drift, not the warnings, at the value that fires the test', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('baaabbbbbbbbbbb|', { a: 0, b: 1 });
      const D = { type: 'drift', detector: 'ddm', position: 14, statistic: 0.8 + Math.sqrt(0.16 / 15), threshold: 0.25 + 3 * Math.sqrt(0.1875 / 4) };
      expectObservable(source.pipe(ddm({ minInstances: 4 }))).toBe('--------------D|', { D });
      expectSubscriptions(source.subscriptions).toBe('^--------------!');
    });
  });

  test('a value outside [0, 1] errors the stream, naming its position', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-x|', { a: 0, x: 3 }).pipe(ddm())).toBe(
        '--#',
        undefined,
        new ArgumentError('ddm: expected an error indicator in [0, 1] (1 = wrong), found 3 at position 1'),
      );
    });
  });
});
