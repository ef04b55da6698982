import { afterAll, beforeAll, describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import * as reference from '../../../src/ops/kernels/conv2d.js';
import type { ConvGeometry } from '../../../src/ops/kernels/conv2d.js';
import { getKernelThreads, setKernelThreads } from '../../../src/ops/kernels/threads/config.js';
import {
  convThreads,
  wasmConv2dForward,
  wasmConv2dInputGrad,
  wasmConv2dWeightGrad,
} from '../../../src/ops/kernels/wasm/conv2d.js';
import { parallelMinMultiplyAddsPerThread } from '../../../src/ops/kernels/wasm/parallel-gemm.js';
import { Rng, randn } from '../../../src/ops/index.js';
import { arbConv2dConfig, type Conv2dConfig } from '../../../src/testing/index.js';

/**
 * The WASM conv kernels, whole batches split by samples over the thread pool. Tolerance against
 * the float64 reference: `(terms + 2)·2⁻²⁴·Σ|products|`, `Σ|products|` being the reference run on
 * absolute values. Forward and input gradient must be the same bits for every thread count; the
 * weight gradient's partial sums are added per thread, so across thread counts it may differ by
 * twice that bound (both sides are within it of the reference), and repeated calls with the same
 * count must give the same bits.
 */
const u = 2 ** -24;
const runs = { numRuns: 40 };

const initial = getKernelThreads();
beforeAll(() => {
  setKernelThreads(2);
});
afterAll(() => {
  setKernelThreads(initial);
});

function geometry(c: Conv2dConfig): ConvGeometry {
  const [batch, inChannels, height, width] = c.input;
  const [outChannels, , kernelHeight, kernelWidth] = c.weight;
  return {
    batch, inChannels, height, width, outChannels, kernelHeight, kernelWidth,
    outHeight: c.output[2], outWidth: c.output[3], stride: c.stride, dilation: c.dilation,
    padTop: c.padding[0], padLeft: c.padding[1],
  };
}

/** Batch 1…9, channels 1…5, odd sizes, strides, paddings and dilations up to 3; 1×1 kernels included. */
const arbGeometry = arbConv2dConfig({ maxBatch: 9, maxChannels: 5, maxKernel: 5, maxStride: 3, maxPadding: 3, maxDilation: 3, maxOutput: 9 }).map(geometry);
const arbCase = fc.tuple(arbGeometry, fc.nat(), fc.integer({ min: 2, max: 4 }));

const values = (length: number, seed: number): Float32Array => randn([length], new Rng(seed)).data;
const abs = (x: Float32Array): Float32Array => x.map(Math.abs);

/** Random x, w and output gradient for `g`, drawn from `seed`. */
function operands(g: ConvGeometry, seed: number) {
  const x = g.batch * g.inChannels * g.height * g.width;
  const w = g.outChannels * g.inChannels * g.kernelHeight * g.kernelWidth;
  const y = g.batch * g.outChannels * g.outHeight * g.outWidth;
  return { x: values(x, seed), w: values(w, seed + 1), gy: values(y, seed + 2) };
}

function must(result: Float32Array | null): Float32Array {
  if (result === null) throw new Error('expected the operands to fit in the WASM memory, found null');
  return result;
}

/** The first element outside `scale·(terms + 2)·u·magnitude`, or null when all are inside. */
function firstViolation(actual: Float32Array, expected: Float32Array, magnitude: Float32Array, terms: number, scale = 1) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = scale * (terms + 2) * u * magnitude[i];
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) return { index: i, actual: actual[i], expected: expected[i], bound };
  }
  return null;
}

