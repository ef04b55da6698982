import { describe, expect, test as plain } from 'vitest';
import { test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, argmax, tensor, zeros } from '../../../src/ops/index.js';
import { accuracy, topKAccuracy } from '../../../src/models/metrics/accuracy.js';
import { arbClassBatches } from './batches.js';

const runs = { numRuns: 30 };

describe('accuracy', () => {
  plain('worked example: argmax of [N, C] scores against class indices', () => {
    const acc = accuracy();
    acc.update(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1]));
    expect(acc.result()).toBeCloseTo(2 / 3, 12);
    acc.update(tensor([[0.1, 0.2]]), tensor([1]));
    expect(acc.result()).toBe(0.75);
  });

  plain('binary probabilities [N] or [N, 1]: class 1 when p > 0.5, so p = 0.5 is class 0', () => {
    const acc = accuracy();
    acc.update(tensor([0.9, 0.5, 0.51, 0.1]), tensor([1, 0, 1, 1]));
    expect(acc.result()).toBe(0.75);
    const column = accuracy();
    column.update(tensor([[0.9], [0.5], [0.51], [0.1]]), tensor([[1], [0], [1], [1]]));
    expect(column.result()).toBe(0.75);
  });

  plain('binary logits with threshold 0: class 1 when the logit is positive', () => {
    const acc = accuracy({ threshold: 0 });
    acc.update(tensor([3, -2, 0.1, -0.1]), tensor([1, 0, 1, 1]));
    expect(acc.result()).toBe(0.75);
  });

  plain('targets may be indices [N], [N, 1] or one-hot [N, C] (read by argmax, so smoothed labels work)', () => {
    const scores = tensor([[2, 1, 0], [0, 3, 1], [1, 0, 4]]);
    const results = [
      tensor([0, 2, 2]),
      tensor([[0], [2], [2]]),
      tensor([[1, 0, 0], [0, 0, 1], [0, 0, 1]]),
      tensor([[0.9, 0.05, 0.05], [0.05, 0.05, 0.9], [0.05, 0.05, 0.9]]),
    ].map((target) => {
      const acc = accuracy();
      acc.update(scores, target);
      return acc.result();
    });
    expect(results).toEqual([2 / 3, 2 / 3, 2 / 3, 2 / 3]);
  });

  plain('ties in the scores go to the first class, as argmax; a NaN score wins, as in NumPy', () => {
    const acc = accuracy();
    acc.update(tensor([[1, 1, 0], [0, NaN, 5]]), tensor([0, 1]));
    expect(acc.result()).toBe(1);
  });

  test.prop([arbClassBatches()], runs)('for any scores and labels, accuracy is in [0, 1] and is the fraction where argmax equals the label', (b) => {
    const acc = accuracy();
    acc.update(b.prediction, b.target);
    const n = b.target.shape[0];
    if (n === 0) {
      expect(acc.result()).toBeNaN();
      return;
    }
    const predicted = argmax(b.prediction, 1).data;
    const correct = b.target.data.filter((y, i) => predicted[i] === y).length;
    expect(acc.result()).toBe(correct / n);
    expect(acc.result()).toBeGreaterThanOrEqual(0);
    expect(acc.result()).toBeLessThanOrEqual(1);
  });

  test.prop([arbClassBatches({ oneHot: true })], runs)('for any scores, one-hot targets give the same accuracy as their indices', (b) => {
    const oneHot = accuracy();
    oneHot.update(b.prediction, b.target);
    const indices = accuracy();
    indices.update(b.prediction, argmax(b.target, 1));
    expect(oneHot.result()).toEqual(indices.result());
  });

  plain('bad shapes throw a ShapeError naming accuracy and both shapes', () => {
    const acc = accuracy();
    expect(() => acc.update(zeros([2, 3, 4]), zeros([2]))).toThrow(ShapeError);
    expect(() => acc.update(zeros([2, 3, 4]), zeros([2]))).toThrow(
      'accuracy: expected prediction [N, C] class scores or [N] binary scores (prediction [2,3,4], target [2])',
    );
    expect(() => acc.update(zeros([2, 0]), zeros([2]))).toThrow('accuracy: expected prediction [N, C] class scores');
    expect(() => acc.update(zeros([2, 3]), zeros([3]))).toThrow(
      'accuracy: expected target [2] or [2,1] class indices or [2,3] one-hot (prediction [2,3], target [3])',
    );
    expect(() => acc.update(zeros([2, 3]), zeros([2, 2]))).toThrow(ShapeError);
    // Binary scores take 0/1 labels only: a [N, 2] one-hot target beside [N] scores is a mix-up.
    expect(() => acc.update(zeros([2]), zeros([2, 2]))).toThrow(
      'accuracy: expected target [2] or [2,1] class indices (prediction [2], target [2,2])',
    );
  });

  plain('labels out of range, negative or fractional throw an ArgumentError naming accuracy and the sample', () => {
    const acc = accuracy();
    expect(() => acc.update(zeros([2, 3]), tensor([0, 3]))).toThrow(ArgumentError);
    expect(() => acc.update(zeros([2, 3]), tensor([0, 3]))).toThrow(
      'accuracy: target of sample 1 is 3, expected a class index in [0, 3) (prediction [2,3], target [2])',
    );
    expect(() => acc.update(zeros([1, 3]), tensor([-1]))).toThrow('accuracy: target of sample 0 is -1');
    expect(() => acc.update(zeros([1, 3]), tensor([0.5]))).toThrow('accuracy: target of sample 0 is 0.5');
    expect(() => acc.update(zeros([2]), tensor([1, 2]))).toThrow(
      'accuracy: target of sample 1 is 2, expected a class index in [0, 2) (prediction [2], target [2])',
    );
  });

  plain('a threshold that is not a finite number is rejected at construction', () => {
    expect(() => accuracy({ threshold: NaN })).toThrow('accuracy: threshold must be a finite number, found NaN');
    expect(() => accuracy({ threshold: '0.5' as unknown as number })).toThrow(ArgumentError);
  });
});

