import { type OperatorFunction, bufferCount, filter, map } from 'rxjs';
import { ArgumentError, ShapeError, type Tensor, pad, stack, tensor } from '../ops/index.js';
import { assertFinite, assertInt, fmtShape } from '../ops/errors.js';
import { checkSample } from './batch.js';
import type { Batch, Sample } from './types.js';

/** Options of `padBatch`. */
export interface PadBatchOptions {
  /** The value written into the padded steps of `x`. @default 0 */
  readonly padValue?: number;
  /** The value written into the padded steps of a sequence `y` (an ignored class, say). @default padValue */
  readonly yPadValue?: number;
  /** Drop the last batch when it has fewer than `size` samples. @default false */
  readonly dropRemainder?: boolean;
}

/**
 * Groups sequences of different lengths into batches of `size`, padding each to the longest
 * in its batch. Sample `i` has `x` of shape `[T_i, ...features]` (the features must agree
 * within a batch); the batch has `x: [size, T, ...features]` with `T = max T_i`, the steps
 * `t >= T_i` filled with `padValue`, and `mask: [size, T]`, 1 at real steps and 0 at padded
 * ones (multiply a per-step loss by it).
 *
 * `y` is padded the same way when it is a sequence aligned with `x`: when, for every sample
 * of the batch, `y` has rank >= 1 and its first dimension equals that sample's `T_i` (a
 * tag per step, a next-token target). Otherwise the `y`s are stacked as they are and must
 * share one shape (one label per sequence). Memory: at most `size` samples are held.
 *
 * ```
 * source:      --a--b--c--|         a.x: [2, F], b.x: [3, F], c.x: [1, F]
 * padBatch(2): -----B-----(C|)      B.x: [2, 3, F], B.mask = [[1,1,0],[1,1,1]]; C.x: [1, 1, F]
 * ```
 *
 * @example
 * ```ts
 * import { fromArray, padBatch } from 'streamgrad/streams';
 * fromArray(sentences).pipe(padBatch(16, { padValue: 0 })).subscribe(({ x, mask }) => train(x, mask));
 * ```
 *
 * @param size - samples per batch, an integer >= 1.
 * @returns an operator from `Sample` to `Batch` with `mask` set.
 * @throws ArgumentError when created with a bad size or option. The stream errors naming the
 *   sample's index in the stream when its `x` is a scalar or its feature shape differs from
 *   the first sample of its batch.
 */
export function padBatch(size: number, options: PadBatchOptions = {}): OperatorFunction<Sample, Batch> {
  assertInt('padBatch', 'size', size, 1);
  const { padValue = 0, dropRemainder = false } = options;
  const yPadValue = options.yPadValue ?? padValue;
  assertFinite('padBatch', 'padValue', padValue);
  assertFinite('padBatch', 'yPadValue', yPadValue);
  if (typeof dropRemainder !== 'boolean') {
    throw new ArgumentError(`padBatch: dropRemainder must be a boolean, found ${String(dropRemainder)}`);
  }
  return (source) =>
    source.pipe(
      bufferCount(size),
      filter((samples) => !dropRemainder || samples.length === size),
      map((samples, batchIndex) => padSamples(samples, batchIndex * size, padValue, yPadValue)),
    );
}

function padSamples(samples: readonly Sample[], firstIndex: number, padValue: number, yPadValue: number): Batch {
  samples.forEach((sample, i) => checkSample('padBatch', sample, firstIndex + i));
  const lengths = samples.map((sample, i) => sequenceLength(sample.x, firstIndex + i));
  checkFeatures(samples.map((s) => s.x), 'x', firstIndex);
  const longest = Math.max(...lengths);
  const x = stack(samples.map((s, i) => padTo(s.x, longest, padValue, lengths[i])));

  const ySequence = samples.every((s, i) => s.y.rank >= 1 && s.y.shape[0] === lengths[i]);
  if (ySequence) checkFeatures(samples.map((s) => s.y), 'y', firstIndex);
  else checkSameShape(samples.map((s) => s.y), firstIndex);
  const y = stack(samples.map((s, i) => (ySequence ? padTo(s.y, longest, yPadValue, lengths[i]) : s.y)));

  const maskValues = new Float32Array(samples.length * longest);
  lengths.forEach((length, i) => maskValues.fill(1, i * longest, i * longest + length));
  const mask = tensor(maskValues, [samples.length, longest]);
  return { x, y, size: samples.length, mask };
}

function sequenceLength(x: Tensor, index: number): number {
  if (x.rank === 0) {
    throw new ShapeError(`padBatch: sample ${index} has a scalar x (shape []); expected a sequence [T, ...features]`);
  }
  return x.shape[0];
}

/** Pads the first axis of `t` (of length `length`) up to `to` steps. */
function padTo(t: Tensor, to: number, value: number, length: number): Tensor {
  if (length === to) return t;
  return pad(t, [[0, to - length], ...t.shape.slice(1).map((): [number, number] => [0, 0])], value);
}

/** All tensors must agree after their first (time) axis. */
function checkFeatures(tensors: readonly Tensor[], field: 'x' | 'y', firstIndex: number): void {
  const features = tensors[0].shape.slice(1);
  tensors.forEach((t, i) => {
    const own = t.shape.slice(1);
    if (own.length !== features.length || own.some((d, j) => d !== features[j])) {
      throw new ShapeError(
        `padBatch: sample ${firstIndex + i} has ${field} of shape ${fmtShape(t.shape)} whose steps ${fmtShape(own)} ` +
          `differ from those of sample ${firstIndex} (first of its batch, ${fmtShape(tensors[0].shape)}); ` +
          'only the first (time) axis may differ',
      );
    }
  });
}

function checkSameShape(tensors: readonly Tensor[], firstIndex: number): void {
  const first = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.rank !== first.length || t.shape.some((d, j) => d !== first[j])) {
      throw new ShapeError(
        `padBatch: sample ${firstIndex + i} has y of shape ${fmtShape(t.shape)} but sample ${firstIndex} ` +
          `(first of its batch) has ${fmtShape(first)}; a y that is not a sequence aligned with x must keep one shape`,
      );
    }
  });
}
