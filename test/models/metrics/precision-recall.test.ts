import { describe, expect, test as plain } from 'vitest';
import { test } from '@fast-check/vitest';
import { ArgumentError, tensor, zeros } from '../../../src/ops/index.js';
import { accuracy } from '../../../src/models/metrics/accuracy.js';
import { type Average, f1, precision, recall } from '../../../src/models/metrics/precision-recall.js';
import { arbClassBatches } from './batches.js';

const runs = { numRuns: 30 };

/** One-hot rows for predicted labels, so examples read like scikit-learn's (y_true, y_pred). */
function oneHot(labels: number[], c: number) {
  return tensor(labels.map((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))));
}

/** precision, recall and f1 of (yTrue, yPred) with one average. */
function scores(yTrue: number[], yPred: number[], numClasses: number, average: Average): [number, number, number] {
  return [precision, recall, f1].map((make) => {
    const m = make({ numClasses, average });
    m.update(oneHot(yPred, numClasses), tensor(yTrue));
    return m.result();
  }) as [number, number, number];
}

function expectClose(got: number[], want: number[]): void {
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
}

describe('precision, recall and f1', () => {
  plain("worked example from scikit-learn's docs: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1]", () => {
    // class 0: tp 2, fp 1, fn 0 -> P 2/3, R 1, F1 4/5; classes 1 and 2: tp 0 -> all 0.
    const yTrue = [0, 1, 2, 0, 1, 2];
    const yPred = [0, 2, 1, 0, 0, 1];
    expectClose(scores(yTrue, yPred, 3, 'macro'), [2 / 9, 1 / 3, 4 / 15]);
    expectClose(scores(yTrue, yPred, 3, 'weighted'), [2 / 9, 1 / 3, 4 / 15]);
    expectClose(scores(yTrue, yPred, 3, 'micro'), [1 / 3, 1 / 3, 1 / 3]);
  });

  plain('zero_division = 0: a class never predicted has precision 0, y_true [0,1,2], y_pred [0,0,0]', () => {
    // class 0: P 1/3, R 1, F1 1/2; classes 1, 2: P 0 (0/0), R 0, F1 0.
    expectClose(scores([0, 1, 2], [0, 0, 0], 3, 'macro'), [1 / 9, 1 / 3, 1 / 6]);
  });

  plain('a class that occurs only in predictions counts in the macro mean, as in scikit-learn (labels=None)', () => {
    // y_true [0,0,1,1], y_pred [0,2,1,1]: class 2 has P 0 (one false positive) and R 0 (0/0).
    expectClose(scores([0, 0, 1, 1], [0, 2, 1, 1], 3, 'macro'), [2 / 3, 1 / 2, 5 / 9]);
    expectClose(scores([0, 0, 1, 1], [0, 2, 1, 1], 3, 'weighted'), [1, 3 / 4, 5 / 6]);
  });

  plain('classes absent from both targets and predictions are left out of the macro mean', () => {
    const yTrue = [0, 1, 2, 0, 1, 2];
    const yPred = [0, 2, 1, 0, 0, 1];
    expectClose(scores(yTrue, yPred, 5, 'macro'), scores(yTrue, yPred, 3, 'macro'));
  });

  plain("average 'binary' scores class 1 from binary probabilities", () => {
    // y_true [0,1,1,0,1], y_pred [0,1,0,1,1]: class 1 has tp 2, fp 1, fn 1.
    const results = [precision, recall, f1].map((make) => {
      const m = make({ numClasses: 2, average: 'binary' });
      m.update(tensor([0.2, 0.9, 0.4, 0.6, 0.7]), tensor([0, 1, 1, 0, 1]));
      return m.result();
    });
    expectClose(results, [2 / 3, 2 / 3, 2 / 3]);
    expectClose(scores([0, 1, 1, 0, 1], [0, 1, 0, 1, 1], 2, 'macro'), [7 / 12, 7 / 12, 7 / 12]);
  });

  plain('30 samples over 4 classes agree with scikit-learn 1.9 (precision/recall/f1_score, zero_division=0)', () => {
    const yTrue = [3, 2, 2, 3, 2, 3, 3, 0, 0, 1, 1, 3, 3, 0, 1, 3, 0, 3, 0, 1, 3, 1, 1, 1, 2, 1, 3, 1, 1, 2];
    const yPred = [0, 2, 1, 0, 0, 3, 3, 2, 0, 1, 2, 3, 2, 2, 0, 3, 0, 3, 0, 1, 3, 1, 1, 3, 2, 1, 2, 3, 1, 2];
    expectClose(scores(yTrue, yPred, 4, 'macro'), [0.6026785714285714, 0.6, 0.5835218702865762]);
    expectClose(scores(yTrue, yPred, 4, 'weighted'), [0.6696428571428572, 0.6, 0.6177727501256913]);
    expectClose(scores(yTrue, yPred, 4, 'micro'), [0.6, 0.6, 0.6]);
  });

  test.prop([arbClassBatches().filter((b) => b.target.shape[0] > 0)], runs)(
    'for any batch, micro precision = micro recall = micro f1 = accuracy',
    (b) => {
      const acc = accuracy();
      acc.update(b.prediction, b.target);
      for (const make of [precision, recall, f1]) {
        const m = make({ numClasses: b.numClasses, average: 'micro' });
        m.update(b.prediction, b.target);
        expect(m.result()).toBeCloseTo(acc.result(), 12);
      }
    },
  );

  test.prop([arbClassBatches().filter((b) => b.target.shape[0] > 0)], runs)(
    'for any batch and average, every score is in [0, 1]',
    (b) => {
      for (const average of ['macro', 'weighted', 'micro'] as const) {
        for (const make of [precision, recall, f1]) {
          const m = make({ numClasses: b.numClasses, average });
          m.update(b.prediction, b.target);
          expect(m.result()).toBeGreaterThanOrEqual(0);
          expect(m.result()).toBeLessThanOrEqual(1 + 1e-12);
        }
      }
    },
  );

  test.prop([arbClassBatches({ binary: true }).filter((b) => b.target.shape[0] > 0)], runs)(
    "for any binary batch, f1 is the harmonic mean of precision and recall (0 when both are 0)",
    (b) => {
      const [p, r, f] = [precision, recall, f1].map((make) => {
        const m = make({ numClasses: 2, average: 'binary' });
        m.update(b.prediction, b.target);
        return m.result();
      });
      expect(f).toBeCloseTo(p + r === 0 ? 0 : (2 * p * r) / (p + r), 12);
    },
  );

  test.prop([arbClassBatches().filter((b) => b.target.shape[0] > 0)], runs)(
    'for any labels, predicting them exactly gives precision = recall = f1 = 1',
    (b) => {
      const labels = Array.from(b.target.data);
      for (const make of [precision, recall, f1]) {
        const m = make({ numClasses: b.numClasses });
        m.update(oneHot(labels, b.numClasses), b.target);
        expect(m.result()).toBe(1);
      }
    },
  );

  plain('options: average must be known, binary needs numClasses 2, numClasses is required', () => {
    expect(() => precision({ numClasses: 3, average: 'samples' as Average })).toThrow(
      'precision: average must be one of macro, weighted, micro, binary, found samples',
    );
    expect(() => recall({ numClasses: 3, average: 'binary' })).toThrow(
      "recall: average 'binary' needs numClasses 2, found 3",
    );
    expect(() => f1({} as never)).toThrow('f1: numClasses must be an integer >= 2, found undefined');
    expect(() => f1({ numClasses: 2, threshold: NaN })).toThrow(ArgumentError);
  });

  plain('bad shapes and labels throw naming the metric, not the confusion matrix under it', () => {
    expect(() => precision({ numClasses: 3 }).update(zeros([2, 4]), tensor([0, 1]))).toThrow(
      'precision: expected prediction [N,3] for numClasses 3, found 4 classes (prediction [2,4], target [2])',
    );
    expect(() => recall({ numClasses: 3 }).update(zeros([2, 3]), tensor([0, 3]))).toThrow(
      'recall: target of sample 1 is 3, expected a class index in [0, 3) (prediction [2,3], target [2])',
    );
    expect(() => f1({ numClasses: 3 }).loadState({ counts: [1] })).toThrow(
      'f1: state.counts must be 9 integers >= 0, found an array of length 1',
    );
  });
});
