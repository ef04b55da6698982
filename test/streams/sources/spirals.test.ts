import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { paced } from '../../../src/streams/consume.js';
import { spirals } from '../../../src/streams/sources/spirals.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (source: ReturnType<typeof spirals>) => lastValueFrom(source.pipe(toArray()));
const points = (samples: Sample[]) => samples.map((s) => [...s.x.data]);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The signed difference of two angles, in (−π, π]. */
const angleDiff = (a: number, b: number) => Math.atan2(Math.sin(a - b), Math.cos(a - b));

describe('spirals', () => {
  prop.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 }), fc.integer()], { numRuns: 25 })(
    'for any classes and pointsPerClass: classes·pointsPerClass samples in class order, x [2], y a scalar class',
    async (classes, pointsPerClass, seed) => {
      const samples = await collect(spirals({ classes, pointsPerClass, seed }));
      expect(samples).toHaveLength(classes * pointsPerClass);
      expect(samples.map((s) => s.y.data[0])).toEqual(Array.from({ length: classes * pointsPerClass }, (_, i) => Math.floor(i / pointsPerClass)));
      for (const s of samples) {
        expect(s.x.shape).toEqual([2]);
        expect(s.y.shape).toEqual([]);
      }
    },
  );

  prop.prop([fc.integer({ min: 2, max: 50 }), fc.double({ min: 0, max: 2, noNaN: true }), fc.integer()], { numRuns: 25 })(
    'radius law: point i of every arm lies at |x| = i / (N − 1), whatever the angle noise',
    async (pointsPerClass, noise, seed) => {
      const samples = await collect(spirals({ classes: 3, pointsPerClass, noise, seed }));
      samples.forEach((s, index) => {
        const i = index % pointsPerClass;
        expect(Math.hypot(s.x.data[0], s.x.data[1])).toBeCloseTo(i / (pointsPerClass - 1), 5);
      });
    },
  );

  test('without noise, point i of arm k is [r sin t, r cos t] with r = i/(N−1), t = 4k + 4i/(N−1)', async () => {
    const samples = await collect(spirals({ classes: 3, pointsPerClass: 5, noise: 0 }));
    const expected = samples.map((_, index) => {
      const [k, i] = [Math.floor(index / 5), index % 5];
      const [r, t] = [i / 4, 4 * k + i];
      return [r * Math.sin(t), r * Math.cos(t)];
    });
    points(samples).forEach((p, n) => {
      expect(p[0]).toBeCloseTo(expected[n][0], 6);
      expect(p[1]).toBeCloseTo(expected[n][1], 6);
    });
  });

  test('the angle noise has standard deviation `noise` (3,000 points, noise 0.2)', async () => {
    const N = 1000;
    const samples = await collect(spirals({ classes: 3, pointsPerClass: N, noise: 0.2, seed: 11 }));
    const residuals = samples
      .map((s, index) => {
        const [k, i] = [Math.floor(index / N), index % N];
        return i === 0 ? null : angleDiff(Math.atan2(s.x.data[0], s.x.data[1]), 4 * k + (4 * i) / (N - 1));
      })
      .filter((r): r is number => r !== null);
    const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
    const std = Math.sqrt(residuals.reduce((a, b) => a + (b - mean) ** 2, 0) / residuals.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(std).toBeGreaterThan(0.18);
    expect(std).toBeLessThan(0.22);
  });

  test('a single point per arm sits at the origin', async () => {
    const origins = points(await collect(spirals({ classes: 2, pointsPerClass: 1 })));
    expect(origins.map(([a, b]) => Math.hypot(a, b))).toEqual([0, 0]);
  });

  test('every subscription replays the same points; the same seed gives the same points, another seed others', async () => {
    const source = spirals({ pointsPerClass: 20, seed: 3 });
    const first = points(await collect(source));
    expect(points(await collect(source))).toEqual(first);
    expect(points(await collect(spirals({ pointsPerClass: 20, seed: 3 })))).toEqual(first);
    expect(points(await collect(spirals({ pointsPerClass: 20, seed: 4 })))).not.toEqual(first);
  });

  test('a slow consumer keeps a million-point spiral at most one point ahead, and stopping releases it', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const source = spirals({ classes: 1, pointsPerClass: 1_000_000 }).pipe(tap(() => produced++));
    const results = paced(source, async (s) => {
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      await tick();
      return s.y.data[0];
    });
    expect(await lastValueFrom(results.pipe(take(20), toArray()))).toEqual(Array(20).fill(0));
    await tick();
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(produced).toBeLessThanOrEqual(21);
  });

  test('bad options throw when the source is created', () => {
    expect(() => spirals({ classes: 0 })).toThrow(ArgumentError);
    expect(() => spirals({ classes: 0 })).toThrow('spirals: classes must be an integer >= 1, found 0');
    expect(() => spirals({ pointsPerClass: 2.5 })).toThrow('spirals: pointsPerClass must be an integer >= 1, found 2.5');
    expect(() => spirals({ noise: -1 })).toThrow('spirals: noise must be >= 0, found -1');
    expect(() => spirals({ seed: Number.NaN })).toThrow('spirals: seed must be a finite number, found NaN');
  });
});
