import { ArgumentError, ShapeError, type Tensor } from '../../ops/index.js';
import { decodeClasses, decodeTargets, shapes } from './class-labels.js';
import { MeanMetric } from './mean-metric.js';
import { type MetricOptions, assertIntOption, resolveName } from './metric.js';

/** Options of `accuracy`. */
export interface AccuracyOptions extends MetricOptions {
  /**
   * Cut-off for binary predictions `[N]` / `[N, 1]`: the predicted class is 1 when
   * `p > threshold` (Keras' `BinaryAccuracy`). 0.5 suits probabilities; for logits pass 0
   * (sigmoid(0) = 0.5). Unused for `[N, C]` predictions. @default 0.5
   */
  threshold?: number;
}

/** Fraction of samples whose predicted class is the true class. See `accuracy`. */
export class Accuracy extends MeanMetric {
  protected readonly kind = 'accuracy';
  readonly threshold: number;

  constructor(options: AccuracyOptions = {}) {
    super(resolveName('accuracy', options, 'accuracy'));
    const threshold = options.threshold ?? 0.5;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new ArgumentError(`accuracy: threshold must be a finite number, found ${String(threshold)}`);
    }
    this.threshold = threshold;
  }

  protected accumulate(prediction: Tensor, target: Tensor): void {
    const { predicted, actual } = decodeClasses(this.kind, prediction, target, { threshold: this.threshold });
    for (let i = 0; i < predicted.length; i++) {
      if (predicted[i] === actual[i]) this.sum += 1;
    }
    this.count += predicted.length;
  }
}

/**
 * Accuracy, `correct / total` over every sample seen: the fraction whose predicted class is
 * the true class. NaN before any sample.
 *
 * - prediction `[N, C]` scores, logits or probabilities: the predicted class is the argmax
 *   (the first one on ties);
 * - prediction `[N]` or `[N, 1]`: binary, class 1 when `p > threshold` (0.5 by default, for
 *   probabilities; pass `threshold: 0` for logits);
 * - target: class indices `[N]` or `[N, 1]` (integers in `[0, C)`, 0/1 for binary), or for
 *   `[N, C]` predictions one-hot `[N, C]`, read by argmax (so smoothed labels work too).
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const acc = metrics.accuracy();
 * acc.update(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1]));
 * acc.result(); // 2/3
 * ```
 */
export function accuracy(options: AccuracyOptions = {}): Accuracy {
  return new Accuracy(options);
}

/** Options of `topKAccuracy`. */
export interface TopKAccuracyOptions extends MetricOptions {
  /** How many of the largest scores count as a hit. @default 5 */
  k?: number;
}

/** Fraction of samples whose true class is among the k largest scores. See `topKAccuracy`. */
export class TopKAccuracy extends MeanMetric {
  protected readonly kind = 'topKAccuracy';
  readonly k: number;

  constructor(options: TopKAccuracyOptions = {}) {
    const k = options.k ?? 5;
    assertIntOption('topKAccuracy', 'k', k, 1);
    super(resolveName('topKAccuracy', options, `top${k}_accuracy`));
    this.k = k;
  }

  protected accumulate(prediction: Tensor, target: Tensor): void {
    const shape = prediction.shape;
    if (shape.length !== 2 || shape[1] === 0) {
      throw new ShapeError(`topKAccuracy: expected prediction [N, C] class scores ${shapes(prediction, target)}`);
    }
    const [n, numClasses] = shape;
    const actual = decodeTargets(this.kind, prediction, target, n, numClasses);
    const scores = prediction.data;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const row = i * numClasses;
      const s = scores[row + actual[i]];
      let above = 0;
      let nan = Number.isNaN(s);
      for (let j = 0; j < numClasses && !nan; j++) {
        const v = scores[row + j];
        if (Number.isNaN(v)) nan = true;
        else if (v > s) above += 1;
      }
      if (!nan && above < this.k) hits += 1;
    }
    this.sum += hits;
    this.count += n;
  }
}

/**
 * Top-k accuracy: the fraction of samples whose true class is among the `k` largest scores of
 * prediction `[N, C]`; target class indices `[N]` / `[N, 1]` or one-hot `[N, C]`. NaN before
 * any sample. Logged as `top{k}_accuracy`.
 *
 * Ties follow `tf.math.in_top_k`: a sample is a hit when fewer than `k` classes score strictly
 * higher than the true class, so classes tied at the boundary all count as in the top k
 * (`[1, 1, 1]` is a top-1 hit for any target). A row with a NaN score is a miss; ±∞ compare as
 * numbers (TensorFlow counts any non-finite row as a miss). `k >= C` makes every sample a hit.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const top2 = metrics.topKAccuracy({ k: 2 });
 * top2.update(tensor([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]), tensor([1, 0]));
 * top2.result(); // 0.5: class 1 is second in row 0, class 0 is third in row 1
 * ```
 */
export function topKAccuracy(options: TopKAccuracyOptions = {}): TopKAccuracy {
  return new TopKAccuracy(options);
}
