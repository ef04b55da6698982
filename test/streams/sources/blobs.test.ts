import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { blobs } from '../../../src/streams/sources/blobs.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (source: ReturnType<typeof blobs>) => lastValueFrom(source.pipe(toArray()));
const points = (samples: Sample[]) => samples.map((s) => [...s.x.data]);

/** Per-class mean and (population) standard deviation of each coordinate. */
function moments(samples: Sample[], k: number): { mean: number[]; std: number[] } {
  const xs = points(samples.filter((s) => s.y.data[0] === k));
  const mean = xs[0].map((_, d) => xs.reduce((a, p) => a + p[d], 0) / xs.length);
  const std = mean.map((m, d) => Math.sqrt(xs.reduce((a, p) => a + (p[d] - m) ** 2, 0) / xs.length));
  return { mean, std };
}

describe('blobs', () => {
  prop.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 5 }), fc.integer()], { numRuns: 25 })(
    'for any numClasses, pointsPerClass and dims: numClasses·pointsPerClass samples in class order, x [dims], y a scalar class',
    async (numClasses, pointsPerClass, dims, seed) => {
      const samples = await collect(blobs({ numClasses, pointsPerClass, dims, seed }));
      expect(samples).toHaveLength(numClasses * pointsPerClass);
      expect(samples.map((s) => s.y.data[0])).toEqual(Array.from({ length: numClasses * pointsPerClass }, (_, i) => Math.floor(i / pointsPerClass)));
      for (const s of samples) {
        expect(s.x.shape).toEqual([dims]);
        expect(s.y.shape).toEqual([]);
      }
    },
  );

  test('each blob is centred on its centre with the requested standard deviation (2,000 points a blob)', async () => {
    const centers = [[0, 0, 0], [5, -5, 2]];
    const samples = await collect(blobs({ centers, std: [0.5, 2], pointsPerClass: 2000, seed: 9 }));
    expect(samples[0].x.shape).toEqual([3]);
    centers.forEach((center, k) => {
      const { mean, std } = moments(samples, k);
      const sigma = [0.5, 2][k];
      mean.forEach((m, d) => expect(Math.abs(m - center[d])).toBeLessThan((4 * sigma) / Math.sqrt(2000)));
      std.forEach((s) => expect(Math.abs(s / sigma - 1)).toBeLessThan(0.06));
    });
  });

  prop.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 20 }), fc.integer()], { numRuns: 25 })(
    'random centres lie in centerBox in every dimension (std 0 puts every point on its centre)',
    async (numClasses, dims, low, width, seed) => {
      const samples = await collect(blobs({ numClasses, dims, std: 0, pointsPerClass: 3, centerBox: [low, low + width], seed }));
      for (const p of points(samples)) {
        for (const v of p) {
          expect(v).toBeGreaterThanOrEqual(low);
          expect(v).toBeLessThanOrEqual(low + width);
        }
      }
      for (let k = 0; k < numClasses; k++) {
        expect(points(samples.slice(3 * k, 3 * k + 3))).toEqual(Array(3).fill(points(samples)[3 * k]));
      }
    },
  );

  test('the centres are copied when the source is created: changing the caller\'s array later changes nothing', async () => {
    const centers = [[1, 2], [3, 4]];
    const source = blobs({ centers, std: 0, pointsPerClass: 1 });
    centers[0][0] = 100;
    expect(points(await collect(source))).toEqual([[1, 2], [3, 4]]);
  });

  test('every subscription replays the same points; the same seed gives the same points, another seed others', async () => {
    const source = blobs({ pointsPerClass: 10, seed: 1 });
    const first = points(await collect(source));
    expect(points(await collect(source))).toEqual(first);
    expect(points(await collect(blobs({ pointsPerClass: 10, seed: 1 })))).toEqual(first);
    expect(points(await collect(blobs({ pointsPerClass: 10, seed: 2 })))).not.toEqual(first);
  });

  test('bad options throw when the source is created', () => {
    expect(() => blobs({ centers: [[0, 0]], numClasses: 2 })).toThrow(ArgumentError);
    expect(() => blobs({ centers: [[0, 0]], numClasses: 2 })).toThrow('blobs: give either centers or numClasses, not both (found numClasses 2 and 1 centers)');
    expect(() => blobs({ centers: [] })).toThrow('blobs: centers must be a non-empty array of points, found []');
    expect(() => blobs({ centers: [[0, 0], [1]] })).toThrow('blobs: centers[1] must be an array of 2 numbers (dims), found [1]');
    expect(() => blobs({ centers: [[0, 0]], dims: 3 })).toThrow('blobs: centers[0] must be an array of 3 numbers (dims), found [0,0]');
    expect(() => blobs({ centers: [[0, Number.NaN]] })).toThrow('blobs: centers[0][1] must be a finite number, found NaN');
    expect(() => blobs({ numClasses: 0 })).toThrow('blobs: numClasses must be an integer >= 1, found 0');
    expect(() => blobs({ dims: 0 })).toThrow('blobs: dims must be an integer >= 1, found 0');
    expect(() => blobs({ pointsPerClass: -1 })).toThrow('blobs: pointsPerClass must be an integer >= 1, found -1');
    expect(() => blobs({ std: -1 })).toThrow('blobs: std must be a finite number >= 0, found -1');
    expect(() => blobs({ numClasses: 2, std: [1, -2] })).toThrow('blobs: std[1] must be a finite number >= 0, found -2');
    expect(() => blobs({ numClasses: 2, std: [1] })).toThrow('blobs: std must be a number or 2 numbers (one per blob), found [1]');
    expect(() => blobs({ centerBox: [1, 1] })).toThrow('blobs: centerBox must be [low, high] with low < high, found [1, 1]');
    expect(() => blobs({ seed: Number.NaN })).toThrow('blobs: seed must be a finite number, found NaN');
  });
});
