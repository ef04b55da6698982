import { describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, tensor } from '../../../src/ops/index.js';
import { CheckpointError, metrics } from '../../../src/models/index.js';
import { WindowedMean } from '../../../src/streams/online/windowed-mean.js';
import { createSampleMetrics, sampleAccuracy, sampleMae, sampleMse } from '../../../src/streams/online/sample-metrics.js';

const runs = { numRuns: 40 };

/** The three means straight from their definitions, over the whole history. */
function oracle(values: readonly number[], window: number, alpha: number) {
  const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  let s = 0;
  let b = 0;
  for (const v of values) {
    s = v + alpha * s;
    b = 1 + alpha * b;
  }
  return { running: mean(values), windowed: mean(values.slice(-window)), faded: values.length === 0 ? NaN : s / b };
}

const arbValues = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 120 });
const arbWindow = fc.integer({ min: 1, max: 20 });
const arbAlpha = fc.double({ min: 0.05, max: 1, noNaN: true });

describe('WindowedMean', () => {
  plain('worked example (window 3, alpha 0.5): running 3/4, window 2/3, faded 13/15', () => {
    const acc = new WindowedMean('accuracy', { window: 3, alpha: 0.5 });
    acc.pushAll([1, 0, 1, 1]);
    expect(acc.running()).toBe(0.75);
    expect(acc.windowed()).toBeCloseTo(2 / 3, 15);
    expect(acc.faded()).toBeCloseTo(13 / 15, 15);
    expect(acc.logs()).toEqual({ accuracy: 0.75, window_accuracy: acc.windowed(), faded_accuracy: acc.faded() });
  });

  plain('all three are NaN before the first sample', () => {
    const m = new WindowedMean('loss');
    expect([m.running(), m.windowed(), m.faded()]).toEqual([NaN, NaN, NaN]);
  });

  test.prop([arbValues, arbWindow, arbAlpha], runs)('for any sequence, the three means agree with their definitions', (values, window, alpha) => {
    const m = new WindowedMean('v', { window, alpha });
    m.pushAll(values);
    const want = oracle(values, window, alpha);
    expect(m.count).toBe(values.length);
    if (values.length === 0) return;
    expect(m.running()).toBeCloseTo(want.running, 9);
    expect(m.windowed()).toBeCloseTo(want.windowed, 9);
    expect(m.faded()).toBeCloseTo(want.faded, 9);
  });

  plain('alpha = 1 makes the faded mean the running mean', () => {
    const m = new WindowedMean('v', { window: 2, alpha: 1 });
    m.pushAll([1, 2, 3, 6]);
    expect(m.faded()).toBe(3);
    expect(m.running()).toBe(3);
  });

  plain('memory is bounded by the window: the state never holds more than window values', () => {
    const m = new WindowedMean('v', { window: 50 });
    for (let i = 0; i < 100_000; i++) m.push(i % 7);
    expect((m.state().values as number[]).length).toBe(50);
    expect(m.windowed()).toBeCloseTo(oracle(Array.from({ length: 50 }, (_, k) => (99_950 + k) % 7), 50, 1).windowed, 12);
  });

  plain('round-off does not pile up: after 10^6 samples of 0.1 + big swings the window mean is exact to 1e-12', () => {
    const m = new WindowedMean('v', { window: 10 });
    for (let i = 0; i < 1_000_000; i++) m.push(i % 2 === 0 ? 1e8 : -1e8 + 0.1);
    for (let i = 0; i < 25; i++) m.push(0.1); // not aligned with the recompute period
    expect(Math.abs(m.windowed() - 0.1)).toBeLessThan(1e-12);
  });

  plain('a NaN or infinity counts while in the window and stops counting once it leaves it', () => {
    const m = new WindowedMean('v', { window: 2 });
    m.pushAll([1, NaN]);
    expect(m.windowed()).toBeNaN();
    m.push(3);
    expect(m.windowed()).toBeNaN();
    m.push(5);
    expect(m.windowed()).toBe(4);
    m.push(Infinity);
    expect(m.windowed()).toBe(Infinity);
    m.push(-Infinity);
    expect(m.windowed()).toBeNaN();
    m.pushAll([1, 2]);
    expect(m.windowed()).toBe(1.5);
    expect(m.running()).toBeNaN(); // the whole history still holds the NaN
  });

  test.prop([arbValues, arbValues, arbWindow, arbAlpha], runs)(
    'a tracker loaded from state() continues bit for bit like the original',
    (before, after, window, alpha) => {
      const original = new WindowedMean('v', { window, alpha });
      original.pushAll(before);
      const copy = new WindowedMean('v', { window, alpha });
      copy.loadState(JSON.parse(JSON.stringify(original.state())));
      original.pushAll(after);
      copy.pushAll(after);
      expect(copy.state()).toEqual(original.state());
      expect(copy.logs()).toEqual(original.logs());
    },
  );

  plain('a -0 sample survives the JSON round trip of state() (it is stored as +0)', () => {
    const original = new WindowedMean('v', { window: 2 });
    original.push(-0);
    const copy = new WindowedMean('v', { window: 2 });
    copy.loadState(JSON.parse(JSON.stringify(original.state())));
    expect(copy.state()).toEqual(original.state());
    expect(Object.is(original.windowed(), 0)).toBe(true);
  });

  plain('reset returns to the empty state', () => {
    const m = new WindowedMean('v', { window: 3 });
    m.pushAll([1, 2, 3, 4]);
    m.reset();
    expect(m.state()).toEqual(new WindowedMean('v', { window: 3 }).state());
    m.push(2);
    expect(m.logs()).toEqual({ v: 2, window_v: 2, faded_v: 2 });
  });

  plain('loadState refuses a state of another window or shape, naming the tracker, and changes nothing', () => {
    const big = new WindowedMean('accuracy', { window: 10 });
    big.pushAll(Array.from({ length: 20 }, (_, i) => i % 2));
    const small = new WindowedMean('accuracy', { window: 4 });
    small.pushAll([1, 1]);
    const before = small.state();
    expect(() => small.loadState(big.state())).toThrow(CheckpointError);
    expect(() => small.loadState(big.state())).toThrow(
      'WindowedMean "accuracy": state.values must hold the last min(seen, window) = 4 numbers for window 4, found 10 values (saved with a larger window?)',
    );
    expect(() => small.loadState({ seen: 1 })).toThrow('WindowedMean "accuracy": expected state keys {seen, runningSum, fadedSum, fadedWeight, windowSum, sinceRecompute, values}, found {seen}');
    expect(() => small.loadState({ ...before, seen: -1 })).toThrow('state.seen must be an integer >= 0, found -1');
    expect(() => small.loadState({ ...before, sinceRecompute: 4 })).toThrow('state.sinceRecompute must be an integer in [0, 4), found 4');
    expect(() => small.loadState({ ...before, fadedSum: 'x' as never })).toThrow('state.fadedSum must be a number, found "x"');
    expect(small.state()).toEqual(before);
  });

  plain('bad options are rejected at construction', () => {
    expect(() => new WindowedMean('v', { window: 0 })).toThrow('WindowedMean: window must be an integer >= 1 (samples), found 0');
    expect(() => new WindowedMean('v', { window: 2.5 })).toThrow(ArgumentError);
    expect(() => new WindowedMean('v', { alpha: 0 })).toThrow('WindowedMean: alpha must be a fading factor in (0, 1], found 0');
    expect(() => new WindowedMean('v', { alpha: 1.5 })).toThrow('found 1.5');
    expect(() => new WindowedMean('')).toThrow('WindowedMean: name must be a non-empty string, found ""');
  });
});

