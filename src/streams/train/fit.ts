import { type MonoTypeOperatorFunction, Observable, concat, concatMap, defer, filter, finalize, ignoreElements, map, of, range } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import type { Batch } from '../types.js';
import { paced } from '../consume.js';
import { inEpoch } from '../epoch-context.js';
import type { EpochEndEvent, FitPosition, Logs, TrainContext, TrainEvent } from './events.js';
import { Evaluator } from './evaluate.js';
import { type MetricSpec, createMetrics } from './metric-specs.js';
import { type TrainStepOptions, checkTrainOptions, runStep } from './train-step.js';

/** Options of `fit`. */
export interface FitOptions extends TrainStepOptions {
  /** Training batches; a cold Observable, subscribed once per epoch. */
  readonly train: Observable<Batch>;
  /** Validation batches, evaluated after each epoch (logs prefixed `val_`). */
  readonly validation?: Observable<Batch>;
  /**
   * The epoch to train up to, as in Keras: epochs `initialEpoch` … `epochs − 1` run, so a
   * resumed run keeps the same `epochs`.
   */
  readonly epochs: number;
  /** Metrics reported per batch, per epoch and for validation. */
  readonly metrics?: readonly MetricSpec[];
  /** Callbacks, applied in order to the event stream. */
  readonly callbacks?: readonly MonoTypeOperatorFunction<TrainEvent>[];
  /** First epoch's number, when continuing a run. @default 0 */
  readonly initialEpoch?: number;
  /**
   * Continue a run from a saved position (what `resume` returns from a checkpoint): starts at
   * `position.epoch`, skips the `position.batch` batches of it already trained (they are read
   * but not trained on, so the data order stays the same), and restores the epoch's running
   * loss and metrics and the callbacks' state. Overrides `initialEpoch`.
   */
  readonly resume?: { readonly position: FitPosition; readonly callbackState: Record<string, unknown> };
}

/**
 * Trains a model: for each epoch, an `epochStart` event, then one optimizer step and a
 * `batchEnd` event per training batch, then validation, then `epochEnd` with the epoch's
 * logs (`loss` and metrics averaged over its samples, `val_loss` and `val_*`). The events
 * pass through `callbacks`, which may change the learning rate, stop training or write
 * checkpoints.
 *
 * Cold: nothing runs until it is subscribed. Between batches the event loop turns, so
 * timers, progress output and servers stay live; the sources are paused while a batch
 * trains (bounded memory). Unsubscribing, or a callback completing the stream, stops
 * training at the next batch boundary and releases the sources.
 *
 * ```
 * fit:       S-b-b-b-E-S-b-b-b-E-|      S = epochStart, b = batchEnd, E = epochEnd
 * ```
 *
 * @example
 * ```ts
 * import { fit, mnist, shuffle, batch, earlyStopping } from 'streamgrad/streams';
 * fit({
 *   model, loss: crossEntropy, optimizer: adam(model, { lr: 1e-3 }),
 *   train: mnist({ split: 'train' }).pipe(shuffle({ bufferSize: 8000, seed: 1 }), batch(64)),
 *   epochs: 10, metrics: ['accuracy'],
 *   callbacks: [earlyStopping({ monitor: 'loss', patience: 2 })],
 * }).subscribe((e) => e.type === 'epochEnd' && console.log(e.epoch, e.logs));
 * ```
 */
export function fit(opts: FitOptions): Observable<TrainEvent> {
  checkTrainOptions('fit', opts);
  if (!(opts.train instanceof Observable)) throw new ArgumentError('fit: train must be an Observable of batches');
  if (opts.validation !== undefined && !(opts.validation instanceof Observable)) {
    throw new ArgumentError('fit: validation must be an Observable of batches');
  }
  if (!Number.isInteger(opts.epochs) || opts.epochs < 0) {
    throw new ArgumentError(`fit: epochs must be an integer >= 0, found ${String(opts.epochs)}`);
  }
  const initialEpoch = opts.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new ArgumentError(`fit: initialEpoch must be an integer >= 0, found ${String(initialEpoch)}`);
  }
  createMetrics('fit', opts.metrics);
  const callbacks = opts.callbacks ?? [];

  const events = defer(() => {
    const resume = opts.resume;
    const batchMetrics = createMetrics('fit', opts.metrics);
    const epochMetrics = createMetrics('fit', opts.metrics);
    let position: FitPosition = resume?.position ?? { epoch: initialEpoch, batch: 0, lossSum: 0, samples: 0, metrics: {} };
    const context: TrainContext = {
      model: opts.model,
      optimizer: opts.optimizer,
      callbackState: structuredClone(resume?.callbackState ?? {}),
      position: () => ({
        ...position,
        metrics: Object.fromEntries(epochMetrics.map((m) => [m.name, m.state()])),
      }),
    };
    /** Validation logs (`val_loss`, `val_*`) in evaluation mode, pacing the validation source too. */
    const validationLogs = (epoch: number): Observable<Logs> => {
      if (opts.validation === undefined) return of({});
      const validation = opts.validation;
      return defer(() => {
        const evaluator = new Evaluator({ model: opts.model, loss: opts.loss, metrics: opts.metrics, prefix: 'val_' });
        opts.model.eval();
        return concat(
          inEpoch(epoch, paced(validation, (b) => evaluator.update(b))).pipe(ignoreElements()),
          defer(() => of(evaluator.logs())),
        ).pipe(finalize(() => opts.model.train()));
      });
    };
    const runEpoch = (epoch: number): Observable<TrainEvent> => {
      const resuming = position.epoch === epoch && position.batch > 0;
      const skip = resuming ? position.batch : 0;
      if (resuming) {
        for (const metric of epochMetrics) {
          const saved = position.metrics[metric.name];
          if (saved === undefined) metric.reset();
          else metric.loadState(saved);
        }
      } else {
        position = { epoch, batch: 0, lossSum: 0, samples: 0, metrics: {} };
        for (const metric of epochMetrics) metric.reset();
      }
      const step = () => opts.optimizer.stepCount;
      const batches = inEpoch(
        epoch,
        paced(opts.train, (batch, index): TrainEvent | null => {
          if (index < skip) return null;
          const result = runStep(opts, batch, batchMetrics, epochMetrics);
          position = {
            epoch,
            batch: index + 1,
            lossSum: position.lossSum + result.loss * result.size,
            samples: position.samples + result.size,
            metrics: {},
          };
          return { type: 'batchEnd', epoch, batch: index, step: step(), context, ...result };
        }),
      ).pipe(filter((e): e is TrainEvent => e !== null));
      const epochEnd = validationLogs(epoch).pipe(
        map((validation): EpochEndEvent => {
          const logs: Logs = { loss: position.samples === 0 ? Number.NaN : position.lossSum / position.samples };
          for (const metric of epochMetrics) logs[metric.name] = metric.result();
          position = { epoch: epoch + 1, batch: 0, lossSum: 0, samples: 0, metrics: {} };
          for (const metric of epochMetrics) metric.reset();
          return { type: 'epochEnd', epoch, step: step(), context, logs: { ...logs, ...validation } };
        }),
      );
      return concat(of<TrainEvent>({ type: 'epochStart', epoch, step: step(), context }), batches, epochEnd);
    };
    const first = position.epoch;
    return range(first, Math.max(0, opts.epochs - first)).pipe(concatMap(runEpoch));
  });
  return callbacks.reduce<Observable<TrainEvent>>((stream, callback) => stream.pipe(callback), events);
}
