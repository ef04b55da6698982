import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, take, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { addingProblem, type AddingProblemOptions } from '../../../src/streams/sources/adding-problem.js';
import type { Sample } from '../../../src/streams/types.js';

const collect = (options: AddingProblemOptions, n?: number): Promise<Sample[]> => {
  const source = addingProblem(options);
  return lastValueFrom((n === undefined ? source : source.pipe(take(n))).pipe(toArray()));
};
const values = (samples: Sample[]) => samples.map((s) => [[...s.x.data], [...s.y.data]]);
/** The time steps whose marker (feature 1) is set. */
const markedSteps = ({ x }: Sample): number[] => {
  const steps: number[] = [];
  for (let t = 0; t < x.shape[0]; t++) if (x.data[2 * t + 1] !== 0) steps.push(t);
  return steps;
};

describe('addingProblem', () => {
  prop.prop([fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 60 }), fc.integer()], { numRuns: 30 })(
    'for any count and length: count samples, x [T, 2], y [1], values in [0, 1), markers 0 or 1',
    async (count, length, seed) => {
      const samples = await collect({ count, length, seed });
      expect(samples).toHaveLength(count);
      for (const { x, y } of samples) {
        expect(x.shape).toEqual([length, 2]);
        expect(y.shape).toEqual([1]);
        const columns = Array.from({ length }, (_, t) => [x.data[2 * t], x.data[2 * t + 1]]);
        expect(columns.filter(([value, marker]) => !(value >= 0 && value < 1 && (marker === 0 || marker === 1)))).toEqual([]);
      }
    },
  );

  prop.prop([fc.integer({ min: 2, max: 60 }), fc.integer()], { numRuns: 30 })(
    'exactly two markers, one in the first half [0, ⌊T/2⌋) and one in the second [⌊T/2⌋, T)',
    async (length, seed) => {
      const half = Math.floor(length / 2);
      for (const sample of await collect({ count: 5, length, seed })) {
        const [first, second, ...rest] = markedSteps(sample);
        expect(rest).toEqual([]);
        expect(first).toBeGreaterThanOrEqual(0);
        expect(first).toBeLessThan(half);
        expect(second).toBeGreaterThanOrEqual(half);
        expect(second).toBeLessThan(length);
      }
    },
  );

  prop.prop([fc.integer({ min: 2, max: 60 }), fc.integer()], { numRuns: 30 })(
    'y is exactly the sum of the two marked values (as stored in x)',
    async (length, seed) => {
      for (const sample of await collect({ count: 5, length, seed })) {
        const [a, b] = markedSteps(sample);
        expect(sample.y.data[0]).toBe(Math.fround(sample.x.data[2 * a] + sample.x.data[2 * b]));
      }
    },
  );

  test('with T = 2 the marks are always on steps 0 and 1', async () => {
    for (const sample of await collect({ length: 2, count: 20, seed: 5 })) expect(markedSteps(sample)).toEqual([0, 1]);
  });

  test('marker positions cover each half uniformly (T = 10: each of the 5 positions about 1/5 of the time)', async () => {
    const samples = await collect({ length: 10, count: 2000, seed: 3 });
    const counts = new Array<number>(10).fill(0);
    for (const sample of samples) for (const t of markedSteps(sample)) counts[t]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(320); // expected 400, standard deviation ≈ 18
      expect(c).toBeLessThan(480);
    }
  });

  test('the trivial baseline: predicting 1 scores MSE ≈ Var(U + U′) = 1/6 on a large sample', async () => {
    const samples = await collect({ count: 20000, length: 4, seed: 11 });
    const targets = samples.map((s) => s.y.data[0]);
    const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
    const baseline = targets.reduce((a, y) => a + (y - 1) ** 2, 0) / targets.length;
    // the standard error of the MSE estimate is sqrt(Var((y−1)²)/n) = sqrt((1/15 − 1/36)/20000) ≈ 0.0014
    expect(mean).toBeCloseTo(1, 1);
    expect(Math.abs(baseline - 1 / 6)).toBeLessThan(0.006);
  });

  test('without count the source is endless, pulled on demand: take(n) stops it after n samples', async () => {
    const samples = await collect({ seed: 1 }, 300);
    expect(samples).toHaveLength(300);
    expect(samples[0].x.shape).toEqual([50, 2]); // the default length T = 50
  });

  test('every subscription replays the same sequences; the same seed gives the same data, another seed other data', async () => {
    const source = addingProblem({ count: 4, length: 12, seed: 8 });
    const first = values(await lastValueFrom(source.pipe(toArray())));
    expect(values(await lastValueFrom(source.pipe(toArray())))).toEqual(first);
    expect(values(await collect({ count: 4, length: 12, seed: 8 }))).toEqual(first);
    expect(values(await collect({ length: 12, seed: 8 }, 4))).toEqual(first); // a count only cuts the same stream
    expect(values(await collect({ count: 4, length: 12, seed: 9 }))).not.toEqual(first);
  });

  test('bad options throw when the source is created, naming what was expected and what was found', () => {
    expect(() => addingProblem({ seed: 1, length: 1 })).toThrow(ArgumentError);
    expect(() => addingProblem({ seed: 1, length: 1 })).toThrow('addingProblem: length must be an integer >= 2, found 1');
    expect(() => addingProblem({ seed: 1, length: 7.5 })).toThrow('addingProblem: length must be an integer >= 2, found 7.5');
    expect(() => addingProblem({ seed: 1, count: 0 })).toThrow('addingProblem: count must be an integer >= 1, found 0');
    expect(() => addingProblem({ seed: 1, count: Infinity })).toThrow('addingProblem: count must be an integer >= 1, found Infinity');
    expect(() => addingProblem({ seed: Number.NaN })).toThrow('addingProblem: seed must be a finite number, found NaN');
    expect(() => addingProblem({} as AddingProblemOptions)).toThrow('addingProblem: seed must be a finite number, found undefined');
    expect(() => addingProblem(undefined as unknown as AddingProblemOptions)).toThrow(
      'addingProblem: expected an options object { seed, length?, count? }, found undefined',
    );
  });
});
