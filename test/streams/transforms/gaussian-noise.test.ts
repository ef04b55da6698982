import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, Tensor, tensor, zeros } from '../../../src/ops/index.js';
import { arbTensor } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { gaussianNoise } from '../../../src/streams/transforms/gaussian-noise.js';

const runs = { numRuns: 30 };
const images = arbTensor({ rank: [3, 3], dim: [1, 5] });
const seeds = fc.integer({ min: 0, max: 2 ** 31 });

describe('gaussianNoise', () => {
  test.prop([images, fc.double({ min: 0, max: 3, noNaN: true }), seeds], runs)('for any image, the shape is kept and x is not modified', (x, std, seed) => {
    const before = Float32Array.from(x.data);
    expect(gaussianNoise(std).apply(x, new Rng(seed)).shape).toEqual(x.shape);
    expect(x.data).toEqual(before);
  });

  test.prop([images, seeds], runs)('std 0 is the identity', (x, seed) => {
    expect(gaussianNoise(0).apply(x, new Rng(seed)).data).toEqual(x.data);
  });

  test('the added noise has mean 0 and the stated std, empirically (20,000 values)', () => {
    const x = new Tensor(new Float32Array(20_000).fill(3), [2, 100, 100]);
    const noise = Array.from(gaussianNoise(0.5).apply(x, new Rng(17)).data, (v) => v - 3);
    const mean = noise.reduce((a, b) => a + b, 0) / noise.length;
    const std = Math.sqrt(noise.reduce((a, b) => a + (b - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.02); // 4 standard errors: 4 · 0.5 / √20000 ≈ 0.014
    expect(std).toBeGreaterThan(0.49);
    expect(std).toBeLessThan(0.51);
  });

  test('the same generator state gives the same noise', () => {
    const x = zeros([1, 3, 3]);
    expect(gaussianNoise(1).apply(x, new Rng(4)).data).toEqual(gaussianNoise(1).apply(x, new Rng(4)).data);
  });

  test('through augment, the label is kept', async () => {
    const y = tensor(0);
    const out = await firstValueFrom(of({ x: zeros([1, 2, 2]), y }).pipe(augment(gaussianNoise(1), { seed: 1 })));
    expect(out.y).toBe(y);
    expect(out.x.shape).toEqual([1, 2, 2]);
  });

  test('a bad std throws when the transform is created, naming gaussianNoise', () => {
    expect(() => gaussianNoise(-0.1)).toThrow(new ArgumentError('gaussianNoise: std must be a finite number >= 0, found -0.1'));
    expect(() => gaussianNoise(Number.NaN)).toThrow('gaussianNoise: std must be a finite number >= 0, found NaN');
    expect(() => gaussianNoise({ std: 1 } as never)).toThrow('gaussianNoise: std must be a finite number >= 0, found [object Object]');
  });

  test('an image that is not [C, H, W] is a ShapeError naming gaussianNoise', () => {
    expect(() => gaussianNoise(1).apply(tensor([1, 2, 3]), new Rng(0))).toThrow(
      'gaussianNoise: expected an image x of shape [C, H, W] (rank 3), found [3]',
    );
  });
});
