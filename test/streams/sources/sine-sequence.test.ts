import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { sineSequence } from '../../../src/streams/sources/sine-sequence.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (source: ReturnType<typeof sineSequence>) => lastValueFrom(source.pipe(toArray()));
const values = (samples: Sample[]) => samples.map((s) => [[...s.x.data], [...s.y.data]]);

describe('sineSequence', () => {
  prop.prop([fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 40 }), fc.integer()], { numRuns: 25 })(
    'for any count and steps: count samples, x and y [steps, 1], values in [−1, 1], y is x shifted left by one',
    async (count, steps, seed) => {
      const samples = await collect(sineSequence({ count, steps, seed }));
      expect(samples).toHaveLength(count);
      for (const { x, y } of samples) {
        expect(x.shape).toEqual([steps, 1]);
        expect(y.shape).toEqual([steps, 1]);
        for (const v of [...x.data, ...y.data]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
        expect([...y.data].slice(0, -1)).toEqual([...x.data].slice(1));
      }
    },
  );

  prop.prop([fc.double({ min: 0, max: 0.5, noNaN: true }), fc.integer()], { numRuns: 25 })(
    'with frequency [f, f] every sequence is a sinusoid of f: v(t+1) + v(t−1) = 2 cos(2πf) v(t)',
    async (f, seed) => {
      const samples = await collect(sineSequence({ count: 3, steps: 12, frequency: [f, f], seed }));
      for (const { y } of samples) {
        for (let t = 1; t < 11; t++) {
          expect(y.data[t + 1] + y.data[t - 1]).toBeCloseTo(2 * Math.cos(2 * Math.PI * f) * y.data[t], 5);
        }
      }
    },
  );

  test('noise goes into x only: x[t] − y[t−1] has standard deviation `noise`, y stays a clean sinusoid', async () => {
    const samples = await collect(sineSequence({ count: 200, steps: 21, frequency: [0.1, 0.1], noise: 0.3, seed: 4 }));
    const residuals = samples.flatMap(({ x, y }) => Array.from({ length: 20 }, (_, i) => x.data[i + 1] - y.data[i]));
    const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
    const std = Math.sqrt(residuals.reduce((a, b) => a + (b - mean) ** 2, 0) / residuals.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(std).toBeGreaterThan(0.28);
    expect(std).toBeLessThan(0.32);
    const { y } = samples[0];
    expect(y.data[2] + y.data[0]).toBeCloseTo(2 * Math.cos(0.2 * Math.PI) * y.data[1], 5);
  });

  test('phases and frequencies differ between sequences', async () => {
    const firsts = (await collect(sineSequence({ count: 20, seed: 2 }))).map((s) => s.x.data[0]);
    expect(new Set(firsts).size).toBe(20);
  });

  test('every subscription replays the same sequences; the same seed gives the same sequences, another seed others', async () => {
    const source = sineSequence({ count: 5, noise: 0.1, seed: 8 });
    const first = values(await collect(source));
    expect(values(await collect(source))).toEqual(first);
    expect(values(await collect(sineSequence({ count: 5, noise: 0.1, seed: 8 })))).toEqual(first);
    expect(values(await collect(sineSequence({ count: 5, noise: 0.1, seed: 9 })))).not.toEqual(first);
  });

  test('bad options throw when the source is created', () => {
    expect(() => sineSequence({ count: 0 })).toThrow(ArgumentError);
    expect(() => sineSequence({ count: 0 })).toThrow('sineSequence: count must be an integer >= 1, found 0');
    expect(() => sineSequence({ steps: 1.5 })).toThrow('sineSequence: steps must be an integer >= 1, found 1.5');
    expect(() => sineSequence({ noise: -1 })).toThrow('sineSequence: noise must be >= 0, found -1');
    expect(() => sineSequence({ seed: Infinity })).toThrow('sineSequence: seed must be a finite number, found Infinity');
    expect(() => sineSequence({ frequency: [0.2, 0.1] })).toThrow('sineSequence: frequency must be [min, max] with 0 <= min <= max, found [0.2,0.1]');
    expect(() => sineSequence({ frequency: [-0.1, 0.1] })).toThrow('sineSequence: frequency must be [min, max] with 0 <= min <= max, found [-0.1,0.1]');
    expect(() => sineSequence({ frequency: [0.1] as unknown as [number, number] })).toThrow('found [0.1]');
  });
});
