import { describe, expect, test as plain } from 'vitest';
import { test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, tensor, zeros } from '../../../src/ops/index.js';
import { CheckpointError } from '../../../src/models/errors.js';
import { accuracy } from '../../../src/models/metrics/accuracy.js';
import { confusionMatrix } from '../../../src/models/metrics/confusion-matrix.js';
import { arbClassBatches } from './batches.js';

const runs = { numRuns: 30 };

/** One-hot rows for the given predicted labels, so tests can state predictions as labels. */
function oneHot(labels: number[], c: number) {
  return tensor(labels.map((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0))));
}

describe('confusionMatrix', () => {
  plain("worked example from scikit-learn's confusion_matrix docs: rows are true classes, columns predicted", () => {
    // y_true = [2, 0, 2, 2, 0, 1], y_pred = [0, 0, 2, 2, 0, 2]
    const cm = confusionMatrix({ numClasses: 3 });
    cm.update(oneHot([0, 0, 2, 2, 0, 2], 3), tensor([2, 0, 2, 2, 0, 1]));
    expect(cm.result()).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
  });

  plain('binary scores with a threshold: [[TN, FP], [FN, TP]]', () => {
    const cm = confusionMatrix({ numClasses: 2 });
    cm.update(tensor([0.9, 0.2, 0.7, 0.1, 0.8]), tensor([1, 1, 0, 0, 1]));
    expect(cm.result()).toEqual([
      [1, 1],
      [1, 2],
    ]);
    const logits = confusionMatrix({ numClasses: 2, threshold: 0 });
    logits.update(tensor([[2], [-1]]), tensor([[1], [1]]));
    expect(logits.result()).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });

  test.prop([arbClassBatches()], runs)('for any batch, the matrix sums to the number of samples and trace / sum equals accuracy', (b) => {
    const cm = confusionMatrix({ numClasses: b.numClasses });
    const acc = accuracy();
    cm.update(b.prediction, b.target);
    acc.update(b.prediction, b.target);
    const m = cm.result();
    const total = m.flat().reduce((s, v) => s + v, 0);
    const trace = m.reduce((s, row, k) => s + row[k], 0);
    expect(total).toBe(b.target.shape[0]);
    expect(cm.total()).toBe(total);
    expect(total === 0 ? NaN : trace / total).toEqual(acc.result());
  });

  test.prop([arbClassBatches()], runs)('for any batch, row k sums to the number of samples whose true class is k', (b) => {
    const cm = confusionMatrix({ numClasses: b.numClasses });
    cm.update(b.prediction, b.target);
    cm.result().forEach((row, k) => {
      const support = b.target.data.filter((y) => y === k).length;
      expect(row.reduce((s, v) => s + v, 0)).toBe(support);
    });
  });

  plain('result() returns a fresh copy', () => {
    const cm = confusionMatrix({ numClasses: 2 });
    cm.update(tensor([0.9]), tensor([1]));
    cm.result()[1][1] = 42;
    expect(cm.result()).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  plain('numClasses is required, an integer >= 2; threshold a finite number', () => {
    expect(() => confusionMatrix(undefined as never)).toThrow(
      'confusionMatrix: expected an options object with numClasses, found undefined',
    );
    expect(() => confusionMatrix({} as never)).toThrow('confusionMatrix: numClasses must be an integer >= 2, found undefined');
    expect(() => confusionMatrix({ numClasses: 1 })).toThrow(ArgumentError);
    expect(() => confusionMatrix({ numClasses: 2.5 })).toThrow('confusionMatrix: numClasses must be an integer >= 2, found 2.5');
    expect(() => confusionMatrix({ numClasses: 2, threshold: Infinity })).toThrow(
      'confusionMatrix: threshold must be a finite number, found Infinity',
    );
  });

  plain('a prediction with another number of classes throws a ShapeError naming both shapes', () => {
    const cm = confusionMatrix({ numClasses: 4 });
    expect(() => cm.update(zeros([2, 3]), tensor([0, 1]))).toThrow(ShapeError);
    expect(() => cm.update(zeros([2, 3]), tensor([0, 1]))).toThrow(
      'confusionMatrix: expected prediction [N,4] for numClasses 4, found 3 classes (prediction [2,3], target [2])',
    );
    expect(() => cm.update(zeros([2]), tensor([0, 1]))).toThrow(
      'confusionMatrix: expected prediction [N,4] for numClasses 4, found binary scores (prediction [2], target [2])',
    );
  });

  plain('labels out of range throw naming confusionMatrix', () => {
    const cm = confusionMatrix({ numClasses: 3 });
    expect(() => cm.update(zeros([2, 3]), tensor([0, 5]))).toThrow(
      'confusionMatrix: target of sample 1 is 5, expected a class index in [0, 3) (prediction [2,3], target [2])',
    );
  });

  plain('loadState needs C·C integer counts >= 0', () => {
    const cm = confusionMatrix({ numClasses: 2 });
    expect(() => cm.loadState({ counts: [1, 2, 3] })).toThrow(CheckpointError);
    expect(() => cm.loadState({ counts: [1, 2, 3] })).toThrow(
      'confusionMatrix: state.counts must be 4 integers >= 0, found an array of length 3',
    );
    expect(() => cm.loadState({ counts: [1, 2, 3, -1] })).toThrow(
      'confusionMatrix: state.counts must be 4 integers >= 0, found an array of length 4 with a non-count entry',
    );
    expect(() => cm.loadState({ counts: 4 })).toThrow('confusionMatrix: state.counts must be 4 integers >= 0, found 4');
    cm.loadState({ counts: [1, 2, 3, 4] });
    expect(cm.result()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
