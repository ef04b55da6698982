import { ArgumentError, ShapeError, Tensor } from '../../ops/index.js';
import { fmtShape } from '../../ops/errors.js';
import type { Transform } from '../augment.js';
import { readOptions } from './checks.js';

/** Options of `normalize`: per-channel statistics, as `fitNormalizer` returns them. */
export interface NormalizeOptions {
  /** The mean of each channel (length C), or one number for all channels. */
  readonly mean: number | readonly number[];
  /** The standard deviation of each channel (length C), or one number; every value > 0. */
  readonly std: number | readonly number[];
}

/**
 * Standardizes each channel: `out[c] = (x[c] − mean[c]) / std[c]`, torchvision's
 * `Normalize`. Deterministic (needs no seed). `x` is `[C, ...]` with the channel axis first:
 * an image `[C, H, W]`, or a feature vector `[F]` standardized feature by feature.
 *
 * Fit the statistics on the training split only and apply the same ones to every split:
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { augment, fitNormalizer, normalize } from 'streamgrad/streams';
 * const stats = await firstValueFrom(train$.pipe(fitNormalizer()));
 * const trainNormalized$ = train$.pipe(augment(normalize(stats)));
 * const testNormalized$ = test$.pipe(augment(normalize(stats)));
 * normalize({ mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] }); // CIFAR-10
 * ```
 *
 * @throws ArgumentError when created with a non-finite mean, a std that is not > 0, arrays
 *   of different lengths, or an unknown option. At a sample, a `ShapeError` when an array's
 *   length is not the number of channels.
 */
export function normalize(options: NormalizeOptions): Transform {
  const given = readOptions('normalize', options, ['mean', 'std']);
  const mean = readValues('mean', given.mean, (v) => Number.isFinite(v), 'finite numbers');
  const std = readValues('std', given.std, (v) => Number.isFinite(v) && v > 0, 'finite numbers > 0');
  if (mean.length > 1 && std.length > 1 && mean.length !== std.length) {
    throw new ArgumentError(`normalize: mean has ${mean.length} channels but std has ${std.length}`);
  }
  return {
    name: 'normalize',
    random: false,
    apply(x: Tensor): Tensor {
      if (x.rank < 1) {
        throw new ShapeError(`normalize: expected x of shape [C, ...] (rank >= 1), found ${fmtShape(x.shape)}`);
      }
      const channels = x.shape[0];
      for (const [name, values] of [['mean', mean], ['std', std]] as const) {
        if (values.length > 1 && values.length !== channels) {
          throw new ShapeError(`normalize: ${name} has ${values.length} values but x has ${channels} channels (x ${fmtShape(x.shape)})`);
        }
      }
      const plane = x.size / channels;
      const out = new Float32Array(x.size);
      for (let c = 0; c < channels; c++) {
        const m = mean.length === 1 ? mean[0] : mean[c];
        const s = std.length === 1 ? std[0] : std[c];
        for (let k = c * plane; k < (c + 1) * plane; k++) out[k] = (x.data[k] - m) / s;
      }
      return new Tensor(out, x.shape);
    },
  };
}

/** A scalar or a non-empty array of numbers passing `ok`, copied into a plain array. */
function readValues(name: string, value: unknown, ok: (v: number) => boolean, expected: string): number[] {
  const values = typeof value === 'number' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : null;
  if (values === null || values.length === 0 || !values.every((v) => typeof v === 'number' && ok(v))) {
    throw new ArgumentError(`normalize: ${name} must be a number or a non-empty array of ${expected}, found ${JSON.stringify(value) ?? String(value)}`);
  }
  return values as number[];
}
