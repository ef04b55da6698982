import { type OperatorFunction, Observable } from 'rxjs';
import { ArgumentError, type Tensor, noGrad } from '../../ops/index.js';
import { CheckpointError, type Layer, type Optimizer, type Regularizer } from '../../models/index.js';
import type { Batch } from '../types.js';
import { paced } from '../consume.js';
import { inEpoch } from '../epoch-context.js';
import type { FitPosition, Logs, TrainContext, TrainEvent } from '../train/events.js';
import { type LossFunction, type TrainStepOptions, checkTrainOptions, runStep } from '../train/train-step.js';
import { type SampleMetric, type SampleMetricSpec, createSampleMetrics } from './sample-metrics.js';
import { WindowedMean, checkWindowOptions } from './windowed-mean.js';
import { markPrequentialRun } from './prequential-run.js';

/** Options of `prequential`. */
export interface PrequentialOptions {
  readonly model: Layer;
  readonly loss: LossFunction;
  readonly optimizer: Optimizer;
  /** Added to the training loss before backward; not part of any reported loss. */
  readonly regularizer?: Regularizer;
  /** Clip the global gradient norm to this value before each update. */
  readonly clipGradNorm?: number;
  /** Metrics tracked running, windowed and faded: `'accuracy'`, `'mse'`, `'mae'` or a `SampleMetric`. */
  readonly metrics?: readonly SampleMetricSpec[];
  /**
   * Per-sample losses of a batch (`(p, t) => crossEntropy(p, t, { reduction: 'none' }).data`),
   * which makes the windowed and faded loss exact. Without it every sample of a batch counts
   * with the batch's mean loss: the running loss is still exact, the window is exact when it
   * starts on a batch boundary, and the faded loss weighs a batch's samples evenly.
   */
  readonly sampleLoss?: (prediction: Tensor, target: Tensor) => ArrayLike<number>;
  /** Samples in the sliding window (`window_*` logs). @default 1000 */
  readonly window?: number;
  /** Fading factor per sample (`faded_*` logs), in (0, 1]. @default 0.999 */
  readonly alpha?: number;
  /** Samples per pseudo-epoch: an `epochEnd` follows the batch that reaches each multiple. @default window */
  readonly reportEvery?: number;
  /** Continue from a saved position (what `resume` returns from a checkpoint written during a prequential run). */
  readonly resume?: { readonly position: FitPosition; readonly callbackState: Record<string, unknown> };
  /**
   * How the source behaves on `resume`: `'replay'` when it starts over from its beginning
   * (a seeded generator, a file), so the `position.batch` batches already consumed are read
   * but neither evaluated nor trained on; `'continue'` when it carries on by itself (a live
   * feed, a queue with committed offsets), so every batch it emits is new. @default 'replay'
   */
  readonly resumeSource?: 'replay' | 'continue';
}

/** The key of `position.metrics` that holds the stream's own counters. */
const STREAM_KEY = '$stream';

/**
 * Prequential ("test-then-train") learning on an unbounded stream of batches (Dawid 1984;
 * Gama et al. 2013): each batch is first predicted by the current model (evaluation mode,
 * no graph) and scored, then trained on with one optimizer step. So every score is on data
 * the model has not yet seen, and the scores over time show how well it keeps up with the
 * stream, drift included.
 *
 * Emits the same `TrainEvent` stream as `fit`, so its callbacks work unchanged. For each
 * tracked quantity `m` (`loss` and each metric) a `batchEnd`'s `logs` hold `m` (the mean
 * over the whole stream so far), `window_m` (over the last `window` samples) and `faded_m`
 * (faded by `alpha` per sample), all from the predictions made before training; the event's
 * own `loss` is the training step's, as in `fit`.
 *
 * Pseudo-epochs, so that callbacks acting on `epochEnd` (earlyStopping, reduceLROnPlateau,
 * checkpoint per epoch) work on a stream without end: pseudo-epoch k ends with an `epochEnd`
 * after the first batch that brings the samples consumed to `(k + 1) · reportEvery` or more
 * (at most one per batch; its logs are the prequential logs at that point), and the next
 * one's `epochStart` comes just before its first batch is trained, so a callback setting
 * the learning rate on it applies to that batch. Epoch 0 (or the resumed epoch) starts at
 * subscription; a source that completes closes the open pseudo-epoch with an `epochEnd`.
 *
 * Position, for checkpoints (`context.position()`): `epoch` is the pseudo-epoch to
 * continue, `batch` and `samples` count what was consumed since the start of the stream,
 * `lossSum` is the sum of the prequential loss, and `metrics` holds each tracker's state
 * (its window included) and, under `$stream`, the batches of the open pseudo-epoch.
 * Resuming from it continues every log as the uninterrupted run would (see `resumeSource`).
 * On a Redis stream, `ackOnCheckpoint` after it makes the updates exactly-once across
 * crashes: resume with `resumeSource: 'continue'` (the stream is not replayed).
 *
 * The source is subscribed once, inside `inEpoch(0)`, and consumed with back-pressure like
 * `fit`'s training data (`paced`): it is paused while a batch is tested and trained, and
 * the event loop turns between batches. Stopping is unsubscribing, as for `fit`.
 *
 * ```
 * batches:      -a----b----c----d----e----|        2 samples each
 * prequential:  Sa----(bE)-(Sc)-(dE)-(Se)-(E|)     reportEvery: 4
 *               S = epochStart, a..e = batchEnd, E = epochEnd
 * ```
 *
 * @example
 * ```ts
 * import { prequential } from 'streamgrad/streams';
 * import { earlyStopping, reduceLROnPlateau } from 'streamgrad/callbacks';
 * liveBatches.pipe(
 *   prequential({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.05 }), metrics: ['accuracy'],
 *                 window: 500, alpha: 0.998, reportEvery: 5000 }),
 *   reduceLROnPlateau({ monitor: 'window_loss', patience: 3 }),
 * ).subscribe((e) => e.type === 'epochEnd' && console.log(e.logs.window_accuracy));
 * ```
 * @returns an operator from batches to training events; options are checked when it is created.
 */
