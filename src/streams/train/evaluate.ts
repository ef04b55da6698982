import { type OperatorFunction, defer, finalize, last, map } from 'rxjs';
import { ArgumentError, noGrad } from '../../ops/index.js';
import type { Layer, Metric } from '../../models/index.js';
import type { Batch } from '../types.js';
import type { Logs } from './events.js';
import { type MetricSpec, createMetrics } from './metric-specs.js';
import type { LossFunction } from './train-step.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  readonly model: Layer;
  /** Also report the mean loss (weighted by batch size) as `loss`. */
  readonly loss?: LossFunction;
  readonly metrics?: readonly MetricSpec[];
  /** Prefix for the log keys, e.g. `val_` gives `val_loss`, `val_accuracy`. @default '' */
  readonly prefix?: string;
}

/**
 * Accumulates loss and metrics over batches in evaluation mode without recording a graph.
 * @internal used by `evaluate` and `fit`
 */
export class Evaluator {
  private readonly metrics: Metric[];
  private lossSum = 0;
  private samples = 0;

  constructor(private readonly opts: EvaluateOptions) {
    this.metrics = createMetrics('evaluate', opts.metrics);
  }

  update(batch: Batch): void {
    noGrad(() => {
      const prediction = this.opts.model.forward(batch.x);
      if (this.opts.loss !== undefined) {
        this.lossSum += this.opts.loss(prediction, batch.y).item() * batch.size;
        this.samples += batch.size;
      }
      for (const metric of this.metrics) metric.update(prediction, batch.y);
    });
  }

  logs(): Logs {
    const prefix = this.opts.prefix ?? '';
    const out: Logs = {};
    if (this.opts.loss !== undefined) out[`${prefix}loss`] = this.samples === 0 ? Number.NaN : this.lossSum / this.samples;
    for (const metric of this.metrics) out[`${prefix}${metric.name}`] = metric.result();
    return out;
  }
}

/**
 * Evaluates a model on a stream of batches: one `Logs` when the stream completes, with the
 * mean loss (if `loss` is given) and each metric over all samples. Runs in evaluation mode
 * (dropout off, batch norm on running statistics) under `noGrad`, and restores the model's
 * mode afterwards.
 *
 * ```
 * batches:  --a--b--c--|
 * evaluate: -----------(L|)    L = { loss, accuracy }
 * ```
 *
 * @example
 * ```ts
 * const logs = await lastValueFrom(mnist({ split: 'test' }).pipe(batch(256), evaluate({ model, metrics: ['accuracy'] })));
 * ```
 */
export function evaluate(opts: EvaluateOptions): OperatorFunction<Batch, Logs> {
  if (typeof opts?.model?.forward !== 'function') throw new ArgumentError('evaluate: model must be a layer or model');
  createMetrics('evaluate', opts.metrics);
  return (source) =>
    defer(() => {
      const wasTraining = opts.model.training;
      opts.model.eval();
      const evaluator = new Evaluator(opts);
      return source.pipe(
        map((batch) => evaluator.update(batch)),
        last(null, undefined),
        map(() => evaluator.logs()),
        finalize(() => {
          if (wasTraining) opts.model.train();
        }),
      );
    });
}
