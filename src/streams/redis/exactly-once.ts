import { type MonoTypeOperatorFunction, type Observable, concatMap, defer, finalize, from, map, of, tap } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import type { CheckpointEvent, FitPosition, TrainContext, TrainEvent } from '../train/events.js';
import { prequentialRun } from '../online/prequential-run.js';
import type { RedisStreamSource } from './from-redis-stream.js';
import { acknowledgeThrough, recordedLastId } from './acknowledge.js';
import { EXACTLY_ONCE } from './source-handle.js';
import { type StreamLedger, type StreamSourceState, type TrainedCount, isStreamSourceState } from './stream-ledger.js';

export { compareStreamIds } from './stream-id.js';
export { streamResume, lastAppliedId } from './stream-resume.js';
export type { StreamSourceState } from './stream-ledger.js';

/*
 * Exactly-once model updates from a Redis stream, with one learner per consumer group.
 *
 * An entry is acknowledged (XACK) only once the update that used it is part of a durable
 * checkpoint, and the checkpoint records the last stream id it includes. After a crash the
 * learner resumes that checkpoint; entries at or before the recorded id are acknowledged and
 * skipped, later ones are trained again, so each entry reaches the model once.
 *
 * How the recorded id stays exact: the trainer (`fit` or `prequential`) updates the weights
 * and its position in one synchronous step, and a checkpoint copies both at the same moment.
 * The source logs the id of every sample it emits, in order, per subscription
 * (`StreamLedger`), so the id a checkpoint records is computed from the position it copies
 * (`fit`: sample `position.samples − 1` of the subscription of `position.epoch`;
 * `prequential`: sample `position.samples − startSamples − 1` of its one subscription). The
 * acknowledgement then reads that id back from the committed checkpoint, so it never runs
 * ahead of the weights, however the events were delayed on their way.
 */

/** Options of `ackOnCheckpoint`. */
export interface AckOnCheckpointOptions {
  /** Key of the state in `context.callbackState` (see `StreamSourceState`). @default 'redisSource' */
  readonly name?: string;
}

/**
 * Exactly-once training from a Redis stream: wraps the `checkpoint` callbacks of a `fit` or
 * `prequential` run so that a stream entry is acknowledged (`XACK`) only after the model update that used
 * it is part of a durable checkpoint.
 *
 * 1. It keeps `{ lastId, applied }` (`StreamSourceState`) in `context.callbackState[name]`;
 *    each checkpoint saves the id of the last entry its weights include (computed from the
 *    position the checkpoint copies, so it is exact however the events are delayed).
 * 2. On each `checkpoint` event it acknowledges every pending entry of the consumer at or
 *    before the id that checkpoint recorded, read back from the committed checkpoint
 *    (`XPENDING` … `XACK`), then passes the event on (sequenced: later events wait for the
 *    acknowledgement).
 *
 * After a crash, `resume` the checkpoint directory and pass `streamResume(point)` to `fit`,
 * or the point itself to `prequential` with `resumeSource: 'continue'` (a prequential run
 * over a live stream is one endless pseudo-epoch sequence, resumed mid-way): the source acknowledges and skips the entries the checkpoint holds (pending ones of this
 * consumer, those a dead consumer left, which it claims with `XAUTOCLAIM`, and any that a
 * restarted Redis delivers again), trains the rest, then new ones. Each entry is applied
 * once. Entries trained after the last checkpoint stay pending until the next one.
 *
 * Checkpoints may be triggered by steps, epochs or time (`every: { ms }`, the natural choice
 * for a prequential run that never ends).
 *
 * Requirements: the samples reach the trainer in the order the source emits them, none dropped or
 * repeated (`streamBatch`, optionally `prefetch`; no shuffle or filter); the checkpoints
 * write `callbackState` (streamgrad's `checkpoint` does); one learner per group, enforced by
 * the source's group lock. Several learners on one group would need a shared set of applied
 * ids (each update and its ids committed together), which this does not implement.
 *
 * ```
 * fit events:         -b-b-b-b-|          b = batchEnd; the 3rd triggers a checkpoint
 * ackOnCheckpoint(source, [checkpoint({ dir, every: { steps: 3 } })]):
 *                     -b-b-······(bc)b-|  ······ = the checkpoint write, then XACK of the
 *                                          entries of batches 1-3; c = the checkpoint event
 * ```
 *
 * @example
 * ```ts
 * import { fromRedisStream, streamBatch, ackOnCheckpoint, streamResume, fit } from 'streamgrad/streams';
 * import { checkpoint, resume } from 'streamgrad/callbacks';
 * const point = await resume('runs/online', { model, optimizer });   // null on a fresh start
 * const source = fromRedisStream({ url, stream: 'clicks', group: 'learner', consumer: 'learner-1', decode });
 * fit({
 *   model, loss, optimizer, epochs: (point?.position.epoch ?? 0) + 1,
 *   train: source.pipe(streamBatch(64)),
 *   resume: streamResume(point),
 *   callbacks: [ackOnCheckpoint(source, [checkpoint({ dir: 'runs/online', every: { steps: 100 } })])],
 * }).subscribe();
 * // prequential (test-then-train) on the same stream, saved every minute
 * source.pipe(
 *   streamBatch(64),
 *   prequential({ model, loss, optimizer, metrics: ['accuracy'], resume: point ?? undefined, resumeSource: 'continue' }),
 *   ackOnCheckpoint(source, [checkpoint({ dir: 'runs/online', every: { ms: 60_000 } })]),
 * ).subscribe();
 * ```
 * @param source - the `fromRedisStream` source the run trains on.
 * @param checkpoints - the checkpoint callbacks (at least one), applied in order inside.
 * @returns an operator over training events.
 * @throws ArgumentError at creation for a source not made by `fromRedisStream` or no checkpoint
 *   callback. The stream errors when `fit` resumes mid-epoch without `streamResume`, or
 *   `prequential` resumes with `resumeSource: 'replay'` (either would skip new entries), when the samples trained do not match those the source emitted, and
 *   when acknowledging fails (`RedisConnectionError`).
 */
