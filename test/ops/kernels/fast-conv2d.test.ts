import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import * as reference from '../../../src/ops/kernels/conv2d.js';
import type { ConvGeometry } from '../../../src/ops/kernels/conv2d.js';
import * as fast from '../../../src/ops/kernels/fast/conv2d.js';
import { col2im, im2col } from '../../../src/ops/kernels/fast/im2col.js';
import { Rng, randn } from '../../../src/ops/index.js';
import { arbConv2dConfig, type Conv2dConfig } from '../../../src/testing/index.js';

/**
 * Fast conv kernels against the reference kernels. Tolerance: the float32 bound for a sum of
 * `terms` products, `(terms + 2)·2⁻²⁴·Σ|products|`, where `Σ|products|` is the reference kernel
 * run on absolute values (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1).
 */
const u = 2 ** -24;

const runs = { numRuns: 60 };

/** The geometry the kernels take, from a conv2d configuration with symmetric padding. */
function geometry(c: Conv2dConfig): ConvGeometry {
  const [batch, inChannels, height, width] = c.input;
  const [outChannels, , kernelHeight, kernelWidth] = c.weight;
  return {
    batch,
    inChannels,
    height,
    width,
    outChannels,
    kernelHeight,
    kernelWidth,
    outHeight: c.output[2],
    outWidth: c.output[3],
    stride: c.stride,
    dilation: c.dilation,
    padTop: c.padding[0],
    padLeft: c.padding[1],
  };
}

/** Padding 'same' (stride 1): `D·(k − 1)` in total, the odd one bottom/right, so asymmetric for even spans. */
const arbSameGeometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    inChannels: fc.integer({ min: 1, max: 5 }),
    outChannels: fc.integer({ min: 1, max: 9 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    kernelHeight: fc.integer({ min: 1, max: 5 }),
    kernelWidth: fc.integer({ min: 1, max: 5 }),
    dH: fc.integer({ min: 1, max: 3 }),
    dW: fc.integer({ min: 1, max: 3 }),
  })
  .map(({ dH, dW, ...g }): ConvGeometry => ({
    ...g,
    outHeight: g.height,
    outWidth: g.width,
    stride: [1, 1],
    dilation: [dH, dW],
    padTop: Math.floor((dH * (g.kernelHeight - 1)) / 2),
    padLeft: Math.floor((dW * (g.kernelWidth - 1)) / 2),
  }));

/** 1×1 kernels, stride 1, no padding: the path that skips im2col. */
const arbPointwiseGeometry = arbConv2dConfig({ maxKernel: 1, maxStride: 1, maxPadding: 0, maxChannels: 9, maxOutput: 9 }).map(geometry);

const arbGeometry = fc.oneof(
  { weight: 3, arbitrary: arbConv2dConfig({ maxBatch: 3, maxChannels: 9, maxKernel: 5, maxStride: 3, maxPadding: 3, maxDilation: 3, maxOutput: 9 }).map(geometry) },
  { weight: 1, arbitrary: arbSameGeometry },
  { weight: 1, arbitrary: arbPointwiseGeometry },
);

const arbCase = fc.tuple(arbGeometry, fc.nat());

function values(length: number, seed: number): Float32Array {
  return randn([length], new Rng(seed)).data;
}

const abs = (x: Float32Array): Float32Array => x.map(Math.abs);

function sizes(g: ConvGeometry) {
  const x = g.batch * g.inChannels * g.height * g.width;
  const w = g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth;
  const y = g.batch * g.outChannels * g.outHeight * g.outWidth;
  return { x, w, y };
}

/** The first element outside `(terms + 2)·u·magnitude`, or null when all are inside. */
function firstViolation(actual: Float32Array, expected: Float32Array, magnitude: Float32Array, terms: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = (terms + 2) * u * magnitude[i];
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      return { index: i, actual: actual[i], expected: expected[i], bound };
    }
  }
  return null;
}

/** The three kernels under test: the fast entry points, or their TypeScript fallbacks. */
interface Kernels {
  conv2dForward: typeof fast.conv2dForward;
  conv2dInputGrad: typeof fast.conv2dInputGrad;
  conv2dWeightGrad: typeof fast.conv2dWeightGrad;
}

const fallback: Kernels = {
  conv2dForward: fast.conv2dForwardFallback,
  conv2dInputGrad: fast.conv2dInputGradFallback,
  conv2dWeightGrad: fast.conv2dWeightGradFallback,
};

/** Fast forward against the reference: `C·kH·kW` products, plus the bias. */
function forwardViolation(g: ConvGeometry, x: Float32Array, w: Float32Array, b: Float32Array | null, impl: Kernels = fast) {
  const expected = reference.conv2dForward(x, w, b, g);
  const magnitude = reference.conv2dForward(abs(x), abs(w), b === null ? null : abs(b), g);
  const terms = g.inChannels * g.kernelHeight * g.kernelWidth + 1;
  return firstViolation(impl.conv2dForward(x, w, b, g), expected, magnitude, terms);
}

/** Fast input gradient against the reference: `K·kH·kW` products, plus col2im's float32 adds. */
function inputGradViolation(g: ConvGeometry, gy: Float32Array, w: Float32Array, impl: Kernels = fast) {
  const expected = reference.conv2dInputGrad(gy, w, g);
  const magnitude = reference.conv2dInputGrad(abs(gy), abs(w), g);
  const terms = (g.outChannels + 1) * g.kernelHeight * g.kernelWidth;
  return firstViolation(impl.conv2dInputGrad(gy, w, g), expected, magnitude, terms);
}

