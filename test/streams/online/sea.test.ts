import { describe, expect, test } from 'vitest';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { sea } from '../../../src/streams/online/generators/sea.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (opts: Parameters<typeof sea>[0]): Promise<Sample[]> => lastValueFrom(sea(opts).pipe(toArray()));
const f = (s: Sample) => Array.from(s.x.data);
const label = (s: Sample) => s.y.data[0];

describe('sea', () => {
  test('emits count samples: x is [3] in [0, 10), y a scalar 0 or 1', async () => {
    const samples = await collect({ count: 200, seed: 1 });
    expect(samples).toHaveLength(200);
    for (const s of samples) {
      expect(s.x.shape).toEqual([3]);
      expect(s.y.shape).toEqual([]);
      expect(f(s).every((v) => v >= 0 && v < 10)).toBe(true);
      expect([0, 1]).toContain(label(s));
    }
  });

  test('without noise, y = 1 exactly when f1 + f2 <= θ of the concept, which switches at each driftAt and cycles', async () => {
    const thresholds = [8, 9, 7, 9.5];
    const driftAt = [100, 200, 300, 400];
    const samples = await collect({ noise: 0, driftAt, thresholds, count: 500, seed: 2 });
    samples.forEach((s, t) => {
      const concept = driftAt.filter((d) => d <= t).length % thresholds.length; // 0,1,2,3 then 0 again
      const [f1, f2] = f(s);
      expect(label(s)).toBe(f1 + f2 <= thresholds[concept] ? 1 : 0);
    });
  });

  test('the concept change is visible: under θ = 8 then θ = 9.5, the rate of positives rises from ~0.32 to ~0.45', async () => {
    const samples = await collect({ noise: 0, driftAt: [5000], thresholds: [8, 9.5], count: 10000, seed: 3 });
    const rate = (part: Sample[]) => part.filter((s) => label(s) === 1).length / part.length;
    // P(f1 + f2 <= θ) for f uniform on [0, 10]: θ²/200, so 0.32 and 0.45125.
    expect(rate(samples.slice(0, 5000))).toBeCloseTo(0.32, 1);
    expect(rate(samples.slice(5000))).toBeCloseTo(0.45125, 1);
  });

  test('noise flips about that fraction of labels, and leaves the features as they were', async () => {
    const clean = await collect({ noise: 0, count: 20000, seed: 4 });
    const noisy = await collect({ noise: 0.1, count: 20000, seed: 4 });
    expect(noisy.map(f)).toEqual(clean.map(f));
    const flipped = noisy.filter((s, i) => label(s) !== label(clean[i])).length / noisy.length;
    expect(Math.abs(flipped - 0.1)).toBeLessThan(0.01); // σ = 0.0021
  });

  test('the stream is cold and seeded: a second subscription replays it; another seed differs', async () => {
    const stream = sea({ count: 50, seed: 5 });
    const a = await lastValueFrom(stream.pipe(toArray()));
    const b = await lastValueFrom(stream.pipe(toArray()));
    expect(b.map(f)).toEqual(a.map(f));
    expect(b.map(label)).toEqual(a.map(label));
    const c = await collect({ count: 50, seed: 6 });
    expect(c.map(f)).not.toEqual(a.map(f));
  });

  test('count Infinity gives an unbounded stream, pulled only as far as it is read', async () => {
    const tenth = await firstValueFrom(sea({ count: Infinity, seed: 1 }).pipe(take(10), toArray()));
    expect(tenth).toHaveLength(10);
  });

  test('the defaults are Street & Kim\'s: 60,000 samples in four concepts of 15,000', async () => {
    const samples = await collect({ noise: 0 });
    expect(samples).toHaveLength(60000);
    const over = (from: number, to: number, theta: number) =>
      samples.slice(from, to).every((s) => label(s) === (f(s)[0] + f(s)[1] <= theta ? 1 : 0));
    expect([over(0, 15000, 8), over(15000, 30000, 9), over(30000, 45000, 7), over(45000, 60000, 9.5)]).toEqual([true, true, true, true]);
  });

  test.each([
    [{ noise: 1.5 }, 'sea: noise must be a number in [0, 1], found 1.5'],
    [{ driftAt: [10, 10] }, 'sea: driftAt[1] must be an integer > 10, found 10'],
    [{ driftAt: [-1] }, 'sea: driftAt[0] must be an integer >= 0, found -1'],
    [{ driftAt: 5 }, 'sea: driftAt must be an array of sample indices, found 5'],
    [{ thresholds: [] }, 'sea: thresholds must be a non-empty array of numbers, found []'],
    [{ thresholds: [8, Number.NaN] }, 'sea: thresholds[1] must be a finite number, found NaN'],
    [{ count: 2.5 }, 'sea: count must be an integer >= 0, found 2.5'],
  ])('%j is refused when the source is created', (opts, message) => {
    expect(() => sea(opts as never)).toThrow(ArgumentError);
    expect(() => sea(opts as never)).toThrow(message);
  });
});