describe('per-sample metrics', () => {
  plain('sampleAccuracy: 1 per correct argmax, from logits with class-index targets', () => {
    expect(Array.from(sampleAccuracy().scores(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1])))).toEqual([1, 1, 0]);
    expect(Array.from(sampleAccuracy().scores(tensor([[2, 1], [0, 3]]), tensor([[1], [0]])))).toEqual([0, 0]);
    expect(Array.from(sampleAccuracy().scores(tensor([[1, 1, 0]]), tensor([0])))).toEqual([1]); // first on ties
  });

  plain('sampleAccuracy: one-hot targets and binary scores with a threshold', () => {
    expect(Array.from(sampleAccuracy().scores(tensor([[2, 1], [0, 3]]), tensor([[1, 0], [1, 0]])))).toEqual([1, 0]);
    expect(Array.from(sampleAccuracy({ threshold: 0 }).scores(tensor([-1, 0.5, 0]), tensor([0, 1, 1])))).toEqual([1, 1, 0]);
  });

  const arbBatch = fc.integer({ min: 1, max: 6 }).chain((n) =>
    fc.integer({ min: 2, max: 4 }).chain((c) =>
      fc.tuple(
        fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: n * c, maxLength: n * c }),
        fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      ).map(([scores, labels]) => ({ p: tensor(scores, [n, c]), y: tensor(labels) })),
    ),
  );

  test.prop([arbBatch], runs)('the mean of sampleAccuracy is metrics.accuracy', ({ p, y }) => {
    const scores = Array.from(sampleAccuracy().scores(p, y));
    const acc = metrics.accuracy();
    acc.update(p, y);
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeCloseTo(acc.result(), 12);
  });

  test.prop([arbBatch], runs)('the means of sampleMse and sampleMae are metrics.mse and metrics.mae', ({ p }) => {
    const t = tensor(Array.from(p.data, (v) => v / 2 + 0.25), p.shape as number[]);
    for (const [sample, whole] of [[sampleMse(), metrics.mse()], [sampleMae(), metrics.mae()]] as const) {
      const values = Array.from(sample.scores(p, t));
      whole.update(p, t);
      expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(whole.result(), 6);
    }
  });

  plain('sampleMse averages over each sample\'s elements', () => {
    expect(Array.from(sampleMse().scores(tensor([[1, 2], [0, 0]]), tensor([[1, 4], [1, 1]])))).toEqual([2, 1]);
    expect(Array.from(sampleMae().scores(tensor([1, 2]), tensor([0, 4])))).toEqual([1, 2]);
  });

  plain('shape and label errors name the metric and both shapes', () => {
    expect(() => sampleAccuracy().scores(tensor([[1, 2]]), tensor([0, 1]))).toThrow(
      new ShapeError('sampleAccuracy: expected target [1] or [1,1] class indices or [1,2] one-hot (prediction [1,2], target [2])'),
    );
    expect(() => sampleAccuracy().scores(tensor([[1, 2]]), tensor([2]))).toThrow(
      'sampleAccuracy: target of sample 0 is 2, expected a class index in [0, 2) (prediction [1,2], target [1])',
    );
    expect(() => sampleMse().scores(tensor([[1, 2]]), tensor([1, 2]))).toThrow(
      'sampleMse: expected prediction and target of the same shape [N, ...] (prediction [1,2], target [2])',
    );
    expect(() => sampleAccuracy({ threshold: NaN })).toThrow('sampleAccuracy: threshold must be a finite number, found NaN');
  });

  plain('createSampleMetrics takes names and SampleMetrics, and rejects the rest with the reason', () => {
    const custom = { name: 'hit', scores: () => [1] };
    expect(createSampleMetrics('prequential', ['accuracy', 'mse', custom]).map((m) => m.name)).toEqual(['accuracy', 'mse', 'hit']);
    expect(() => createSampleMetrics('prequential', ['f1' as never])).toThrow(
      'prequential: metrics[0] "f1" is not a per-sample metric; use \'accuracy\', \'mse\', \'mae\' or a SampleMetric',
    );
    expect(() => createSampleMetrics('prequential', [metrics.accuracy() as never])).toThrow('cannot be windowed');
    expect(() => createSampleMetrics('prequential', ['accuracy', 'accuracy'])).toThrow('prequential: metric name "accuracy" is taken');
    expect(() => createSampleMetrics('prequential', [{ name: 'loss', scores: () => [] }])).toThrow('metric name "loss" is taken');
  });
});
