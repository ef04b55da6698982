import { type Observable, type OperatorFunction, defer, map, reduce } from 'rxjs';
import { ArgumentError, ShapeError, Tensor } from '../ops/index.js';
import { fmtShape } from '../ops/errors.js';
import type { Batch, Sample } from './types.js';
import type { NormalizeOptions } from './transforms/normalize.js';

/** Per-channel statistics, ready for `normalize(stats)`. */
export interface NormalizerStats extends NormalizeOptions {
  /** The mean of each channel. */
  readonly mean: number[];
  /** The population standard deviation of each channel (divides by the count, as torchvision recipes do). */
  readonly std: number[];
}

/**
 * Measures the mean and standard deviation of each channel of `x` over a whole stream in
 * one pass, and emits them once when the stream completes.
 *
 * ```
 * source:          --a--b--c--|
 * fitNormalizer(): -----------(s|)    s = { mean: [...], std: [...] } over a, b and c
 * ```
 *
 * Samples are `[C, ...]` (channel axis first, e.g. `[C, H, W]`); batches (items with a
 * numeric `size`) are `[N, C, ...]`, both counted value by value. Each sample's channel is
 * reduced in float64 and merged into the running moments with Chan et al.'s pairwise update
 * (the parallel form of Welford's algorithm), so large offsets and long streams lose no
 * precision. `std` is the population standard deviation (`correction` 0).
 *
 * Fit on the TRAINING split only, then apply the same statistics to every split, so the
 * test set does not leak into preprocessing:
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { augment, fitNormalizer, normalize } from 'streamgrad/streams';
 * const stats = await firstValueFrom(train$.pipe(fitNormalizer()));
 * const trainNormalized$ = train$.pipe(augment(normalize(stats)));
 * const testNormalized$ = test$.pipe(augment(normalize(stats)));
 * ```
 *
 * @returns an operator emitting one `NormalizerStats`. It errors (`ArgumentError`) on an
 *   empty stream, a non-finite value or a constant channel (std 0, which `normalize`
 *   refuses), and (`ShapeError`) when an item's channel count differs from the first item's;
 *   messages name the item index.
 */
export function fitNormalizer(): OperatorFunction<Sample | Batch, NormalizerStats> {
  return (source: Observable<Sample | Batch>) =>
    defer(() =>
      source.pipe(
        reduce((moments: ChannelMoments, item, index) => moments.add(item, index), new ChannelMoments()),
        map((moments) => moments.stats()),
      ),
    );
}

/** Running count, mean and sum of squared deviations (M2) per channel, in float64. */
class ChannelMoments {
  private count: Float64Array | null = null;
  private mean: Float64Array | null = null;
  private m2: Float64Array | null = null;
  private firstShape: readonly number[] = [];

  add(item: Sample | Batch, index: number): this {
    const isBatch = typeof (item as Partial<Batch>)?.size === 'number';
    const kind = isBatch ? 'batch' : 'sample';
    const x = item?.x;
    if (!(x instanceof Tensor)) {
      throw new ArgumentError(`fitNormalizer: ${kind} ${index} has no tensor x`);
    }
    const channelAxis = isBatch ? 1 : 0;
    if (x.rank <= channelAxis) {
      const expected = isBatch ? '[N, C, ...]' : '[C, ...]';
      throw new ShapeError(`fitNormalizer: ${kind} ${index}: expected x of shape ${expected}, found ${fmtShape(x.shape)}`);
    }
    const channels = x.shape[channelAxis];
    if (this.mean === null) {
      this.count = new Float64Array(channels);
      this.mean = new Float64Array(channels);
      this.m2 = new Float64Array(channels);
      this.firstShape = x.shape;
    } else if (this.mean.length !== channels) {
      throw new ShapeError(
        `fitNormalizer: ${kind} ${index} has ${channels} channels but the first item had ${this.mean.length} ` +
          `(x ${fmtShape(x.shape)}, first ${fmtShape(this.firstShape)})`,
      );
    }
    if (x.size === 0) return this;
    const items = isBatch ? x.shape[0] : 1;
    const plane = x.size / (items * channels);
    for (let c = 0; c < channels; c++) {
      this.merge(c, x.data, items, channels, plane, `${kind} ${index}`);
    }
    return this;
  }

  /** Merges the block of channel `c` (one plane per item) into the running moments. */
  private merge(c: number, data: Float32Array, items: number, channels: number, plane: number, where: string): void {
    const size = items * plane;
    if (size === 0) return;
    let sum = 0;
    for (let n = 0; n < items; n++) {
      const start = (n * channels + c) * plane;
      for (let k = start; k < start + plane; k++) sum += data[k];
    }
    const blockMean = sum / size;
    if (!Number.isFinite(blockMean)) {
      throw new ArgumentError(`fitNormalizer: ${where} has a non-finite value in channel ${c}`);
    }
    let blockM2 = 0;
    for (let n = 0; n < items; n++) {
      const start = (n * channels + c) * plane;
      for (let k = start; k < start + plane; k++) blockM2 += (data[k] - blockMean) ** 2;
    }
    const count = this.count as Float64Array;
    const mean = this.mean as Float64Array;
    const m2 = this.m2 as Float64Array;
    const total = count[c] + size;
    const delta = blockMean - mean[c];
    mean[c] += (delta * size) / total;
    m2[c] += blockM2 + (delta * delta * count[c] * size) / total;
    count[c] = total;
  }

  stats(): NormalizerStats {
    if (this.mean === null || (this.count as Float64Array).every((n) => n === 0)) {
      throw new ArgumentError('fitNormalizer: the stream completed without any values to measure');
    }
    const count = this.count as Float64Array;
    const m2 = this.m2 as Float64Array;
    const std = Array.from(m2, (v, c) => Math.sqrt(v / count[c]));
    const constant = std.findIndex((s) => !(s > 0));
    if (constant >= 0) {
      throw new ArgumentError(
        `fitNormalizer: channel ${constant} is constant (std 0 over ${count[constant]} values, mean ${this.mean[constant]}); normalize needs std > 0`,
      );
    }
    return { mean: Array.from(this.mean), std };
  }
}
