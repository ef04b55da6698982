import { ArgumentError } from '../../ops/index.js';
import { metrics, type Metric } from '../../models/index.js';

/** A metric for `fit`/`trainStep`/`evaluate`: a built-in's name (`'accuracy'`) or a factory. */
export type MetricSpec = 'accuracy' | 'mse' | 'mae' | 'perplexity' | (() => Metric);

/** Fresh metric instances from their specs (each run and each split needs its own state). */
export function createMetrics(where: string, specs: readonly MetricSpec[] = []): Metric[] {
  if (!Array.isArray(specs)) throw new ArgumentError(`${where}: metrics must be an array, found ${typeof specs}`);
  return specs.map((spec, i) => {
    if (typeof spec === 'function') return spec();
    switch (spec) {
      case 'accuracy':
        return metrics.accuracy();
      case 'mse':
        return metrics.mse();
      case 'mae':
        return metrics.mae();
      case 'perplexity':
        return metrics.perplexity();
      default:
        throw new ArgumentError(
          `${where}: metrics[${i}] ${JSON.stringify(spec)} is not a metric; use 'accuracy', 'mse', 'mae', 'perplexity' or a factory such as () => metrics.topKAccuracy({ k: 5 })`,
        );
    }
  });
}
