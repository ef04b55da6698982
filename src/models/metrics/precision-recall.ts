import { ArgumentError, type Tensor } from '../../ops/index.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import type { Metric, MetricOptions, MetricState } from './metric.js';

/**
 * How per-class scores combine into one number, as scikit-learn's `average`:
 * - `'macro'`: unweighted mean over the classes that occur in the targets or the predictions;
 * - `'weighted'`: mean over classes weighted by support (number of true samples);
 * - `'micro'`: one score from the summed counts (equals accuracy for single-label data);
 * - `'binary'`: the score of class 1 (the positive class); needs `numClasses: 2`.
 */
export type Average = 'macro' | 'weighted' | 'micro' | 'binary';

const AVERAGES: readonly Average[] = ['macro', 'weighted', 'micro', 'binary'];

/** Options of `precision`, `recall` and `f1`. */
export interface ClassificationScoreOptions extends MetricOptions {
  /** Number of classes C, at least 2; predictions are `[N, C]`, or `[N]` binary scores when C is 2. */
  numClasses: number;
  /** How per-class scores are combined. @default 'macro' */
  average?: Average;
  /** Cut-off for binary predictions `[N]` / `[N, 1]`: class 1 when `p > threshold`. @default 0.5 */
  threshold?: number;
}

/** `num / den`, or 0 when `den` is 0: scikit-learn's `zero_division=0`. */
function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/**
 * A score computed per class from true positives, false positives and false negatives of a
 * confusion matrix, then averaged. The state is the matrix, so it is exact under any batching.
 */
export abstract class ClassificationScore implements Metric<number> {
  readonly name: string;
  readonly average: Average;
  private readonly matrix: ConfusionMatrix;

  constructor(
    kind: string,
    options: ClassificationScoreOptions,
  ) {
    this.matrix = new ConfusionMatrix(options, kind, kind);
    this.name = this.matrix.name;
    const average = options.average ?? 'macro';
    if (!AVERAGES.includes(average)) {
      throw new ArgumentError(`${kind}: average must be one of ${AVERAGES.join(', ')}, found ${String(average)}`);
    }
    if (average === 'binary' && options.numClasses !== 2) {
      throw new ArgumentError(`${kind}: average 'binary' needs numClasses 2, found ${options.numClasses}`);
    }
    this.average = average;
  }

  /** The score of one class, or of the summed counts: 0 where its denominator is 0. */
  protected abstract score(tp: number, fp: number, fn: number): number;

  update(prediction: Tensor, target: Tensor): void {
    this.matrix.update(prediction, target);
  }

  /** The averaged score; NaN before any sample. */
  result(): number {
    const m = this.matrix.result();
    const c = this.matrix.numClasses;
    const total = this.matrix.total();
    if (total === 0) return NaN;
    const tp = m.map((row, k) => row[k]);
    const support = m.map((row) => row.reduce((s, v) => s + v, 0));
    const predicted = tp.map((_, k) => m.reduce((s, row) => s + row[k], 0));
    const fp = tp.map((v, k) => predicted[k] - v);
    const fn = tp.map((v, k) => support[k] - v);
    if (this.average === 'binary') return this.score(tp[1], fp[1], fn[1]);
    if (this.average === 'micro') {
      const correct = tp.reduce((s, v) => s + v, 0);
      return this.score(correct, total - correct, total - correct);
    }
    let sum = 0;
    let weight = 0;
    for (let k = 0; k < c; k++) {
      const w = this.average === 'weighted' ? support[k] : tp[k] + fp[k] + fn[k] > 0 ? 1 : 0;
      sum += w * this.score(tp[k], fp[k], fn[k]);
      weight += w;
    }
    return ratio(sum, weight);
  }

  reset(): void {
    this.matrix.reset();
  }

  /** `{ counts }`: the confusion matrix, row-major. */
  state(): MetricState {
    return this.matrix.state();
  }

  loadState(state: MetricState): void {
    this.matrix.loadState(state);
  }
}

/** Precision, `tp / (tp + fp)` per class. See `precision`. */
export class Precision extends ClassificationScore {
  constructor(options: ClassificationScoreOptions) {
    super('precision', options);
  }

  protected score(tp: number, fp: number): number {
    return ratio(tp, tp + fp);
  }
}

/** Recall, `tp / (tp + fn)` per class. See `recall`. */
export class Recall extends ClassificationScore {
  constructor(options: ClassificationScoreOptions) {
    super('recall', options);
  }

  protected score(tp: number, _fp: number, fn: number): number {
    return ratio(tp, tp + fn);
  }
}

/** F1, `2·tp / (2·tp + fp + fn)` per class. See `f1`. */
export class F1 extends ClassificationScore {
  constructor(options: ClassificationScoreOptions) {
    super('f1', options);
  }

  protected score(tp: number, fp: number, fn: number): number {
    return ratio(2 * tp, 2 * tp + fp + fn);
  }
}

/**
 * Precision, `tp / (tp + fp)` per class (of the samples predicted as the class, the fraction
 * that belong to it), averaged over classes (`'macro'` by default; see `Average`). A class
 * never predicted scores 0, like scikit-learn's `zero_division=0`; classes absent from both
 * targets and predictions are left out of the macro mean, as scikit-learn does when `labels`
 * is not given. NaN before any sample. Predictions and targets are read as `confusionMatrix`
 * reads them.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const p = metrics.precision({ numClasses: 3 });
 * p.update(tensor([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), tensor([0, 1, 1, 2]));
 * p.result(); // (1/2 + 1 + 1) / 3 = 0.8333
 * ```
 */
export function precision(options: ClassificationScoreOptions): Precision {
  return new Precision(options);
}

/**
 * Recall, `tp / (tp + fn)` per class (of the samples of the class, the fraction predicted as
 * it), averaged over classes (`'macro'` by default; see `Average`). A class with no true
 * samples scores 0 (scikit-learn's `zero_division=0`); classes absent from both targets and
 * predictions are left out of the macro mean. NaN before any sample.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const r = metrics.recall({ numClasses: 3 });
 * r.update(tensor([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), tensor([0, 1, 1, 2]));
 * r.result(); // (1 + 1/2 + 1) / 3 = 0.8333
 * ```
 */
export function recall(options: ClassificationScoreOptions): Recall {
  return new Recall(options);
}

/**
 * F1 score, the harmonic mean of precision and recall per class, computed as
 * `2·tp / (2·tp + fp + fn)` (0 when that is 0/0, scikit-learn's `zero_division=0`), averaged
 * over classes (`'macro'` by default; see `Average`). Classes absent from both targets and
 * predictions are left out of the macro mean. NaN before any sample.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const f = metrics.f1({ numClasses: 3 });
 * f.update(tensor([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), tensor([0, 1, 1, 2]));
 * f.result(); // (2/3 + 2/3 + 1) / 3 = 0.7778
 * ```
 */
export function f1(options: ClassificationScoreOptions): F1 {
  return new F1(options);
}
