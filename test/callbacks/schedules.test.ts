import { describe, expect, test } from 'vitest';
import { cosineDecay, exponentialDecay, stepDecay } from '../../src/callbacks/schedules.js';

const near = (actual: number, expected: number) => expect(actual).toBeCloseTo(expected, 12);

describe('stepDecay', () => {
  test('initialLr · factor^⌊t / every⌋: 0.1 halved every 10 epochs', () => {
    const schedule = stepDecay({ initialLr: 0.1, factor: 0.5, every: 10 });
    expect([0, 9, 10, 19, 20, 25, 30].map(schedule)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125]);
  });

  test('factor defaults to 0.5', () => {
    expect(stepDecay({ initialLr: 1, every: 2 })(4)).toBe(0.25);
  });

  test('bad options are rejected when created', () => {
    expect(() => stepDecay({ initialLr: -1, every: 1 })).toThrow('stepDecay: initialLr must be a finite number >= 0, found -1');
    expect(() => stepDecay({ initialLr: 1, every: 0 })).toThrow('stepDecay: every must be an integer >= 1, found 0');
    expect(() => stepDecay({ initialLr: 1, every: 2, factor: Number.NaN })).toThrow('stepDecay: factor must be a finite number >= 0, found NaN');
  });
});

describe('exponentialDecay', () => {
  test('initialLr · decayRate^(t / decaySteps), smooth between stages (TF semantics)', () => {
    const schedule = exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 10 });
    near(schedule(0), 0.1);
    near(schedule(5), 0.1 * Math.SQRT1_2); // 0.0707106...
    near(schedule(10), 0.05);
    near(schedule(20), 0.025);
  });

  test('staircase floors the exponent: the rate drops in whole stages', () => {
    const schedule = exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: true });
    expect([0, 9, 10, 15, 20].map(schedule)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  test("TF's documented example: 0.1 decayed by 0.96 every 100,000 steps", () => {
    near(exponentialDecay({ initialLr: 0.1, decayRate: 0.96, decaySteps: 100_000 })(100_000), 0.096);
  });

  test('bad options are rejected when created', () => {
    expect(() => exponentialDecay({ initialLr: 0.1, decayRate: 0, decaySteps: 10 })).toThrow('exponentialDecay: decayRate must be a finite number > 0, found 0');
    expect(() => exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: -1 })).toThrow('exponentialDecay: decaySteps must be a finite number > 0, found -1');
    expect(() => exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 1, staircase: 'yes' as never })).toThrow('exponentialDecay: staircase must be a boolean, found yes');
  });
});

describe('cosineDecay', () => {
  test('without warmup: initialLr · ½(1 + cos(π t / decaySteps)), then flat', () => {
    const schedule = cosineDecay({ initialLr: 0.1, decaySteps: 100 });
    near(schedule(0), 0.1);
    near(schedule(25), 0.1 * (0.5 + 0.5 * Math.SQRT1_2)); // 0.0853553...
    near(schedule(50), 0.05);
    near(schedule(100), 0);
    near(schedule(1000), 0);
  });

  test('alpha is the floor as a fraction of the starting rate', () => {
    const schedule = cosineDecay({ initialLr: 0.1, decaySteps: 100, alpha: 0.1 });
    near(schedule(50), 0.1 * (0.9 * 0.5 + 0.1)); // 0.055
    near(schedule(100), 0.01);
    near(schedule(200), 0.01);
  });

  test('linear warmup from initialLr to warmupTarget, then cosine decay from warmupTarget (Keras CosineDecay)', () => {
    const schedule = cosineDecay({ initialLr: 0, warmupSteps: 10, warmupTarget: 0.1, decaySteps: 100, alpha: 0.1 });
    near(schedule(0), 0);
    near(schedule(5), 0.05);
    near(schedule(10), 0.1);
    near(schedule(60), 0.055);
    near(schedule(110), 0.01);
    near(schedule(500), 0.01);
  });

  test('warmup can start from a nonzero rate', () => {
    const schedule = cosineDecay({ initialLr: 0.01, warmupSteps: 4, warmupTarget: 0.05, decaySteps: 10 });
    near(schedule(1), 0.02);
    near(schedule(4), 0.05);
  });

  test('bad options are rejected when created; a warmup needs its target', () => {
    expect(() => cosineDecay({ initialLr: 0.1, decaySteps: 0 })).toThrow('cosineDecay: decaySteps must be a finite number > 0, found 0');
    expect(() => cosineDecay({ initialLr: 0.1, decaySteps: 10, alpha: 2 })).toThrow('cosineDecay: alpha must be in [0, 1], found 2');
    expect(() => cosineDecay({ initialLr: 0.1, decaySteps: 10, warmupSteps: 1.5, warmupTarget: 1 })).toThrow('cosineDecay: warmupSteps must be an integer >= 0, found 1.5');
    expect(() => cosineDecay({ initialLr: 0, decaySteps: 10, warmupSteps: 5 })).toThrow(
      'cosineDecay: warmupSteps 5 needs warmupTarget, the rate the linear warmup from initialLr reaches',
    );
  });
});
