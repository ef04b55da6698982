import { ShapeError, Tensor, type Rng } from '../../ops/index.js';
import { assertInt, fmtShape } from '../../ops/errors.js';
import type { Transform } from '../augment.js';
import { imageDims, readOptions } from './checks.js';

/** Options of `randomCrop`. */
export interface RandomCropOptions {
  /** Output height and width: one number for a square, or `[height, width]`. */
  readonly size: number | readonly [number, number];
  /** Zeros added on every side of the image before cropping. @default 0 */
  readonly padding?: number;
}

/**
 * Pads an image `[C, H, W]` with `padding` zeros on every side, then cuts out a
 * `size`×`size` window at a uniformly random position: the CIFAR recipe
 * `randomCrop({ size: 32, padding: 4 })` (torchvision's `RandomCrop(32, padding=4)`).
 * The output is `[C, size, size]`; draws the top offset, then the left offset.
 *
 * The image size is only known when a sample arrives, so a `size` larger than the padded
 * image, `H + 2·padding`, is a `ShapeError` at that sample.
 *
 * @example
 * ```ts
 * import { augment, randomCrop } from 'streamgrad/streams';
 * cifar$.pipe(augment(randomCrop({ size: 32, padding: 4 }), { seed: 1 }));
 * ```
 *
 * @throws ArgumentError when created with a `size` that is not a positive integer (or pair),
 *   a negative or non-integer `padding`, or an unknown option.
 */
export function randomCrop(options: RandomCropOptions): Transform {
  const given = readOptions('randomCrop', options, ['size', 'padding']);
  const size = given.size;
  const [cropHeight, cropWidth] = Array.isArray(size) && size.length === 2 ? size : [size, size];
  assertInt('randomCrop', 'size', cropHeight, 1);
  assertInt('randomCrop', 'size', cropWidth, 1);
  const padding = given.padding ?? 0;
  assertInt('randomCrop', 'padding', padding, 0);
  return {
    name: 'randomCrop',
    random: true,
    apply(x: Tensor, rng: Rng): Tensor {
      const [channels, height, width] = imageDims('randomCrop', x);
      const paddedHeight = height + 2 * padding;
      const paddedWidth = width + 2 * padding;
      if (cropHeight > paddedHeight || cropWidth > paddedWidth) {
        throw new ShapeError(
          `randomCrop: size ${cropHeight}x${cropWidth} is larger than the padded image ` +
            `${paddedHeight}x${paddedWidth} (x ${fmtShape(x.shape)}, padding ${padding})`,
        );
      }
      // Window origin in input coordinates (may lie in the zero border).
      const top = rng.int(paddedHeight - cropHeight + 1) - padding;
      const left = rng.int(paddedWidth - cropWidth + 1) - padding;
      const out = new Float32Array(channels * cropHeight * cropWidth);
      for (let c = 0; c < channels; c++) {
        for (let i = 0; i < cropHeight; i++) {
          const row = top + i;
          if (row < 0 || row >= height) continue;
          for (let j = 0; j < cropWidth; j++) {
            const col = left + j;
            if (col < 0 || col >= width) continue;
            out[(c * cropHeight + i) * cropWidth + j] = x.data[(c * height + row) * width + col];
          }
        }
      }
      return new Tensor(out, [channels, cropHeight, cropWidth]);
    },
  };
}
