import { ArgumentError, Tensor, type Rng } from '../../ops/index.js';
import type { Transform } from '../augment.js';
import { imageDims } from './checks.js';

/**
 * Rotates an image `[C, H, W]` about its centre by an angle drawn uniformly from
 * `[−maxDegrees, maxDegrees]` (or from `[min, max]` when given a pair, as torchvision's
 * `RandomRotation` accepts), with bilinear interpolation and zero fill; the size is kept.
 *
 * Positive angles turn the image **counter-clockwise** as displayed (row 0 at the top), as
 * in torchvision: by 90° on an n×n image, `out[c][i][j] = x[c][j][n−1−i]`, NumPy's `rot90`,
 * which is the transpose with its rows in reverse order. The centre is `((W−1)/2, (H−1)/2)`
 * in pixel indices, so quarter turns of a square image move pixels onto pixels. Each output
 * pixel samples the input at the inversely rotated position:
 * `col = cx + cos θ·(j − cx) − sin θ·(i − cy)`, `row = cy + sin θ·(j − cx) + cos θ·(i − cy)`.
 *
 * @example
 * ```ts
 * import { augment, randomRotate } from 'streamgrad/streams';
 * mnist$.pipe(augment(randomRotate(15), { seed: 1 }));
 * ```
 *
 * @param maxDegrees - a finite number >= 0, or a pair `[min, max]` with `min <= max`.
 * @throws ArgumentError when created with a negative or non-finite angle, or a bad pair.
 */
export function randomRotate(maxDegrees: number | readonly [number, number]): Transform {
  const [low, high] = checkRange(maxDegrees);
  return {
    name: 'randomRotate',
    random: true,
    apply(x: Tensor, rng: Rng): Tensor {
      const [channels, height, width] = imageDims('randomRotate', x);
      const degrees = low + (high - low) * rng.uniform();
      if (degrees === 0) return x;
      return rotateBilinear(x.data, channels, height, width, (degrees * Math.PI) / 180);
    },
  };
}

function rotateBilinear(data: Float32Array, channels: number, height: number, width: number, theta: number): Tensor {
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const plane = height * width;
  const out = new Float32Array(channels * plane);
  // Reads pixel (row, col) of channel c, zero outside the image.
  const at = (base: number, row: number, col: number): number =>
    row >= 0 && row < height && col >= 0 && col < width ? data[base + row * width + col] : 0;
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      const u = j - cx;
      const v = i - cy;
      const col = cx + cos * u - sin * v;
      const row = cy + sin * u + cos * v;
      const row0 = Math.floor(row);
      const col0 = Math.floor(col);
      const fr = row - row0;
      const fc = col - col0;
      if (row0 < -1 || row0 >= height || col0 < -1 || col0 >= width) continue;
      for (let c = 0; c < channels; c++) {
        const base = c * plane;
        const top = (1 - fc) * at(base, row0, col0) + fc * at(base, row0, col0 + 1);
        const bottom = (1 - fc) * at(base, row0 + 1, col0) + fc * at(base, row0 + 1, col0 + 1);
        out[base + i * width + j] = (1 - fr) * top + fr * bottom;
      }
    }
  }
  return new Tensor(out, [channels, height, width]);
}

function checkRange(degrees: unknown): [number, number] {
  if (Array.isArray(degrees)) {
    const [low, high] = degrees as unknown[];
    const ok = degrees.length === 2 && typeof low === 'number' && typeof high === 'number' && Number.isFinite(low) && Number.isFinite(high) && low <= high;
    if (!ok) {
      throw new ArgumentError(`randomRotate: degrees must be a pair [min, max] of finite numbers with min <= max, found ${JSON.stringify(degrees)}`);
    }
    return [low as number, high as number];
  }
  if (typeof degrees !== 'number' || !Number.isFinite(degrees) || degrees < 0) {
    throw new ArgumentError(`randomRotate: maxDegrees must be a finite number >= 0, found ${String(degrees)}`);
  }
  return [-degrees, degrees];
}
