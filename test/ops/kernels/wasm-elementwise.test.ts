/**
 * The WASM SIMD elementwise loops (ReLU, its gradient, plain Adam) give bit for bit what the
 * TypeScript loops give, on lengths around the size where they switch on and past the vector
 * width's remainders, with NaN, ±∞, ±0 and subnormals mixed in; and the ops that use them
 * (`relu`, `adam`) give the same bits under the fast and the reference kernels.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor, backward, relu, setKernelBackend } from '../../../src/ops/index.js';
import { adam } from '../../../src/models/index.js';
import { adamPlainUpdate } from '../../../src/models/optimizers/adam.js';
import { adamPlainWasm, reluBackwardWasm, reluForwardWasm, wasmMinElements } from '../../../src/ops/kernels/wasm/elementwise.js';
import { adamPlain, reluBackward, reluForward } from '../../../src/ops/kernels/elementwise.js';
import { kernels } from '../../../src/ops/kernels/backend.js';

const runs = { numRuns: 25 };
const specials = [Number.NaN, 0, -0, Infinity, -Infinity, 1e-45, -1e-45, 1, -1, 3.4e38];

/** `n` float32 values from `seed`: mostly normal numbers of both signs, about 5% specials. */
function values(n: number, seed: number, scale = 2): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rng.uniform();
    if (u < 0.05) return specials[Math.floor(rng.uniform() * specials.length)];
    return (rng.uniform() - 0.5) * scale;
  });
}

/** Element-wise identity that tells NaN from NaN as equal and −0 from +0 as different. */
function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`element ${i}: expected ${String(expected[i])}, found ${String(actual[i])}`);
  }
}

/** Lengths where the WASM loops run: at the switch-over, odd remainders, and a few larger. */
const arbLength = fc.oneof(
  fc.integer({ min: wasmMinElements, max: wasmMinElements + 9 }),
  fc.integer({ min: wasmMinElements, max: 50_000 }),
);
const arbSeed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

afterEach(() => {
  setKernelBackend('fast');
});

describe('WASM elementwise loops against the TypeScript loops', () => {
  prop.prop([arbLength, arbSeed], runs)('reluForward is max(0, x) on the bit patterns', (n, seed) => {
    const x = values(n, seed);
    const out = new Float32Array(n);
    expect(reluForwardWasm(x, out)).toBe(true);
    expectSameBits(out, Array.from(x, (v) => (Number.isNaN(v) ? v : Math.fround(Math.max(0, v)))));
  });

  prop.prop([arbLength, arbSeed], runs)('reluBackward is g·[x > 0] in float32', (n, seed) => {
    const x = values(n, seed);
    const g = values(n, seed + 1);
    const out = new Float32Array(n);
    expect(reluBackwardWasm(x, g, out)).toBe(true);
    expectSameBits(out, Array.from(x, (v, i) => Math.fround(g[i] * +(v > 0))));
  });

  prop.prop([arbLength, arbSeed, fc.integer({ min: 1, max: 50 })], runs)('adamPlain equals adamPlainUpdate, bit for bit', (n, seed, step) => {
    const rule = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
    const corrected = { ...rule, biasCorrection1: 1 - 0.9 ** step, biasCorrection2: 1 - 0.999 ** step };
    const theta = values(n, seed);
    const grad = values(n, seed + 1, 0.2);
    const m = values(n, seed + 2, 0.1);
    const v = values(n, seed + 3, 0.01).map(Math.abs);
    const expected = [theta.slice(), m.slice(), v.slice()];
    setKernelBackend('reference');
    adamPlainUpdate(expected[0], grad, expected[1], expected[2], corrected);
    setKernelBackend('fast');
    const stepSize = rule.lr / corrected.biasCorrection1;
    const inverseRoot2 = 1 / Math.sqrt(corrected.biasCorrection2);
    expect(adamPlainWasm(theta, grad, m, v, { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize, inverseRoot2 })).toBe(true);
    expectSameBits(theta, expected[0]);
    expectSameBits(m, expected[1]);
    expectSameBits(v, expected[2]);
  });

  test('below wasmMinElements the WASM loops decline and touch nothing', () => {
    const small = values(wasmMinElements - 1, 1);
    const out = new Float32Array(small.length);
    expect(reluForwardWasm(small, out)).toBe(false);
    expect(reluBackwardWasm(small, small, out)).toBe(false);
    expect(adamPlainWasm(out, small, out, out, { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1, inverseRoot2: 1 })).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  test('the reference backend runs the TypeScript loops, the fast backend the WASM ones', () => {
    setKernelBackend('reference');
    expect(kernels().reluForward).toBe(reluForward);
    expect(kernels().reluBackward).toBe(reluBackward);
    expect(kernels().adamPlain).toBe(adamPlain);
    setKernelBackend('fast');
    expect(kernels().reluForward).not.toBe(reluForward);
  });
});

describe('ops using the WASM loops', () => {
  prop.prop([arbLength, arbSeed], { numRuns: 10 })('relu and its gradient are the same bits under fast and reference kernels', (n, seed) => {
    const run = (): [Float32Array, Float32Array] => {
      const x = new Tensor(values(n, seed), [n], true);
      const y = relu(x);
      backward(y, new Tensor(values(n, seed + 1), [n]));
      return [y.data, x.grad!.data];
    };
    setKernelBackend('reference');
    const [y0, g0] = run();
    setKernelBackend('fast');
    const [y1, g1] = run();
    expectSameBits(y1, y0);
    expectSameBits(g1, g0);
  });

  test('three Adam steps on a 100×100 weight are the same bits under fast and reference kernels', () => {
    const run = (): Float32Array => {
      const w = new Tensor(values(10_000, 7).map((v) => (Number.isFinite(v) ? v : 0.5)), [100, 100], true);
      const opt = adam([w], { lr: 0.01 });
      for (let s = 0; s < 3; s++) {
        w.grad = new Tensor(values(10_000, 100 + s, 0.2).map((v) => (Number.isFinite(v) ? v : -0.25)), [100, 100]);
        opt.step();
      }
      return w.data.slice();
    };
    setKernelBackend('reference');
    const reference = run();
    setKernelBackend('fast');
    expectSameBits(run(), reference);
  });
});
