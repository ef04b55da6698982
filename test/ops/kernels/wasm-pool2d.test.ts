import { afterEach, describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Rng, Tensor, avgPool2d, backward, maxPool2d, setKernelBackend } from '../../../src/ops/index.js';
import { kernels } from '../../../src/ops/kernels/backend.js';
import {
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
  maxPool2x2ForwardLoop,
  poolWasmMinElements,
} from '../../../src/ops/kernels/pool2d.js';
import {
  wasmAvgPool2dBackward,
  wasmAvgPool2dForward,
  wasmMaxPool2d,
  wasmMaxPool2dBackward,
  wasmMaxPool2x2,
} from '../../../src/ops/kernels/wasm/pool2d.js';
import { pool2dGeometry } from '../../../src/ops/pool-options.js';

/**
 * The WASM pooling kernels against the TypeScript loops, bit for bit (NaN as NaN, −0 apart from
 * +0, the same argmax indices): the 2×2 SIMD max pooling over widths that exercise both its
 * four-window vector loop and its one-window tail (output widths 1…11); the general max and
 * average pooling, forward and backward, over random windows, strides and paddings with ties,
 * ±0, NaN and ±∞ mixed in; and the ops under the fast and the reference backends.
 */
const runs = { numRuns: 60 };

afterEach(() => {
  setKernelBackend('fast');
});

/** Values with ties, ±0, NaN and ±∞ over-represented. */
const arbValue = fc.oneof(
  fc.constantFrom(Number.NaN, 0, -0, 1, -1, Infinity, -Infinity),
  fc.integer({ min: -3, max: 3 }),
  fc.float({ noNaN: true }),
);

const arbInput = fc
  .record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), oh: fc.integer({ min: 1, max: 4 }), ow: fc.integer({ min: 1, max: 11 }) })
  .chain(({ n, c, oh, ow }) => {
    const shape = [n, c, 2 * oh, 2 * ow];
    const size = n * c * 4 * oh * ow;
    return fc.array(arbValue, { minLength: size, maxLength: size }).map((v) => ({ shape, x: Float32Array.from(v) }));
  });

/** One spatial dimension: kernel 1–4, stride 1–3, padding at most half the kernel, input size 1–13 with a whole output size. */
const arbDimension = fc
  .record({ kernel: fc.integer({ min: 1, max: 4 }), stride: fc.integer({ min: 1, max: 3 }), outSize: fc.integer({ min: 1, max: 13 }) })
  .chain(({ kernel, stride, outSize }) =>
    fc.integer({ min: 0, max: kernel >> 1 }).map((padding) => ({ kernel, stride, padding, size: (outSize - 1) * stride + kernel - 2 * padding })),
  )
  .filter(({ size }) => size >= 1 && size <= 13);

/** A pooling geometry (batch 1–3, channels 1–4) with input data and output gradients. */
const arbPooling = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), h: arbDimension, w: arbDimension })
  .chain(({ n, c, h, w }) => {
    const g = pool2dGeometry('maxPool2d', [n, c, h.size, w.size], {
      kernelSize: [h.kernel, w.kernel],
      stride: [h.stride, w.stride],
      padding: [h.padding, w.padding],
    });
    const inputs = n * c * h.size * w.size;
    const outputs = n * c * g.outHeight * g.outWidth;
    return fc.record({
      g: fc.constant(g),
      x: fc.array(arbValue, { minLength: inputs, maxLength: inputs }).map((v) => Float32Array.from(v)),
      grad: fc.array(arbValue, { minLength: outputs, maxLength: outputs }).map((v) => Float32Array.from(v)),
      countIncludePad: fc.boolean(),
    });
  });

function expectSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`element ${i}: expected ${expected[i]}, found ${actual[i]}`);
  }
}

function fits<T>(result: T | null): T {
  if (result === null) throw new Error('expected the operands to fit in the WASM memory, found null');
  return result;
}

describe('WASM 2×2 max pooling', () => {
  test.prop([arbInput], runs)('gives the general loop’s values and indices, ties and NaN included', ({ shape, x }) => {
    const g = pool2dGeometry('maxPool2d', shape, { kernelSize: 2 });
    const wasm = fits(wasmMaxPool2x2(x, g));
    const general = maxPool2dForward(x, g);
    expectSameValues(wasm.out, general.out);
    expect(Array.from(wasm.argmax)).toEqual(Array.from(general.argmax));
    const loop = maxPool2x2ForwardLoop(x, g);
    expectSameValues(loop.out, general.out);
    expect(Array.from(loop.argmax)).toEqual(Array.from(general.argmax));
  });

  plain('a 2×10 row: five windows, the first four vectorised, the fifth in the tail; ties go to the first', () => {
    const x = Float32Array.of(1, 2, 5, 5, 0, 0, -1, -2, 9, 3, 4, 3, 5, 6, 0, 0, -3, -1, 3, 9);
    const g = pool2dGeometry('maxPool2d', [1, 1, 2, 10], { kernelSize: 2 });
    const result = wasmMaxPool2x2(x, g);
    expect(result === null ? null : Array.from(result.out)).toEqual([4, 6, 0, -1, 9]);
    expect(result === null ? null : Array.from(result.argmax)).toEqual([10, 13, 4, 6, 8]);
  });
});