describe('WASM conv2d kernels', () => {
  test.prop([arbCase, fc.boolean()], runs)('forward (with or without bias) equals the reference, the same bits on 1 and on several threads', ([g, seed, threads], withBias) => {
    const { x, w } = operands(g, seed);
    const b = withBias ? values(g.outChannels, seed + 3) : null;
    const one = must(wasmConv2dForward(x, w, b, g, 1));
    const expected = reference.conv2dForward(x, w, b, g);
    const magnitude = reference.conv2dForward(abs(x), abs(w), b === null ? null : abs(b), g);
    expect(firstViolation(one, expected, magnitude, g.inChannels * g.kernelHeight * g.kernelWidth + 1)).toBeNull();
    expect(must(wasmConv2dForward(x, w, b, g, threads))).toEqual(one);
  });

  test.prop([arbCase], runs)('input gradient equals the reference, the same bits on 1 and on several threads', ([g, seed, threads]) => {
    const { w, gy } = operands(g, seed);
    const one = must(wasmConv2dInputGrad(gy, w, g, 1));
    const expected = reference.conv2dInputGrad(gy, w, g);
    const magnitude = reference.conv2dInputGrad(abs(gy), abs(w), g);
    expect(firstViolation(one, expected, magnitude, (g.outChannels + 1) * g.kernelHeight * g.kernelWidth)).toBeNull();
    expect(must(wasmConv2dInputGrad(gy, w, g, threads))).toEqual(one);
  });

  test.prop([arbCase], runs)('weight gradient equals the reference on any thread count, deterministic per count', ([g, seed, threads]) => {
    const { x, gy } = operands(g, seed);
    const expected = reference.conv2dWeightGrad(x, gy, g);
    const magnitude = reference.conv2dWeightGrad(abs(x), abs(gy), g);
    const terms = g.batch * (g.outHeight * g.outWidth + 1);
    const one = must(wasmConv2dWeightGrad(x, gy, g, 1));
    const split = must(wasmConv2dWeightGrad(x, gy, g, threads));
    expect(firstViolation(one, expected, magnitude, terms)).toBeNull();
    expect(firstViolation(split, expected, magnitude, terms)).toBeNull();
    expect(firstViolation(split, one, magnitude, terms, 2)).toBeNull();
    expect(must(wasmConv2dWeightGrad(x, gy, g, threads))).toEqual(split);
  });

  plain('a 3×3 image, 2×2 kernel of ones, stride 1: each output is the sum of its window', () => {
    const g: ConvGeometry = {
      batch: 1, inChannels: 1, height: 3, width: 3, outChannels: 1, kernelHeight: 2, kernelWidth: 2,
      outHeight: 2, outWidth: 2, stride: [1, 1], dilation: [1, 1], padTop: 0, padLeft: 0,
    };
    const x = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9);
    const w = Float32Array.of(1, 1, 1, 1);
    expect(Array.from(must(wasmConv2dForward(x, w, null, g)))).toEqual([12, 16, 24, 28]);
    expect(Array.from(must(wasmConv2dForward(x, w, Float32Array.of(0.5), g)))).toEqual([12.5, 16.5, 24.5, 28.5]);
    // Every input pixel collects one per window it lies in: 1 at the corners, 4 in the middle.
    expect(Array.from(must(wasmConv2dInputGrad(Float32Array.of(1, 1, 1, 1), w, g)))).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
    // dW[i, j] is the sum of the window shifted by (i, j): the forward outputs' windows again.
    expect(Array.from(must(wasmConv2dWeightGrad(x, Float32Array.of(1, 1, 1, 1), g)))).toEqual([12, 16, 24, 28]);
  });

  plain('a batch is split over the threads only when each gets enough multiply-adds, at most one per sample', () => {
    const lenet: ConvGeometry = {
      batch: 64, inChannels: 8, height: 14, width: 14, outChannels: 16, kernelHeight: 5, kernelWidth: 5,
      outHeight: 10, outWidth: 10, stride: [1, 1], dilation: [1, 1], padTop: 0, padLeft: 0,
    };
    expect(convThreads(lenet)).toBe(2);
    expect(convThreads({ ...lenet, batch: 1 })).toBe(1);
    const perSample = 16 * 8 * 25 * 100;
    expect(convThreads({ ...lenet, batch: Math.floor(parallelMinMultiplyAddsPerThread / perSample) })).toBe(1);
    setKernelThreads(1);
    expect(convThreads(lenet)).toBe(1);
    setKernelThreads(2);
  });
});