describe('topKAccuracy', () => {
  plain('worked example: k = 2 over three classes', () => {
    const top2 = topKAccuracy({ k: 2 });
    top2.update(tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), tensor([1, 0]));
    expect(top2.result()).toBe(0.5);
    expect(top2.name).toBe('top2_accuracy');
  });

  plain('ties at the boundary count as in the top k, as tf.math.in_top_k', () => {
    const top1 = topKAccuracy({ k: 1 });
    top1.update(tensor([[1, 1, 1], [1, 1, 1], [2, 1, 1]]), tensor([0, 2, 1]));
    expect(top1.result()).toBeCloseTo(2 / 3, 12);
  });

  plain('a row with a NaN score is a miss; infinities compare as numbers', () => {
    const top1 = topKAccuracy({ k: 1 });
    top1.update(tensor([[NaN, 1], [0, NaN], [-Infinity, 0], [Infinity, 0]]), tensor([1, 0, 1, 0]));
    expect(top1.result()).toBe(0.5);
  });

  plain('k >= C makes every sample a hit; one-hot and [N, 1] targets are accepted', () => {
    const top5 = topKAccuracy();
    top5.update(tensor([[3, 1, 2], [0, 0, 9]]), tensor([[0, 1, 0], [1, 0, 0]]));
    top5.update(tensor([[3, 1, 2]]), tensor([[1]]));
    expect(top5.result()).toBe(1);
  });

  test.prop([arbClassBatches({ distinct: true })], runs)('for tie-free scores, top-1 accuracy equals accuracy', (b) => {
    const top1 = topKAccuracy({ k: 1 });
    const acc = accuracy();
    top1.update(b.prediction, b.target);
    acc.update(b.prediction, b.target);
    expect(top1.result()).toEqual(acc.result());
  });

  test.prop([arbClassBatches({ classes: [2, 6] }).filter((b) => b.target.shape[0] > 0)], runs)(
    'for any scores, top-k accuracy is non-decreasing in k, in [0, 1], and 1 at k = C',
    (b) => {
      let previous = 0;
      for (let k = 1; k <= b.numClasses; k++) {
        const m = topKAccuracy({ k });
        m.update(b.prediction, b.target);
        expect(m.result()).toBeGreaterThanOrEqual(previous);
        expect(m.result()).toBeLessThanOrEqual(1);
        previous = m.result();
      }
      expect(previous).toBe(1);
    },
  );

  plain('k must be an integer >= 1', () => {
    expect(() => topKAccuracy({ k: 0 })).toThrow('topKAccuracy: k must be an integer >= 1, found 0');
    expect(() => topKAccuracy({ k: 2.5 })).toThrow(ArgumentError);
  });

  plain('bad shapes and labels throw naming topKAccuracy and both shapes', () => {
    const m = topKAccuracy({ k: 2 });
    expect(() => m.update(zeros([3]), zeros([3]))).toThrow(
      'topKAccuracy: expected prediction [N, C] class scores (prediction [3], target [3])',
    );
    expect(() => m.update(zeros([2, 3]), zeros([4]))).toThrow(
      'topKAccuracy: expected target [2] or [2,1] class indices or [2,3] one-hot (prediction [2,3], target [4])',
    );
    expect(() => m.update(zeros([2, 3]), tensor([1, 7]))).toThrow(
      'topKAccuracy: target of sample 1 is 7, expected a class index in [0, 3) (prediction [2,3], target [2])',
    );
  });
});
