import { type OperatorFunction, bufferCount, filter, map } from 'rxjs';
import { ArgumentError, ShapeError, Tensor, stack } from '../ops/index.js';
import { assertInt, fmtShape } from '../ops/errors.js';
import type { Batch, Sample } from './types.js';

/** Options of `batch`. */
export interface BatchOptions {
  /** Drop the last batch when it has fewer than `size` samples. @default false */
  readonly dropRemainder?: boolean;
}

/**
 * Groups samples into batches of `size`, stacking along a new first axis:
 * `x` is `[size, ...sample x shape]` and `y` is `[size, ...sample y shape]` (scalar class
 * labels become `[size]`). The last batch holds the remaining samples and is smaller, unless
 * `dropRemainder` drops it. `n` samples give `ceil(n / size)` batches (`floor` with
 * `dropRemainder`). Memory: at most `size` samples are held.
 *
 * ```
 * source:                  --a--b--c--d--e--|
 * batch(2):                -----B-----D-----(E|)    B = [a,b], D = [c,d], E = [e]
 * batch(2, dropRemainder): -----B-----D-----|
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, batch } from 'streamgrad/streams';
 * fromArray(samples).pipe(batch(32)).subscribe((b) => console.log(b.x.shape)); // [32, 1, 28, 28] ...
 * ```
 *
 * @param size - samples per batch, an integer >= 1.
 * @returns an operator from `Sample` to `Batch`.
 * @throws ArgumentError when created with a bad size or option. The stream errors with a
 *   `ShapeError` naming the sample's index in the stream and both shapes when a sample's `x`
 *   (or `y`) shape differs from the first sample of its batch.
 */
export function batch(size: number, options: BatchOptions = {}): OperatorFunction<Sample, Batch> {
  assertInt('batch', 'size', size, 1);
  const { dropRemainder = false } = options;
  if (typeof dropRemainder !== 'boolean') {
    throw new ArgumentError(`batch: dropRemainder must be a boolean, found ${String(dropRemainder)}`);
  }
  return (source) =>
    source.pipe(
      bufferCount(size),
      filter((samples) => !dropRemainder || samples.length === size),
      map((samples, batchIndex) => stackSamples('batch', samples, batchIndex * size)),
    );
}

/** Stacks `x` and `y` of samples whose first one is sample `firstIndex` of the stream. */
function stackSamples(op: string, samples: readonly Sample[], firstIndex: number): Batch {
  samples.forEach((sample, i) => checkSample(op, sample, firstIndex + i));
  for (const field of ['x', 'y'] as const) {
    const first = samples[0][field];
    samples.forEach((sample, i) => {
      const shape = sample[field].shape;
      if (shape.length !== first.shape.length || shape.some((d, j) => d !== first.shape[j])) {
        throw new ShapeError(
          `${op}: sample ${firstIndex + i} has ${field} of shape ${fmtShape(shape)} but sample ${firstIndex} ` +
            `(first of its batch) has ${fmtShape(first.shape)}; use padBatch for sequences of different lengths`,
        );
      }
    });
  }
  return { x: stack(samples.map((s) => s.x)), y: stack(samples.map((s) => s.y)), size: samples.length };
}

/** Throws naming the sample's index unless it has tensors `x` and `y` (shared with `padBatch`). @internal */
export function checkSample(op: string, sample: Sample, index: number): void {
  for (const field of ['x', 'y'] as const) {
    const value: unknown = (sample as Partial<Sample> | null | undefined)?.[field];
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${op}: sample ${index} has no tensor ${field} (found ${value === null ? 'null' : typeof value})`);
    }
  }
}
