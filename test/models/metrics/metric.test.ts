// Laws every metric obeys, checked for each one on random data cut into random batches.
import { describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Tensor, isGradEnabled, tensor, zeros } from '../../../src/ops/index.js';
import { CheckpointError } from '../../../src/models/errors.js';
import { metrics, type Metric } from '../../../src/models/metrics/index.js';
import { type Batches, arbClassBatches, arbRegressionBatches, arbSequenceBatches, split } from './batches.js';

const runs = { numRuns: 25 };

interface Case {
  label: string;
  make: (numClasses: number) => Metric<unknown>;
  arb: fc.Arbitrary<Batches>;
  /** A batch that must be rejected, with its problem in the last sample. */
  bad: (numClasses: number) => [Tensor, Tensor];
}

const badLabel = (c: number): [Tensor, Tensor] => [zeros([3, c]), tensor([0, 0, c])];
const badBinaryLabel = (): [Tensor, Tensor] => [zeros([3]), tensor([0, 1, 2])];

const cases: Case[] = [
  { label: 'accuracy', make: () => metrics.accuracy(), arb: arbClassBatches(), bad: badLabel },
  { label: 'accuracy (binary)', make: () => metrics.accuracy(), arb: arbClassBatches({ binary: true }), bad: badBinaryLabel },
  { label: 'accuracy (one-hot targets)', make: () => metrics.accuracy(), arb: arbClassBatches({ oneHot: true }), bad: badLabel },
  { label: 'topKAccuracy', make: () => metrics.topKAccuracy({ k: 2 }), arb: arbClassBatches(), bad: badLabel },
  { label: 'confusionMatrix', make: (c) => metrics.confusionMatrix({ numClasses: c }), arb: arbClassBatches(), bad: badLabel },
  { label: 'precision (macro)', make: (c) => metrics.precision({ numClasses: c }), arb: arbClassBatches(), bad: badLabel },
  { label: 'recall (weighted)', make: (c) => metrics.recall({ numClasses: c, average: 'weighted' }), arb: arbClassBatches(), bad: badLabel },
  { label: 'f1 (micro)', make: (c) => metrics.f1({ numClasses: c, average: 'micro' }), arb: arbClassBatches({ oneHot: true }), bad: badLabel },
  { label: 'f1 (binary)', make: () => metrics.f1({ numClasses: 2, average: 'binary' }), arb: arbClassBatches({ binary: true }), bad: badBinaryLabel },
  { label: 'perplexity', make: () => metrics.perplexity(), arb: arbSequenceBatches(), bad: (c) => [zeros([2, 1, c]), tensor([[0], [c]])] },
  { label: 'mse', make: () => metrics.mse(), arb: arbRegressionBatches(), bad: () => [zeros([2, 1]), zeros([2])] },
  { label: 'mae', make: () => metrics.mae(), arb: arbRegressionBatches(), bad: () => [zeros([2, 1]), zeros([2])] },
];

function feed(metric: Metric<unknown>, batches: Array<[Tensor, Tensor]>): Metric<unknown> {
  for (const [p, t] of batches) metric.update(p, t);
  return metric;
}

describe.each(cases)('$label', ({ make, arb, bad }) => {
  test.prop([arb], runs)('updating with batches b1..bk gives the result of one update with their concatenation', (b) => {
    const incremental = feed(make(b.numClasses), split(b));
    const whole = feed(make(b.numClasses), [[b.prediction, b.target]]);
    expect(incremental.result()).toEqual(whole.result());
    expect(incremental.state()).toEqual(whole.state());
  });

  test.prop([arb], runs)('a state saved mid-stream through JSON and loaded into a fresh metric resumes exactly', (b) => {
    const [first, ...rest] = split(b);
    const saved = JSON.parse(JSON.stringify(feed(make(b.numClasses), [first]).state()));
    const resumed = make(b.numClasses);
    resumed.loadState(saved);
    feed(resumed, rest);
    expect(resumed.result()).toEqual(feed(make(b.numClasses), split(b)).result());
  });

  test.prop([arb], runs)('reset() returns to the empty state, and the metric then counts from scratch', (b) => {
    const metric = feed(make(b.numClasses), split(b));
    const fresh = make(b.numClasses);
    metric.reset();
    expect(metric.state()).toEqual(fresh.state());
    expect(metric.result()).toEqual(fresh.result());
    expect(feed(metric, split(b)).result()).toEqual(feed(fresh, split(b)).result());
  });

  test.prop([arb], runs)('a rejected batch leaves the state as it was (checked before anything is counted)', (b) => {
    const metric = feed(make(b.numClasses), split(b));
    const before = metric.state();
    const [p, t] = bad(b.numClasses);
    expect(() => metric.update(p, t)).toThrow();
    expect(metric.state()).toEqual(before);
  });

  test.prop([arb.filter((b) => b.prediction.shape[0] > 0)], { numRuns: 5 })('update reads the prediction with grad mode off (runs under noGrad)', (b) => {
    const seen: boolean[] = [];
    const spy = Object.create(b.prediction, {
      data: {
        get() {
          seen.push(isGradEnabled());
          return b.prediction.data;
        },
      },
    }) as Tensor;
    make(b.numClasses).update(spy, b.target);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((on) => !on)).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });
});

