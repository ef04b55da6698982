import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, map, take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../../src/ops/index.js';
import { xor } from '../../../src/streams/sources/xor.js';
import type { Sample } from '../../../src/streams/types.js';

const points = (samples: Sample[]) => samples.map((s) => [...s.x.data]);
const labels = (samples: Sample[]) => samples.map((s) => s.y.data[0]);

describe('xor', () => {
  test('emits the truth table (0,0)→0 (0,1)→1 (1,0)→1 (1,1)→0 with x [2] and a scalar y', async () => {
    const samples = await lastValueFrom(xor().pipe(toArray()));
    expect(points(samples)).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(labels(samples)).toEqual([0, 1, 1, 0]);
    expect(samples.map((s) => [s.x.shape, s.y.shape])).toEqual(Array(4).fill([[2], []]));
  });

  test('marble: the table arrives in one synchronous burst and completes', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ expectObservable }) => {
      const label = map((s: Sample) => s.y.data[0]);
      expectObservable(xor({ repeat: 2 }).pipe(label)).toBe('(abcdabcd|)', { a: 0, b: 1, c: 1, d: 0 });
    });
  });

  test('unsubscribing stops the source at once: take(3) of a million points pulls only 3', async () => {
    let produced = 0;
    const seen = await lastValueFrom(xor({ repeat: 250_000 }).pipe(tap(() => produced++), take(3), toArray()));
    expect(seen).toHaveLength(3);
    expect(produced).toBe(3);
  });

  prop.prop([fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer()], { numRuns: 20 })(
    'for any repeat, noise and seed: 4·repeat samples, the labels repeat the table, the jitter is centred on the corners',
    async (repeat, noise, seed) => {
      const samples = await lastValueFrom(xor({ repeat, noise, seed }).pipe(toArray()));
      expect(samples).toHaveLength(4 * repeat);
      expect(labels(samples)).toEqual(Array.from({ length: repeat }, () => [0, 1, 1, 0]).flat());
      points(samples).forEach(([a, b], i) => {
        const [ca, cb] = [[0, 0], [0, 1], [1, 0], [1, 1]][i % 4];
        expect(Math.abs(a - ca)).toBeLessThanOrEqual(6 * noise + 1e-6);
        expect(Math.abs(b - cb)).toBeLessThanOrEqual(6 * noise + 1e-6);
      });
    },
  );

  test('every subscription replays the same points; the same seed gives the same points, another seed others', async () => {
    const source = xor({ repeat: 3, noise: 0.1, seed: 5 });
    const first = points(await lastValueFrom(source.pipe(toArray())));
    expect(points(await lastValueFrom(source.pipe(toArray())))).toEqual(first);
    expect(points(await lastValueFrom(xor({ repeat: 3, noise: 0.1, seed: 5 }).pipe(toArray())))).toEqual(first);
    expect(points(await lastValueFrom(xor({ repeat: 3, noise: 0.1, seed: 6 }).pipe(toArray())))).not.toEqual(first);
  });

  test('bad options throw when the source is created', () => {
    expect(() => xor({ repeat: 0 })).toThrow(ArgumentError);
    expect(() => xor({ repeat: 0 })).toThrow('xor: repeat must be an integer >= 1, found 0');
    expect(() => xor({ repeat: 1.5 })).toThrow('xor: repeat must be an integer >= 1, found 1.5');
    expect(() => xor({ noise: -0.1 })).toThrow('xor: noise must be >= 0, found -0.1');
    expect(() => xor({ noise: Number.NaN })).toThrow('xor: noise must be a finite number, found NaN');
    expect(() => xor({ seed: Infinity })).toThrow('xor: seed must be a finite number, found Infinity');
  });
});