describe('WASM general pooling against the TypeScript loops, bit for bit', () => {
  test.prop([arbPooling], runs)('max pooling forward: values and argmax indices', ({ g, x }) => {
    const wasm = fits(wasmMaxPool2d(x, g));
    const reference = maxPool2dForward(x, g);
    expectSameValues(wasm.out, reference.out);
    expect(Array.from(wasm.argmax)).toEqual(Array.from(reference.argmax));
  });

  test.prop([arbPooling], runs)('max pooling backward: the scatter of the gradients into the winners', ({ g, x, grad }) => {
    const { argmax } = maxPool2dForward(x, g);
    expectSameValues(fits(wasmMaxPool2dBackward(grad, argmax, x.length)), maxPool2dBackward(grad, argmax, x.length));
  });

  test.prop([arbPooling], runs)('average pooling forward, padding counted or not', ({ g, x, countIncludePad }) => {
    expectSameValues(fits(wasmAvgPool2dForward(x, g, countIncludePad)), avgPool2dForward(x, g, countIncludePad));
  });

  test.prop([arbPooling], runs)('average pooling backward, padding counted or not', ({ g, grad, countIncludePad }) => {
    expectSameValues(fits(wasmAvgPool2dBackward(grad, g, countIncludePad)), avgPool2dBackward(grad, g, countIncludePad));
  });

  plain('a 3×3 window at stride 1 with padding 1 on a 3×3 plane: corner, edge and centre averages', () => {
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const g = pool2dGeometry('avgPool2d', [1, 1, 3, 3], { kernelSize: 3, stride: 1, padding: 1 });
    expect(Array.from(fits(wasmAvgPool2dForward(x, g, false)))).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    expect(Array.from(fits(wasmAvgPool2dForward(x, g, true)))).toEqual([12, 21, 16, 27, 45, 33, 24, 39, 28].map((s) => Math.fround(s / 9)));
    const max = fits(wasmMaxPool2d(x, g));
    expect(Array.from(max.out)).toEqual([5, 6, 6, 8, 9, 9, 8, 9, 9]);
    expect(Array.from(fits(wasmMaxPool2dBackward(new Float32Array(9).fill(1), max.argmax, 9)))).toEqual([0, 0, 0, 0, 1, 2, 0, 2, 4]);
  });
});

describe('pooling ops under the kernel backends', () => {
  plain('the reference backend runs the TypeScript loops, the fast backend others', () => {
    setKernelBackend('reference');
    expect(kernels().maxPool2dForward).toBe(maxPool2dForward);
    expect(kernels().maxPool2dBackward).toBe(maxPool2dBackward);
    expect(kernels().avgPool2dForward).toBe(avgPool2dForward);
    expect(kernels().avgPool2dBackward).toBe(avgPool2dBackward);
    setKernelBackend('fast');
    expect(kernels().maxPool2dForward).not.toBe(maxPool2dForward);
    expect(kernels().maxPool2dBackward).not.toBe(maxPool2dBackward);
    expect(kernels().avgPool2dForward).not.toBe(avgPool2dForward);
    expect(kernels().avgPool2dBackward).not.toBe(avgPool2dBackward);
  });

  /** `n` float32 values from `seed`, about 5% of them NaN, ±∞ or ±0, many ties. */
  function values(n: number, seed: number): Float32Array {
    const rng = new Rng(seed);
    const specials = [Number.NaN, Infinity, -Infinity, 0, -0];
    return Float32Array.from({ length: n }, () =>
      rng.uniform() < 0.05 ? specials[Math.floor(rng.uniform() * specials.length)] : Math.round((rng.uniform() - 0.5) * 16) / 4,
    );
  }

  /** The geometry of `arbPooling` with enough batch that the fast backend takes the WASM kernels. */
  const arbLarge = fc.record({ pooling: arbPooling, seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) }).map(({ pooling: { g, countIncludePad }, seed }) => {
    const batch = Math.ceil(poolWasmMinElements / (g.channels * g.inHeight * g.inWidth)) + 1;
    return { shape: [batch, g.channels, g.inHeight, g.inWidth], opts: { kernelSize: g.kernel, stride: g.stride, padding: g.padding }, countIncludePad, seed };
  });

  test.prop([arbLarge], { numRuns: 25 })('maxPool2d and avgPool2d and their gradients are the same bits under both', ({ shape, opts, countIncludePad, seed }) => {
    const run = (): Float32Array[] => {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = new Tensor(values(size, seed), shape, true);
      const max = maxPool2d(x, opts);
      backward(max, new Tensor(values(max.size, seed + 1), max.shape));
      const maxGrad = x.grad!.data.slice();
      const z = new Tensor(values(size, seed), shape, true);
      const avg = avgPool2d(z, { ...opts, countIncludePad });
      backward(avg, new Tensor(values(avg.size, seed + 2), avg.shape));
      return [max.data, maxGrad, avg.data, z.grad!.data];
    };
    setKernelBackend('reference');
    const expected = run();
    setKernelBackend('fast');
    const actual = run();
    actual.forEach((a, i) => expectSameValues(a, expected[i]));
  });
});
