import type { FitPosition } from '../train/events.js';
import type { FitOptions } from '../train/fit.js';
import { isStreamSourceState } from './stream-ledger.js';

/**
 * `fit`'s `resume` option for a run that trains on a stream, from what `resume` returned:
 * the checkpoint's state and epoch, at the epoch's batch 0. Unlike a dataset, a stream is
 * not replayed, so `fit` must not skip the batches the checkpoint already trained: the
 * source skips the entries instead, by the id the checkpoint recorded. The epoch's running
 * loss and metrics restart. `null` (a fresh start) gives `undefined`. (A `prequential` run
 * takes the point itself, with `resumeSource: 'continue'`.)
 *
 * @example
 * ```ts
 * const point = await resume(dir, { model, optimizer });
 * fit({ ...options, resume: streamResume(point), epochs: (point?.position.epoch ?? 0) + 1 });
 * ```
 */
export function streamResume(
  point: { readonly position: FitPosition; readonly callbackState: Record<string, unknown> } | null | undefined,
): FitOptions['resume'] {
  if (point === null || point === undefined) return undefined;
  return { position: { epoch: point.position.epoch, batch: 0, lossSum: 0, samples: 0, metrics: {} }, callbackState: point.callbackState };
}

/**
 * The id of the last stream entry a checkpoint's model was trained on (what
 * `ackOnCheckpoint` recorded), or `null`.
 *
 * @example
 * ```ts
 * const point = await resume(dir, { model, optimizer });
 * console.log(`continuing after entry ${lastAppliedId(point)}`);
 * ```
 */
export function lastAppliedId(point: { readonly callbackState: Record<string, unknown> } | null | undefined, name = 'redisSource'): string | null {
  const state = point?.callbackState[name];
  return isStreamSourceState(state) ? state.lastId : null;
}
