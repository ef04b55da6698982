import { ShapeError, type Tensor } from '../../ops/index.js';
import { shapes } from './class-labels.js';
import { MeanMetric } from './mean-metric.js';
import { type MetricOptions, resolveName } from './metric.js';

/** A mean of `f(prediction − target)` over every element seen. */
abstract class ElementwiseMean extends MeanMetric {
  /** The per-element term of the difference `d = prediction − target`. */
  protected abstract term(d: number): number;

  protected accumulate(prediction: Tensor, target: Tensor): void {
    const a = prediction.shape;
    const b = target.shape;
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      throw new ShapeError(
        `${this.kind}: expected prediction and target of the same shape ${shapes(prediction, target)};` +
          ' reshape one (a [N] target beside a [N,1] prediction is a common mix-up)',
      );
    }
    const p = prediction.data;
    const t = target.data;
    for (let i = 0; i < p.length; i++) this.sum += this.term(p[i] - t[i]);
    this.count += p.length;
  }
}

/** Mean squared error over all elements seen. See `mse`. */
export class MeanSquaredError extends ElementwiseMean {
  protected readonly kind = 'mse';

  protected term(d: number): number {
    return d * d;
  }
}

/** Mean absolute error over all elements seen. See `mae`. */
export class MeanAbsoluteError extends ElementwiseMean {
  protected readonly kind = 'mae';

  protected term(d: number): number {
    return Math.abs(d);
  }
}

/**
 * Mean squared error, `Σ (prediction − target)² / count` over every element of every batch
 * seen (not a mean of batch means, so a short last batch weighs what it should). Prediction
 * and target must have the same shape. NaN before any element. Accumulated in float64.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const m = metrics.mse();
 * m.update(tensor([1, 2]), tensor([1, 4]));
 * m.update(tensor([0]), tensor([1]));
 * m.result(); // (0 + 4 + 1) / 3 = 1.6667
 * ```
 */
export function mse(options: MetricOptions = {}): MeanSquaredError {
  return new MeanSquaredError(resolveName('mse', options, 'mse'));
}

/**
 * Mean absolute error, `Σ |prediction − target| / count` over every element of every batch
 * seen. Prediction and target must have the same shape. NaN before any element.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * const m = metrics.mae();
 * m.update(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [3, 5]]));
 * m.result(); // (0 + 2 + 0 + 1) / 4 = 0.75
 * ```
 */
export function mae(options: MetricOptions = {}): MeanAbsoluteError {
  return new MeanAbsoluteError(resolveName('mae', options, 'mae'));
}
