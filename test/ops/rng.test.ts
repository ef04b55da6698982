import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, deriveSeed, ArgumentError } from '../../src/ops/index.js';

describe('Rng (xoshiro128**)', () => {
  prop.prop([fc.integer(), fc.integer({ min: 0, max: 20 })], { numRuns: 30 })(
    'for any seed and any position, restoring a saved state replays the same draws',
    (seed, skip) => {
      const rng = new Rng(seed);
      for (let i = 0; i < skip; i++) rng.normal();
      const saved = rng.state();
      const first = [rng.uniform(), rng.normal(), rng.normal(), rng.int(10), rng.nextUint32()];
      rng.setState(saved);
      expect([rng.uniform(), rng.normal(), rng.normal(), rng.int(10), rng.nextUint32()]).toEqual(first);
    },
  );

  test('the same seed gives the same sequence; different seeds differ', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(7)));
    const b = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(7)));
    const c = Array.from({ length: 5 }, ((r) => () => r.nextUint32())(new Rng(8)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  test('uniform draws fill [0, 1) evenly (chi-square over 10 bins)', () => {
    const rng = new Rng(3);
    const bins = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      bins[Math.floor(u * 10)]++;
    }
    const chi2 = bins.reduce((s, o) => s + (o - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  test('int(n) is uniform over 0..n-1 and rejects bad n', () => {
    const rng = new Rng(4);
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 30_000; i++) counts[rng.int(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    expect(() => rng.int(0)).toThrow('Rng.int: n must be an integer in [1, 2^32], found 0');
  });

  test('normal draws have mean 0 and variance 1', () => {
    const rng = new Rng(5);
    const xs = Array.from({ length: 50_000 }, () => rng.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  test('bad seeds and states are rejected, and a rejected state leaves the generator as it was', () => {
    expect(() => new Rng(Number.NaN)).toThrow(ArgumentError);
    const rng = new Rng(1);
    const saved = rng.state();
    expect(() => rng.setState({ s: [0, 0, 0, 0], spareNormal: null })).toThrow('all-zero state');
    expect(() => rng.setState({ s: [1, 2, 3] as never, spareNormal: null })).toThrow('four unsigned 32-bit integers');
    expect(rng.state()).toEqual(saved);
  });

  test('deriveSeed is deterministic and separates its parts', () => {
    expect(deriveSeed(1, 2)).toBe(deriveSeed(1, 2));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(1, 3));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
  });
});