export function ackOnCheckpoint(
  source: RedisStreamSource,
  checkpoints: readonly MonoTypeOperatorFunction<TrainEvent>[],
  options: AckOnCheckpointOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  const op = 'ackOnCheckpoint';
  const handle = (source as Partial<RedisStreamSource> | null)?.[EXACTLY_ONCE];
  if (handle === undefined) throw new ArgumentError(`${op}: source must be made by fromRedisStream, found ${typeof source}`);
  if (!Array.isArray(checkpoints) || checkpoints.length === 0 || checkpoints.some((c) => typeof c !== 'function')) {
    throw new ArgumentError(`${op}: expected a non-empty array of checkpoint callbacks, e.g. [checkpoint({ dir, every: { steps: 100 } })]`);
  }
  const { name = 'redisSource' } = options;
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`${op}: name must be a non-empty string, found ${String(name)}`);

  return (events: Observable<TrainEvent>) =>
    defer(() => {
      const lease = handle.lease();
      lease.ready.catch(() => undefined); // reported by the source, or by the first acknowledgement
      handle.ledger.tracking = true;
      let run: { readonly count: (position: FitPosition) => TrainedCount; readonly state: StreamSourceState; readonly fit: boolean } | null = null;
      let trainedEpoch: number | null = null;
      const record = (event: TrainEvent): void => {
        run ??= install(op, name, handle.ledger, event.context);
        if (event.type !== 'batchEnd') return;
        // From the event itself, not the live position (which has moved on if the event was delayed).
        if (run.fit && trainedEpoch !== event.epoch) {
          trainedEpoch = event.epoch;
          if (event.batch > 0) {
            throw new ArgumentError(
              `${op}: fit resumes epoch ${event.epoch} at batch ${event.batch} and would skip ${event.batch} batches ` +
                'of new stream entries (a stream is not replayed); pass resume: streamResume(point) to fit',
            );
          }
        }
        Object.assign(run.state, handle.ledger.trained(op, run.count(event.context.position())));
      };
      const acknowledge = async (event: CheckpointEvent): Promise<void> => {
        const lastId = await recordedLastId(op, event.path, name);
        if (lastId === null || lastId === undefined) return;
        const session = await lease.ready;
        session.lock.check();
        handle.acknowledged(await acknowledgeThrough(session.connection, handle, lastId));
        handle.ledger.checkpointed(lastId);
      };
      const inner = checkpoints.reduce<Observable<TrainEvent>>((stream, callback) => stream.pipe(callback), events.pipe(tap(record)));
      return inner.pipe(
        concatMap((event) => (event.type === 'checkpoint' ? from(acknowledge(event)).pipe(map(() => event)) : of(event))),
        finalize(() => {
          handle.ledger.tracking = false;
          lease.release();
        }),
      );
    });
}

/**
 * Puts the live state into `callbackState[name]`, continuing the saved one on a resumed run,
 * and returns how to count what the model holds from the run's position.
 */
function install(
  op: string,
  name: string,
  ledger: StreamLedger,
  context: TrainContext,
): { readonly count: (position: FitPosition) => TrainedCount; readonly state: StreamSourceState; readonly fit: boolean } {
  const prequential = prequentialRun(context);
  if (prequential !== undefined && prequential.resumeSource === 'replay' && prequential.startBatches > 0) {
    throw new ArgumentError(
      `${op}: prequential resumes at batch ${prequential.startBatches} with resumeSource 'replay' and would skip ` +
        `${prequential.startBatches} batches of new stream entries (a stream is not replayed); pass resumeSource: 'continue' to prequential`,
    );
  }
  const count =
    prequential === undefined
      ? (p: FitPosition): TrainedCount => ({ epoch: p.epoch, samples: p.samples, describe: () => `fit has trained ${p.samples} samples of epoch ${p.epoch}` })
      : (p: FitPosition): TrainedCount => {
          const samples = p.samples - prequential.startSamples;
          return { epoch: prequential.sourceEpoch, samples, describe: () => `prequential has trained ${samples} samples since it subscribed the source` };
        };
  const bag = context.callbackState;
  const saved = bag[name];
  if (saved !== undefined) {
    if (!isStreamSourceState(saved)) throw new ArgumentError(`${op}: callbackState["${name}"] is not { lastId, applied }, found ${JSON.stringify(saved)}`);
    ledger.resumeFrom(op, saved);
  }
  const state: StreamSourceState = { ...ledger.appliedAt(op, count(context.position())) };
  // A checkpoint serializes the state when it copies the weights: compute it from that moment's position.
  Object.defineProperty(state, 'toJSON', { value: () => ledger.appliedAt(op, count(context.position())), enumerable: false });
  bag[name] = state;
  return { count, state, fit: prequential === undefined };
}
