import { describe, expect, test } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { ArgumentError, Rng } from '../../../src/ops/index.js';
import { rotatingHyperplane } from '../../../src/streams/online/generators/rotating-hyperplane.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (opts: Parameters<typeof rotatingHyperplane>[0]): Promise<Sample[]> =>
  lastValueFrom(rotatingHyperplane(opts).pipe(toArray()));
const f = (s: Sample) => Array.from(s.x.data);
const label = (s: Sample) => s.y.data[0];
const disagreement = (a: Sample[], b: Sample[]) => a.filter((s, i) => label(s) !== label(b[i])).length / a.length;

describe('rotatingHyperplane', () => {
  test('emits count samples: x is [dims] in [0, 1), y a scalar 0 or 1, about half positive', async () => {
    const samples = await collect({ dims: 4, count: 4000, noise: 0, seed: 1 });
    expect(samples).toHaveLength(4000);
    for (const s of samples) {
      expect(s.x.shape).toEqual([4]);
      expect(s.y.shape).toEqual([]);
      expect(f(s).every((v) => v >= 0 && v < 1)).toBe(true);
    }
    const positive = samples.filter((s) => label(s) === 1).length / samples.length;
    expect(Math.abs(positive - 0.5)).toBeLessThan(0.06);
  });

  test('without drift and noise, y = [w·x >= ½Σw] with w the first dims uniforms of Rng(seed) (the documented draw order)', async () => {
    const dims = 5;
    const samples = await collect({ dims, driftSpeed: 0, noise: 0, count: 500, seed: 7 });
    const rng = new Rng(7);
    const w = Array.from({ length: dims }, () => rng.uniform());
    const w0 = w.reduce((a, b) => a + b, 0) / 2;
    for (const s of samples) {
      const dot = f(s).reduce((a, x, i) => a + w[i] * x, 0);
      expect(label(s)).toBe(dot >= w0 ? 1 : 0);
    }
  });

  test('the plane turns: against the same stream without drift, labels agree at first and disagree more and more', async () => {
    const fixed = await collect({ driftSpeed: 0, noise: 0, count: 10000, seed: 3 });
    const moving = await collect({ noise: 0, count: 10000, seed: 3 }); // driftSpeed 0.001
    expect(moving.map(f)).toEqual(fixed.map(f)); // the same features: drift changes only the labels
    const early = disagreement(moving.slice(0, 500), fixed.slice(0, 500));
    const late = disagreement(moving.slice(9000), fixed.slice(9000));
    expect(early).toBeLessThan(0.05);
    expect(late).toBeGreaterThan(early + 0.05);
  });

  test('driftDims 0 leaves the plane where it is', async () => {
    const fixed = await collect({ driftSpeed: 0, noise: 0, count: 3000, seed: 3 });
    const still = await collect({ driftSpeed: 0.01, driftDims: 0, noise: 0, count: 3000, seed: 3 });
    expect(still.map(f)).toEqual(fixed.map(f));
    expect(still.map(label)).toEqual(fixed.map(label));
  });

  test('noise flips about that fraction of labels', async () => {
    const clean = await collect({ noise: 0, count: 20000, seed: 4 });
    const noisy = await collect({ noise: 0.05, count: 20000, seed: 4 });
    expect(Math.abs(disagreement(noisy, clean) - 0.05)).toBeLessThan(0.008); // σ = 0.0015
  });

  test('the stream is cold and seeded: a second subscription replays it', async () => {
    const stream = rotatingHyperplane({ count: 100, seed: 5 });
    const a = await lastValueFrom(stream.pipe(toArray()));
    const b = await lastValueFrom(stream.pipe(toArray()));
    expect(b.map(f)).toEqual(a.map(f));
    expect(b.map(label)).toEqual(a.map(label));
  });

  test.each([
    [{ dims: 0 }, 'rotatingHyperplane: dims must be an integer >= 1, found 0'],
    [{ dims: 3, driftDims: 4 }, 'rotatingHyperplane: driftDims must be an integer in [0, 3], found 4'],
    [{ driftSpeed: -0.1 }, 'rotatingHyperplane: driftSpeed must be a number >= 0, found -0.1'],
    [{ noise: 2 }, 'rotatingHyperplane: noise must be a number in [0, 1], found 2'],
    [{ reverseProbability: -1 }, 'rotatingHyperplane: reverseProbability must be a number in [0, 1], found -1'],
    [{ seed: Number.NaN }, 'rotatingHyperplane: seed must be a finite number, found NaN'],
  ])('%j is refused when the source is created', (opts, message) => {
    expect(() => rotatingHyperplane(opts)).toThrow(ArgumentError);
    expect(() => rotatingHyperplane(opts)).toThrow(message);
  });
});
