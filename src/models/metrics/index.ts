/**
 * Incremental metrics: `metrics.accuracy()`, `metrics.f1({ numClasses })`, ... Each is a
 * `Metric` that folds in one batch at a time, so it works on streams.
 *
 * They are grouped in the `metrics` object because `mse` and `mae` are also the names of
 * losses exported from `streamgrad/models`.
 * @packageDocumentation
 */
import { accuracy, topKAccuracy } from './accuracy.js';
import { confusionMatrix } from './confusion-matrix.js';
import { f1, precision, recall } from './precision-recall.js';
import { perplexity } from './perplexity.js';
import { mae, mse } from './regression.js';

/**
 * The metric factories: `metrics.accuracy()`, `metrics.topKAccuracy({ k })`,
 * `metrics.confusionMatrix({ numClasses })`, `metrics.precision / recall / f1({ numClasses })`,
 * `metrics.perplexity()`, `metrics.mse()`, `metrics.mae()`.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * const tracked = [metrics.accuracy(), metrics.topKAccuracy({ k: 5 }), metrics.f1({ numClasses: 10 })];
 * for (const m of tracked) m.update(logits, labels);
 * Object.fromEntries(tracked.map((m) => [m.name, m.result()])); // { accuracy, top5_accuracy, f1 }
 * ```
 */
export const metrics = {
  accuracy,
  topKAccuracy,
  confusionMatrix,
  precision,
  recall,
  f1,
  perplexity,
  mse,
  mae,
} as const;

export type { Metric, MetricState, MetricOptions } from './metric.js';
export { Accuracy, TopKAccuracy, type AccuracyOptions, type TopKAccuracyOptions } from './accuracy.js';
export { ConfusionMatrix, type ConfusionMatrixOptions } from './confusion-matrix.js';
export {
  ClassificationScore,
  Precision,
  Recall,
  F1,
  type Average,
  type ClassificationScoreOptions,
} from './precision-recall.js';
export { Perplexity, type PerplexityOptions } from './perplexity.js';
export { MeanSquaredError, MeanAbsoluteError } from './regression.js';
