import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng } from '../../src/ops/index.js';
import { fans, initializers } from '../../src/models/initializers.js';
import { resolveInitializer } from '../../src/models/initializers.js';

function variance(data: Float32Array): number {
  const mean = data.reduce((s, v) => s + v, 0) / data.length;
  return data.reduce((s, v) => s + (v - mean) ** 2, 0) / data.length;
}

/** Standard error of a sample variance of n draws from a distribution with variance v and kurtosis k: v·√((k − 1)/n). */
function varianceTolerance(v: number, n: number, kurtosis: number): number {
  return 4 * v * Math.sqrt((kurtosis - 1) / n); // four standard errors
}

describe('initializers', () => {
  test('fans follow PyTorch: [out, in] for dense, [out, in, kH, kW] with the receptive field for conv', () => {
    expect(fans([10, 784])).toEqual({ fanIn: 784, fanOut: 10 });
    expect(fans([16, 3, 5, 5])).toEqual({ fanIn: 75, fanOut: 400 });
  });

  prop.prop([fc.integer({ min: 20, max: 200 }), fc.integer({ min: 20, max: 200 }), fc.integer()], { numRuns: 15 })(
    'for any fan-in, the empirical variance of He-normal weights is 2/fanIn within sampling error',
    (fanOut, fanIn, seed) => {
      const w = initializers.heNormal().init([fanOut, fanIn], new Rng(seed));
      const expected = 2 / fanIn;
      expect(Math.abs(variance(w.data) - expected)).toBeLessThan(varianceTolerance(expected, w.size, 3));
    },
  );

  prop.prop([fc.integer({ min: 20, max: 200 }), fc.integer({ min: 20, max: 200 }), fc.integer()], { numRuns: 15 })(
    'for any fan-in, He-uniform weights have variance 2/fanIn and stay within ±√(6/fanIn)',
    (fanOut, fanIn, seed) => {
      const w = initializers.heUniform().init([fanOut, fanIn], new Rng(seed));
      const expected = 2 / fanIn;
      const limit = Math.sqrt(6 / fanIn);
      for (const v of w.data) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
      expect(Math.abs(variance(w.data) - expected)).toBeLessThan(varianceTolerance(expected, w.size, 1.8));
    },
  );

  prop.prop([fc.integer({ min: 20, max: 200 }), fc.integer({ min: 20, max: 200 }), fc.integer()], { numRuns: 15 })(
    'for any fans, Glorot weights have variance 2/(fanIn + fanOut)',
    (fanOut, fanIn, seed) => {
      const expected = 2 / (fanIn + fanOut);
      for (const init of [initializers.glorotNormal(), initializers.glorotUniform()]) {
        const w = init.init([fanOut, fanIn], new Rng(seed));
        expect(Math.abs(variance(w.data) - expected)).toBeLessThan(varianceTolerance(expected, w.size, 3));
      }
    },
  );

  test('zeros, ones, constant, uniform and normal fill as named, reproducibly from the RNG', () => {
    expect(Array.from(initializers.zeros().init([2], new Rng(0)).data)).toEqual([0, 0]);
    expect(Array.from(initializers.ones().init([2], new Rng(0)).data)).toEqual([1, 1]);
    expect(Array.from(initializers.constant(0.5).init([2], new Rng(0)).data)).toEqual([0.5, 0.5]);
    const u = initializers.uniform({ low: 2, high: 3 }).init([100], new Rng(1));
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(2);
    expect(initializers.normal().init([5], new Rng(7)).data).toEqual(initializers.normal().init([5], new Rng(7)).data);
  });

  test('names and configs resolve to initializers; unknown names list the known ones', () => {
    expect(resolveInitializer('dense', 'heNormal').config).toEqual({ name: 'heNormal' });
    expect(resolveInitializer('dense', { name: 'constant', value: 2 }).init([1], new Rng(0)).item()).toBe(2);
    expect(() => resolveInitializer("dense '0'", 'kaiming' as never)).toThrow(
      `dense '0': unknown initializer "kaiming" (expected one of zeros, ones, constant`,
    );
    expect(() => initializers.constant(Number.NaN)).toThrow('initializers.constant: value must be finite, found NaN');
  });
});
