import { ArgumentError, type Tensor, noGrad } from '../../ops/index.js';
import { decodeClasses } from './class-labels.js';
import { type Metric, type MetricOptions, type MetricState, assertIntOption, checkState, resolveName } from './metric.js';

/** Options of `confusionMatrix`. */
export interface ConfusionMatrixOptions extends MetricOptions {
  /** Number of classes C, at least 2; predictions are `[N, C]`, or `[N]` binary scores when C is 2. */
  numClasses: number;
  /** Cut-off for binary predictions `[N]` / `[N, 1]`: class 1 when `p > threshold`. @default 0.5 */
  threshold?: number;
}

/** Counts of (true class, predicted class) pairs. See `confusionMatrix`. */
export class ConfusionMatrix implements Metric<number[][]> {
  readonly name: string;
  readonly numClasses: number;
  readonly threshold: number;
  /** The metric that owns this matrix, for messages (precision, recall and f1 build on it). */
  private readonly kind: string;
  /** Row-major counts: `counts[t * C + p]` samples of true class t predicted as p. */
  private counts: number[];

  /** `kind` and `defaultName` let precision, recall and f1 reuse the matrix under their own names. */
  constructor(options: ConfusionMatrixOptions, kind = 'confusionMatrix', defaultName = 'confusion_matrix') {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentError(`${kind}: expected an options object with numClasses, found ${String(options)}`);
    }
    assertIntOption(kind, 'numClasses', options.numClasses, 2);
    const threshold = options.threshold ?? 0.5;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new ArgumentError(`${kind}: threshold must be a finite number, found ${String(threshold)}`);
    }
    this.kind = kind;
    this.name = resolveName(kind, options, defaultName);
    this.numClasses = options.numClasses;
    this.threshold = threshold;
    this.counts = new Array<number>(this.numClasses * this.numClasses).fill(0);
  }

  update(prediction: Tensor, target: Tensor): void {
    noGrad(() => {
      const c = this.numClasses;
      const { predicted, actual } = decodeClasses(this.kind, prediction, target, {
        threshold: this.threshold,
        numClasses: c,
      });
      for (let i = 0; i < predicted.length; i++) this.counts[actual[i] * c + predicted[i]] += 1;
    });
  }

  /** The matrix `m[t][p]`: rows are true classes, columns predicted classes (all zeros before any sample). */
  result(): number[][] {
    const c = this.numClasses;
    return Array.from({ length: c }, (_, t) => this.counts.slice(t * c, (t + 1) * c));
  }

  /** Number of samples seen: the sum of the matrix. */
  total(): number {
    return this.counts.reduce((s, v) => s + v, 0);
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** `{ counts }`: the C·C counts, row-major. */
  state(): MetricState {
    return { counts: this.counts.slice() };
  }

  loadState(state: MetricState): void {
    checkState(this.kind, state, { counts: { counts: this.numClasses * this.numClasses } });
    this.counts = (state.counts as readonly number[]).slice();
  }
}

/**
 * Confusion matrix over `numClasses` classes, `m[t][p]` = number of samples of true class `t`
 * predicted as class `p`: rows are true classes, columns predicted ones, as in scikit-learn's
 * `confusion_matrix` (transposed from some textbooks). The diagonal holds the correct
 * predictions, so trace / sum = accuracy; before any sample the matrix is all zeros.
 *
 * Predictions and targets are read as `accuracy` reads them: `[N, C]` scores by argmax (pass
 * one-hot predictions to count given labels), `[N]` / `[N, 1]` binary scores with `threshold`
 * when `numClasses` is 2; targets as indices `[N]` / `[N, 1]` or one-hot `[N, C]`.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const cm = metrics.confusionMatrix({ numClasses: 2 });
 * cm.update(tensor([0.9, 0.2, 0.7, 0.1]), tensor([1, 1, 0, 0]));
 * cm.result(); // [[1, 1], [1, 1]]: one true negative, one false positive, one false negative, one true positive
 * ```
 */
export function confusionMatrix(options: ConfusionMatrixOptions): ConfusionMatrix {
  return new ConfusionMatrix(options);
}