/** Fast weight gradient against the reference: `N·oH·oW` products, plus one rounding per sample. */
function weightGradViolation(g: ConvGeometry, x: Float32Array, gy: Float32Array, impl: Kernels = fast) {
  const expected = reference.conv2dWeightGrad(x, gy, g);
  const magnitude = reference.conv2dWeightGrad(abs(x), abs(gy), g);
  const terms = g.batch * (g.outHeight * g.outWidth + 1);
  return firstViolation(impl.conv2dWeightGrad(x, gy, g), expected, magnitude, terms);
}

/** Random x, w, bias and output gradient for `g`, drawn from `seed`. */
function operands(g: ConvGeometry, seed: number) {
  const n = sizes(g);
  return { x: values(n.x, seed), w: values(n.w, seed + 1), b: values(g.outChannels, seed + 2), gy: values(n.y, seed + 3) };
}

/** The LeNet-5-style layers of the MNIST example: 5x5 kernels, 1→8 channels (pad 2), 8→16. */
function lenetLayer(batch: number, inChannels: number, size: number, outChannels: number, pad: number): ConvGeometry {
  const out = size + 2 * pad - 4;
  return {
    batch, inChannels, height: size, width: size, outChannels, kernelHeight: 5, kernelWidth: 5,
    outHeight: out, outWidth: out, stride: [1, 1], dilation: [1, 1], padTop: pad, padLeft: pad,
  };
}

describe('fast conv2d kernels', () => {
  test.prop([arbCase], runs)('for any conv config, fast forward (with bias) equals the reference', ([g, seed]) => {
    const { x, w, b } = operands(g, seed);
    expect(forwardViolation(g, x, w, b)).toBeNull();
  });

  test.prop([arbCase], runs)('for any conv config, fast input gradient equals the reference', ([g, seed]) => {
    const { w, gy } = operands(g, seed);
    expect(inputGradViolation(g, gy, w)).toBeNull();
  });

  test.prop([arbCase], runs)('for any conv config, fast weight gradient equals the reference', ([g, seed]) => {
    const { x, gy } = operands(g, seed);
    expect(weightGradViolation(g, x, gy)).toBeNull();
  });

  test.prop([arbCase], runs)('col2im is the adjoint of im2col: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩', ([g, seed]) => {
    const plane = g.inChannels * g.height * g.width;
    const rows = g.inChannels * g.kernelHeight * g.kernelWidth;
    const cols = rows * g.outHeight * g.outWidth;
    const x = values(plane, seed);
    const c = values(cols, seed + 1);
    const unfolded = new Float32Array(cols).fill(Number.NaN);
    im2col(x, 0, g, unfolded);
    const folded = new Float32Array(plane);
    col2im(c, g, folded, 0);
    let left = 0;
    let right = 0;
    let magnitude = 0;
    for (let i = 0; i < cols; i++) left += unfolded[i] * c[i];
    for (let i = 0; i < plane; i++) right += x[i] * folded[i];
    for (let i = 0; i < cols; i++) magnitude += Math.abs(unfolded[i] * c[i]);
    expect(Math.abs(left - right)).toBeLessThanOrEqual((g.kernelHeight * g.kernelWidth + 2) * u * magnitude + 1e-30);
  });

  test("im2col of a 3x3 image, 2x2 kernel, padding 'same': the one zero row/column is implicit, bottom/right", () => {
    // 'same' with an even kernel: total padding 1, all of it on the bottom/right, so padTop = 0.
    const g: ConvGeometry = {
      batch: 1, inChannels: 1, height: 3, width: 3, outChannels: 1, kernelHeight: 2, kernelWidth: 2,
      outHeight: 3, outWidth: 3, stride: [1, 1], dilation: [1, 1], padTop: 0, padLeft: 0,
    };
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const cols = new Float32Array(4 * 9);
    im2col(x, 0, g, cols);
    expect(Array.from(cols)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, // tap (0,0)
      2, 3, 0, 5, 6, 0, 8, 9, 0, // tap (0,1): the right column reads the implicit padding
      4, 5, 6, 7, 8, 9, 0, 0, 0, // tap (1,0): the bottom row reads the implicit padding
      5, 6, 0, 8, 9, 0, 0, 0, 0, // tap (1,1)
    ]);
  });

  test('LeNet layer shapes (batch 4): fast forward and both gradients equal the reference', () => {
    for (const g of [lenetLayer(4, 1, 28, 8, 2), lenetLayer(4, 8, 14, 16, 0)]) {
      const { x, w, b, gy } = operands(g, 1);
      expect(forwardViolation(g, x, w, b)).toBeNull();
      expect(inputGradViolation(g, gy, w)).toBeNull();
      expect(weightGradViolation(g, x, gy)).toBeNull();
    }
  });
});

describe('TypeScript fallback conv2d kernels (operands too big for the WASM memory)', () => {
  test.prop([arbCase], runs)('for any conv config, fallback forward (with bias) equals the reference', ([g, seed]) => {
    const { x, w, b } = operands(g, seed);
    expect(forwardViolation(g, x, w, b, fallback)).toBeNull();
  });

  test.prop([arbCase], runs)('for any conv config, fallback input gradient equals the reference', ([g, seed]) => {
    const { w, gy } = operands(g, seed);
    expect(inputGradViolation(g, gy, w, fallback)).toBeNull();
  });

  test.prop([arbCase], runs)('for any conv config, fallback weight gradient equals the reference', ([g, seed]) => {
    const { x, gy } = operands(g, seed);
    expect(weightGradViolation(g, x, gy, fallback)).toBeNull();
  });
});
