import { ArgumentError, Tensor, type Rng } from '../../ops/index.js';
import type { Transform } from '../augment.js';
import { imageDims } from './checks.js';

/**
 * Adds independent normal noise of standard deviation `std` to every element of an image
 * `[C, H, W]`: `out = x + std·ε`, `ε ~ N(0, 1)` drawn in row-major order.
 *
 * @example
 * ```ts
 * import { augment, gaussianNoise } from 'streamgrad/streams';
 * mnist$.pipe(augment(gaussianNoise(0.1), { seed: 1 }));
 * ```
 *
 * @param std - a finite number >= 0 (0 returns `x` itself and draws nothing).
 * @throws ArgumentError when created with a negative or non-finite `std`.
 */
export function gaussianNoise(std: number): Transform {
  if (typeof std !== 'number' || !Number.isFinite(std) || std < 0) {
    throw new ArgumentError(`gaussianNoise: std must be a finite number >= 0, found ${String(std)}`);
  }
  return {
    name: 'gaussianNoise',
    random: true,
    apply(x: Tensor, rng: Rng): Tensor {
      imageDims('gaussianNoise', x);
      if (std === 0) return x;
      const out = new Float32Array(x.size);
      for (let k = 0; k < out.length; k++) out[k] = x.data[k] + std * rng.normal();
      return new Tensor(out, x.shape);
    },
  };
}