describe('metric names, empty results and states', () => {
  plain('names are the log keys: accuracy, top5_accuracy, confusion_matrix, precision, recall, f1, perplexity, mse, mae', () => {
    const names = [
      metrics.accuracy(),
      metrics.topKAccuracy(),
      metrics.topKAccuracy({ k: 3 }),
      metrics.confusionMatrix({ numClasses: 3 }),
      metrics.precision({ numClasses: 3 }),
      metrics.recall({ numClasses: 3 }),
      metrics.f1({ numClasses: 3 }),
      metrics.perplexity(),
      metrics.mse(),
      metrics.mae(),
    ].map((m) => m.name);
    expect(names).toEqual([
      'accuracy',
      'top5_accuracy',
      'top3_accuracy',
      'confusion_matrix',
      'precision',
      'recall',
      'f1',
      'perplexity',
      'mse',
      'mae',
    ]);
  });

  plain('the name option renames a metric; an empty or non-string name is rejected naming the metric', () => {
    expect(metrics.accuracy({ name: 'val_acc' }).name).toBe('val_acc');
    expect(metrics.f1({ numClasses: 2, name: 'f1_binary' }).name).toBe('f1_binary');
    expect(metrics.mse({ name: 'loss_mse' }).name).toBe('loss_mse');
    expect(() => metrics.accuracy({ name: '' })).toThrow('accuracy: name must be a non-empty string, found ""');
    expect(() => metrics.recall({ numClasses: 2, name: 3 as unknown as string })).toThrow(
      'recall: name must be a non-empty string, found 3',
    );
  });

  plain('before any sample, scalar metrics are NaN and the confusion matrix is all zeros', () => {
    const scalars = [
      metrics.accuracy(),
      metrics.topKAccuracy(),
      metrics.precision({ numClasses: 2 }),
      metrics.recall({ numClasses: 2 }),
      metrics.f1({ numClasses: 2 }),
      metrics.perplexity(),
      metrics.mse(),
      metrics.mae(),
    ];
    for (const m of scalars) expect(m.result()).toBeNaN();
    expect(metrics.confusionMatrix({ numClasses: 2 }).result()).toEqual([[0, 0], [0, 0]]);
  });

  plain('an empty batch counts nothing: results stay NaN', () => {
    const acc = metrics.accuracy();
    acc.update(zeros([0, 3]), zeros([0]));
    expect(acc.result()).toBeNaN();
    const m = metrics.mse();
    m.update(zeros([0, 2]), zeros([0, 2]));
    expect(m.result()).toBeNaN();
  });

  plain('loadState rejects missing, extra and mistyped keys with a CheckpointError naming the metric', () => {
    const acc = metrics.accuracy();
    expect(() => acc.loadState({ sum: 1 })).toThrow(CheckpointError);
    expect(() => acc.loadState({ sum: 1 })).toThrow('accuracy: expected state keys {sum, count}, found {sum}');
    expect(() => acc.loadState({ sum: 1, count: 2, extra: 0 })).toThrow(
      'accuracy: expected state keys {sum, count}, found {sum, count, extra}',
    );
    expect(() => acc.loadState({ sum: 1, count: -1 })).toThrow('accuracy: state.count must be an integer >= 0, found -1');
    expect(() => acc.loadState({ sum: 1, count: 1.5 })).toThrow('accuracy: state.count must be an integer >= 0, found 1.5');
    expect(() => metrics.mse().loadState({ sum: [1], count: 1 })).toThrow('mse: state.sum must be a number, found [1]');
    expect(() => metrics.perplexity().loadState(null as never)).toThrow('perplexity: expected a state object, found null');
  });

  plain('a rejected state leaves the metric as it was', () => {
    const acc = metrics.accuracy();
    acc.update(tensor([[1, 0], [0, 1]]), tensor([0, 0]));
    expect(() => acc.loadState({ sum: 1, count: -1 })).toThrow(CheckpointError);
    expect(acc.state()).toEqual({ sum: 1, count: 2 });
    expect(acc.result()).toBe(0.5);
  });

  plain('state() is a copy: changing it does not change the metric', () => {
    const cm = metrics.confusionMatrix({ numClasses: 2 });
    cm.update(tensor([0.9]), tensor([1]));
    const s = cm.state() as { counts: number[] };
    s.counts[0] = 100;
    expect(cm.result()).toEqual([[0, 0], [0, 1]]);
  });
});
