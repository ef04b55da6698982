import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { fastExp, sigmoidInPlace, tanhInPlace, tanhInto } from '../../../../src/models/layers/recurrent/fast-math.js';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true });

describe('fast gate math', () => {
  prop.prop([finite(-88, 88)], { numRuns: 2000 })('fastExp(x) is within 3e-10 of Math.exp(x), relatively, on [−88, 88]', (x) => {
    expect(Math.abs(fastExp(x) / Math.exp(x) - 1)).toBeLessThan(3e-10);
  });

  test('fastExp is exact at 0, clamps beyond ±88 and passes NaN through', () => {
    expect(fastExp(0)).toBe(1);
    expect(fastExp(1000)).toBe(fastExp(88));
    expect(fastExp(-Infinity)).toBe(fastExp(-88));
    expect(fastExp(Infinity)).toBe(fastExp(88));
    expect(fastExp(NaN)).toBeNaN();
  });

  prop.prop([fc.array(finite(-30, 30), { minLength: 1, maxLength: 9 }), fc.array(finite(-30, 30), { minLength: 9, maxLength: 9 })], { numRuns: 300 })(
    'sigmoidInPlace, tanhInPlace and tanhInto equal σ and tanh of the (summed) values within float32 rounding, on the given run only',
    (values, add) => {
      const n = values.length;
      const v = Float32Array.from([7, ...values, 7]);
      const a = Float32Array.from(add);
      const s = v.slice();
      sigmoidInPlace(s, 1, a, 0, n);
      const t = v.slice();
      tanhInPlace(t, 1, a, 0, n);
      const into = new Float32Array(n + 2).fill(7);
      tanhInto(into, 1, v, 1, n);
      for (let k = 0; k < n; k++) {
        const sum = v[k + 1] + a[k];
        expect(Math.abs(s[k + 1] - 1 / (1 + Math.exp(-sum)))).toBeLessThan(1e-7);
        expect(Math.abs(t[k + 1] - Math.tanh(sum))).toBeLessThan(2e-7);
        expect(Math.abs(into[k + 1] - Math.tanh(v[k + 1]))).toBeLessThan(2e-7);
      }
      for (const out of [s, t, into]) expect([out[0], out[n + 1]]).toEqual([7, 7]);
    },
  );
});
