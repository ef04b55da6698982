import { describe, expect, test as plain } from 'vitest';
import { test } from '@fast-check/vitest';
import { ShapeError, tensor, zeros } from '../../../src/ops/index.js';
import { mae, mse } from '../../../src/models/metrics/regression.js';
import { arbRegressionBatches } from './batches.js';

const runs = { numRuns: 30 };
const nonEmpty = arbRegressionBatches().filter((b) => b.prediction.size > 0);

describe('mse and mae', () => {
  plain('worked examples: means over every element seen, not means of batch means', () => {
    const m = mse();
    m.update(tensor([1, 2]), tensor([1, 4]));
    m.update(tensor([0]), tensor([1]));
    expect(m.result()).toBeCloseTo(5 / 3, 12);
    const a = mae();
    a.update(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [3, 5]]));
    expect(a.result()).toBe(0.75);
  });

  test.prop([nonEmpty], runs)('for any data, mse is the mean of squared differences and mae of absolute ones', (b) => {
    const m = mse();
    const a = mae();
    m.update(b.prediction, b.target);
    a.update(b.prediction, b.target);
    const d = Array.from(b.prediction.data, (p, i) => p - b.target.data[i]);
    expect(m.result()).toBeCloseTo(d.reduce((s, v) => s + v * v, 0) / d.length, 9);
    expect(a.result()).toBeCloseTo(d.reduce((s, v) => s + Math.abs(v), 0) / d.length, 9);
  });

  test.prop([nonEmpty], runs)('for any data, 0 <= mae <= √mse (Jensen), and a prediction equal to its target scores 0', (b) => {
    const m = mse();
    const a = mae();
    m.update(b.prediction, b.target);
    a.update(b.prediction, b.target);
    expect(a.result()).toBeGreaterThanOrEqual(0);
    expect(a.result()).toBeLessThanOrEqual(Math.sqrt(m.result()) * (1 + 1e-12));
    const self = mse();
    self.update(b.target, b.target);
    expect(self.result()).toBe(0);
  });

  plain('shapes must match exactly: a ShapeError names the metric and both shapes', () => {
    expect(() => mse().update(zeros([2, 1]), zeros([2]))).toThrow(ShapeError);
    expect(() => mse().update(zeros([2, 1]), zeros([2]))).toThrow(
      'mse: expected prediction and target of the same shape (prediction [2,1], target [2]);',
    );
    expect(() => mae().update(zeros([3]), zeros([2]))).toThrow(
      'mae: expected prediction and target of the same shape (prediction [3], target [2]);',
    );
  });
});
