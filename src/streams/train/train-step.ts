import { type OperatorFunction, defer, map } from 'rxjs';
import { ArgumentError, type Tensor, add, backward, noGrad } from '../../ops/index.js';
import { type Layer, type Metric, type Optimizer, type Regularizer, clipGradNorm } from '../../models/index.js';
import type { Batch } from '../types.js';
import type { Logs, StepResult } from './events.js';
import { type MetricSpec, createMetrics } from './metric-specs.js';

/** A loss function: prediction first, target second, a one-element tensor out (`crossEntropy`, `mse`...). */
export type LossFunction = (prediction: Tensor, target: Tensor) => Tensor;

/** Options of `trainStep`. */
export interface TrainStepOptions {
  readonly model: Layer;
  readonly loss: LossFunction;
  readonly optimizer: Optimizer;
  /** Added to the loss before backward (`l2(1e-4)`); not included in the reported loss. */
  readonly regularizer?: Regularizer;
  /** Clip the global gradient norm to this value before the update. */
  readonly clipGradNorm?: number;
  /** Metrics computed on each batch (from the forward pass already done). */
  readonly metrics?: readonly MetricSpec[];
}

/** A `trainStep` result: the step's numbers and the global step count after it. */
export interface StepEvent extends StepResult {
  readonly step: number;
}

/** Checks `trainStep`'s options once, at creation. @internal */
export function checkTrainOptions(where: string, opts: TrainStepOptions): void {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${where}: expected an options object`);
  if (typeof opts.model?.forward !== 'function') throw new ArgumentError(`${where}: model must be a layer or model`);
  if (typeof opts.loss !== 'function') throw new ArgumentError(`${where}: loss must be a function (prediction, target) => Tensor`);
  if (typeof opts.optimizer?.step !== 'function') throw new ArgumentError(`${where}: optimizer must be an optimizer such as adam(model)`);
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) {
    throw new ArgumentError(`${where}: clipGradNorm must be a positive number, found ${String(opts.clipGradNorm)}`);
  }
}

/**
 * One training step on a batch: forward in training mode, loss (plus regularization),
 * backward, optional gradient clipping, optimizer update. Returns the step's numbers;
 * `batchMetrics` are reset and computed on this batch, `epochMetrics` accumulate.
 * @internal used by `trainStep` and `fit`
 */
export function runStep(
  opts: TrainStepOptions,
  batch: Batch,
  batchMetrics: readonly Metric[],
  epochMetrics: readonly Metric[] = [],
): StepResult {
  const { model, optimizer } = opts;
  model.train();
  optimizer.zeroGrad();
  const prediction = model.forward(batch.x);
  const loss = opts.loss(prediction, batch.y);
  if (loss.size !== 1) {
    throw new ArgumentError(`trainStep: the loss must be one number per batch, found shape [${loss.shape.join(',')}] (use reduction 'mean')`);
  }
  const total = opts.regularizer === undefined ? loss : add(loss, opts.regularizer.penalty(model));
  backward(total);
  if (opts.clipGradNorm !== undefined) clipGradNorm(optimizer.params, opts.clipGradNorm);
  const lr = optimizer.lr;
  optimizer.step();
  const logs: Logs = {};
  noGrad(() => {
    for (const metric of batchMetrics) {
      metric.reset();
      metric.update(prediction, batch.y);
      logs[metric.name] = metric.result();
    }
    for (const metric of epochMetrics) metric.update(prediction, batch.y);
  });
  return { loss: loss.item(), size: batch.size, lr, logs };
}

/**
 * The training step as an operator: each batch in, one optimizer step, one `StepEvent` out.
 *
 * ```
 * batches: --a--b--c--|
 * trainStep: --A--B--C--|   A = { loss, size, step: 1, lr, logs }
 * ```
 *
 * @example
 * ```ts
 * import { mnist, shuffle, batch, trainStep } from 'streamgrad/streams';
 * mnist({ split: 'train' }).pipe(shuffle({ bufferSize: 1000, seed: 1 }), batch(64),
 *   trainStep({ model, loss: crossEntropy, optimizer: adam(model) }))
 *   .subscribe((e) => console.log(e.step, e.loss));
 * ```
 */
export function trainStep(opts: TrainStepOptions): OperatorFunction<Batch, StepEvent> {
  checkTrainOptions('trainStep', opts);
  return (source) =>
    defer(() => {
      const batchMetrics = createMetrics('trainStep', opts.metrics);
      return source.pipe(
        map((batch): StepEvent => {
          const result = runStep(opts, batch, batchMetrics);
          return { ...result, step: opts.optimizer.stepCount };
        }),
      );
    });
}
