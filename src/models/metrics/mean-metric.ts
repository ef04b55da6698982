import { type Tensor, noGrad } from '../../ops/index.js';
import { type Metric, type MetricState, checkState } from './metric.js';

/**
 * A metric that is the mean of a per-sample (or per-element) quantity: it keeps the running
 * `sum` and `count`, and `result()` is `sum / count` (NaN before any sample). Subclasses
 * validate the whole batch first and then add each term to `sum` one at a time, so updating
 * with b1..bk performs exactly the float64 additions of one update with their concatenation:
 * incremental and batch results are bit-identical. @internal
 */
export abstract class MeanMetric implements Metric<number> {
  /** Sum of the per-sample terms seen so far (float64). */
  protected sum = 0;
  /** Number of terms seen so far. */
  protected count = 0;

  constructor(readonly name: string) {}

  /** The metric's kind, for messages (`accuracy`, `mse`, ...). */
  protected abstract readonly kind: string;

  /** Checks one batch and adds its terms to `sum` and `count`; throws before changing anything. */
  protected abstract accumulate(prediction: Tensor, target: Tensor): void;

  update(prediction: Tensor, target: Tensor): void {
    noGrad(() => this.accumulate(prediction, target));
  }

  /** `sum / count`, or NaN when no sample has been seen. */
  result(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  reset(): void {
    this.sum = 0;
    this.count = 0;
  }

  /** `{ sum, count }`; `sum` may be non-finite (an infinite loss), which JSON cannot hold. */
  state(): MetricState {
    return { sum: this.sum, count: this.count };
  }

  loadState(state: MetricState): void {
    checkState(this.kind, state, { sum: 'number', count: 'count' });
    this.sum = state.sum as number;
    this.count = state.count as number;
  }
}
