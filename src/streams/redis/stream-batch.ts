import { type OperatorFunction, bufferCount, map } from 'rxjs';
import { ArgumentError, ShapeError, stack } from '../../ops/index.js';
import { fmtShape } from '../../ops/errors.js';
import type { Batch } from '../types.js';
import type { StreamSample } from './stream-decode.js';

/** Batched stream samples (`streamBatch`): the batch and the ids of its entries, in order. */
export type StreamBatch = Batch & { readonly ids: readonly string[] };

/**
 * Groups stream samples into batches of `size` like `batch`, keeping the ids of the entries:
 * `{ x: [n, ...], y: [n, ...], size: n, ids }`. The last batch may be smaller. The batching
 * to use with `ackOnCheckpoint`: it keeps every sample, in order.
 *
 * ```
 * source:         --a--b--c--d--e--|
 * streamBatch(2): -----B-----D-----(E|)    B = [a,b] with ids [a.id, b.id]
 * ```
 *
 * @example
 * ```ts
 * fromRedisStream(options).pipe(streamBatch(64)).subscribe((b) => console.log(b.ids));
 * ```
 * @throws ArgumentError when created with a bad size. The stream errors with a `ShapeError`
 *   naming both entries' ids when a sample's shape differs from the first of its batch.
 */
export function streamBatch(size: number): OperatorFunction<StreamSample, StreamBatch> {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`streamBatch: size must be an integer >= 1, found ${String(size)}`);
  return (source) =>
    source.pipe(
      bufferCount(size),
      map((samples): StreamBatch => {
        for (const field of ['x', 'y'] as const) {
          const first = samples[0][field].shape;
          for (const sample of samples) {
            const shape = sample[field].shape;
            if (shape.length !== first.length || shape.some((d, i) => d !== first[i])) {
              throw new ShapeError(
                `streamBatch: entry ${sample.id} has ${field} of shape ${fmtShape(shape)} but entry ${samples[0].id} (first of its batch) has ${fmtShape(first)}`,
              );
            }
          }
        }
        return { x: stack(samples.map((s) => s.x)), y: stack(samples.map((s) => s.y)), size: samples.length, ids: samples.map((s) => s.id) };
      }),
    );
}

