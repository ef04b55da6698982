import { ArgumentError, Tensor, type Rng } from '../../ops/index.js';
import type { Transform } from '../augment.js';
import { imageDims, readOptions } from './checks.js';

/** Options of `randomFlip`. */
export interface RandomFlipOptions {
  /** Probability of flipping, in [0, 1]. @default 0.5 */
  readonly p?: number;
}

/**
 * Flips an image `[C, H, W]` horizontally (mirrors the W axis, `out[c][i][j] = x[c][i][W−1−j]`)
 * with probability `p`, like torchvision's `RandomHorizontalFlip`. Draws one uniform per
 * sample whatever `p` is, so changing `p` does not shift the draws of later transforms.
 *
 * @example
 * ```ts
 * import { augment, randomFlip } from 'streamgrad/streams';
 * train$.pipe(augment(randomFlip({ p: 0.5 }), { seed: 1 }));
 * ```
 *
 * @throws ArgumentError when created with `p` outside [0, 1] or an unknown option.
 */
export function randomFlip(options?: RandomFlipOptions): Transform {
  const given = readOptions('randomFlip', options, ['p']);
  const p = given.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ArgumentError(`randomFlip: p must be a probability in [0, 1], found ${String(p)}`);
  }
  return {
    name: 'randomFlip',
    random: true,
    apply(x: Tensor, rng: Rng): Tensor {
      const [channels, height, width] = imageDims('randomFlip', x);
      const flip = rng.uniform() < p;
      if (!flip) return x;
      const out = new Float32Array(x.size);
      for (let row = 0; row < channels * height; row++) {
        const base = row * width;
        for (let j = 0; j < width; j++) out[base + j] = x.data[base + width - 1 - j];
      }
      return new Tensor(out, x.shape);
    },
  };
}
