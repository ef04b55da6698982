import { Tensor, type Rng } from '../../ops/index.js';
import { assertInt } from '../../ops/errors.js';
import type { Transform } from '../augment.js';
import { imageDims, readOptions } from './checks.js';

/** Options of `randomTranslate`. */
export interface RandomTranslateOptions {
  /** Largest shift in pixels along each axis; shifts are uniform integers in [−maxShift, maxShift]. */
  readonly maxShift: number;
}

/**
 * Shifts an image `[C, H, W]` by a random whole number of pixels along each axis, filling
 * the uncovered border with zeros and keeping the size:
 * `out[c][i][j] = x[c][i − dy][j − dx]` (zero outside), so a positive `dx` moves the content
 * right and a positive `dy` moves it down. Draws `dy`, then `dx`.
 *
 * @example
 * ```ts
 * import { augment, randomTranslate } from 'streamgrad/streams';
 * mnist$.pipe(augment(randomTranslate({ maxShift: 2 }), { seed: 1 }));
 * ```
 *
 * @throws ArgumentError when created with a `maxShift` that is not an integer >= 0, or an
 *   unknown option.
 */
export function randomTranslate(options: RandomTranslateOptions): Transform {
  const given = readOptions('randomTranslate', options, ['maxShift']);
  const maxShift = given.maxShift;
  assertInt('randomTranslate', 'maxShift', maxShift, 0);
  return {
    name: 'randomTranslate',
    random: true,
    apply(x: Tensor, rng: Rng): Tensor {
      const [channels, height, width] = imageDims('randomTranslate', x);
      const dy = rng.int(2 * maxShift + 1) - maxShift;
      const dx = rng.int(2 * maxShift + 1) - maxShift;
      if (dx === 0 && dy === 0) return x;
      const out = new Float32Array(x.size);
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < height; i++) {
          const row = i - dy;
          if (row < 0 || row >= height) continue;
          for (let j = 0; j < width; j++) {
            const col = j - dx;
            if (col < 0 || col >= width) continue;
            out[(c * height + i) * width + j] = x.data[(c * height + row) * width + col];
          }
        }
      }
      return new Tensor(out, x.shape);
    },
  };
}