export function prequential(opts: PrequentialOptions): OperatorFunction<Batch, TrainEvent> {
  const step = stepOptions(opts);
  const window = opts.window ?? 1000;
  const alpha = opts.alpha ?? 0.999;
  checkWindowOptions('prequential', window, alpha);
  const reportEvery = opts.reportEvery ?? window;
  if (typeof reportEvery !== 'number' || !Number.isInteger(reportEvery) || reportEvery < 1) {
    throw new ArgumentError(`prequential: reportEvery must be an integer >= 1 (samples), found ${String(reportEvery)}`);
  }
  if (opts.sampleLoss !== undefined && typeof opts.sampleLoss !== 'function') {
    throw new ArgumentError(`prequential: sampleLoss must be a function (prediction, target) => per-sample losses, found ${typeof opts.sampleLoss}`);
  }
  const resumeSource = opts.resumeSource ?? 'replay';
  if (resumeSource !== 'replay' && resumeSource !== 'continue') {
    throw new ArgumentError(`prequential: resumeSource must be 'replay' or 'continue', found ${JSON.stringify(resumeSource)}`);
  }
  const metrics = createSampleMetrics('prequential', opts.metrics);
  const trackers = (): WindowedMean[] => ['loss', ...metrics.map((m) => m.name)].map((name) => new WindowedMean(name, { window, alpha }));
  if (opts.resume !== undefined) readPosition(opts.resume, trackers()); // a bad position throws now, not at subscription

  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      const [loss, ...scored] = trackers();
      const start = opts.resume === undefined ? null : readPosition(opts.resume, [loss, ...scored]);
      let epoch = start?.epoch ?? 0;
      let batches = start?.batch ?? 0;
      let samples = start?.samples ?? 0;
      let epochBatches = start?.epochBatches ?? 0;
      let epochOpen = false;
      const skip = start !== null && resumeSource === 'replay' ? batches : 0;
      const context: TrainContext = {
        model: opts.model,
        optimizer: opts.optimizer,
        callbackState: structuredClone(opts.resume?.callbackState ?? {}),
        position: () => ({
          epoch,
          batch: batches,
          lossSum: loss.state().runningSum as number,
          samples,
          metrics: {
            ...Object.fromEntries([loss, ...scored].map((t) => [t.name, t.state()])),
            [STREAM_KEY]: { epochBatches },
          },
        }),
      };
      markPrequentialRun(context, { startSamples: samples, startBatches: batches, resumeSource, sourceEpoch: 0 });
      const logs = (): Logs => Object.assign(loss.logs(), ...scored.map((t) => t.logs()));
      const startEpoch = (): void => {
        epochOpen = true;
        subscriber.next({ type: 'epochStart', epoch, step: opts.optimizer.stepCount, context });
      };
      const endEpoch = (): void => {
        const ended = epoch;
        epoch += 1;
        epochBatches = 0;
        epochOpen = false;
        subscriber.next({ type: 'epochEnd', epoch: ended, step: opts.optimizer.stepCount, context, logs: logs() });
      };

      const handle = (batch: Batch, index: number): void => {
        if (index < skip) return;
        if (!epochOpen) startEpoch();
        if (subscriber.closed) return;
        const { losses, scores } = test(opts, metrics, batch);
        loss.pushAll(losses);
        scored.forEach((tracker, i) => tracker.pushAll(scores[i]));
        const result = runStep(step, batch, []);
        batches += 1;
        samples += result.size;
        epochBatches += 1;
        subscriber.next({
          type: 'batchEnd',
          epoch,
          batch: epochBatches - 1,
          step: opts.optimizer.stepCount,
          context,
          ...result,
          logs: logs(),
        });
        if (!subscriber.closed && samples >= (epoch + 1) * reportEvery) endEpoch();
      };

      startEpoch();
      if (subscriber.closed) return;
      const subscription = inEpoch(0, paced(source, handle)).subscribe({
        error: (error) => subscriber.error(error),
        complete: () => {
          if (epochOpen) endEpoch();
          subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}

/** The options `runStep` takes, checked. */
function stepOptions(opts: PrequentialOptions): TrainStepOptions {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('prequential: expected an options object');
  const { model, loss, optimizer, regularizer, clipGradNorm } = opts;
  const step: TrainStepOptions = { model, loss, optimizer, regularizer, clipGradNorm };
  checkTrainOptions('prequential', step);
  return step;
}

/**
 * Predicts a batch with the model as it stands, in evaluation mode without a graph, and
 * returns the per-sample losses and metric scores, all checked before any tracker changes.
 */
function test(opts: PrequentialOptions, metrics: readonly SampleMetric[], batch: Batch): { losses: ArrayLike<number>; scores: ArrayLike<number>[] } {
  const { model } = opts;
  model.eval();
  try {
    return noGrad(() => {
      const prediction = model.forward(batch.x);
      const mean = opts.loss(prediction, batch.y);
      if (mean.size !== 1) {
        throw new ArgumentError(`prequential: the loss must be one number per batch, found shape [${mean.shape.join(',')}] (use reduction 'mean')`);
      }
      const losses = opts.sampleLoss === undefined ? new Float64Array(batch.size).fill(mean.item()) : opts.sampleLoss(prediction, batch.y);
      checkLength('sampleLoss', losses, batch.size);
      const scores = metrics.map((metric) => {
        const values = metric.scores(prediction, batch.y);
        checkLength(`metric "${metric.name}"`, values, batch.size);
        return values;
      });
      return { losses, scores };
    });
  } finally {
    model.train();
  }
}

function checkLength(what: string, values: ArrayLike<number>, size: number): void {
  if (values === null || typeof values !== 'object' || values.length !== size) {
    const found = values !== null && typeof values === 'object' ? `${String(values.length)} values` : typeof values;
    throw new ArgumentError(`prequential: ${what} must give one number per sample, expected ${size} (the batch size), found ${found}`);
  }
}

/** A resume position read into `trackers` (loss first), after checking that it is one `prequential` wrote. */
function readPosition(
  resume: NonNullable<PrequentialOptions['resume']>,
  trackers: readonly WindowedMean[],
): FitPosition & { readonly epochBatches: number } {
  const where = 'prequential: resume';
  const position = resume?.position;
  if (position === null || typeof position !== 'object' || position.metrics === null || typeof position.metrics !== 'object') {
    throw new CheckpointError(`${where}: expected { position: { epoch, batch, lossSum, samples, metrics }, callbackState }, found ${JSON.stringify(position)}`);
  }
  if (resume.callbackState === null || typeof resume.callbackState !== 'object') {
    throw new CheckpointError(`${where}: callbackState must be an object, found ${JSON.stringify(resume.callbackState)}`);
  }
  const stream = position.metrics[STREAM_KEY] as { epochBatches?: unknown } | undefined;
  const expected = [...trackers.map((t) => t.name), STREAM_KEY];
  const found = Object.keys(position.metrics);
  if (stream === undefined || found.length !== expected.length || !expected.every((k) => found.includes(k))) {
    throw new CheckpointError(
      `${where}: expected position.metrics {${expected.join(', ')}} as prequential saves them (same metrics), found {${found.join(', ')}}` +
        (stream === undefined ? ' (a position from fit?)' : ''),
    );
  }
  for (const key of ['epoch', 'batch', 'samples'] as const) {
    const v = position[key];
    if (!Number.isInteger(v) || v < 0) throw new CheckpointError(`${where}: position.${key} must be an integer >= 0, found ${JSON.stringify(v)}`);
  }
  const epochBatches = stream.epochBatches;
  if (typeof epochBatches !== 'number' || !Number.isInteger(epochBatches) || epochBatches < 0 || epochBatches > position.batch) {
    throw new CheckpointError(`${where}: position.metrics.${STREAM_KEY}.epochBatches must be an integer in [0, ${position.batch}], found ${JSON.stringify(epochBatches)}`);
  }
  for (const tracker of trackers) tracker.loadState(position.metrics[tracker.name]);
  for (const tracker of trackers) {
    if (tracker.count !== position.samples) {
      throw new CheckpointError(`${where}: the "${tracker.name}" tracker has seen ${tracker.count} samples, but position.samples is ${position.samples}`);
    }
  }
  return { ...position, epochBatches };
}
