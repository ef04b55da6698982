/**
 * The fast paths of the element-wise, reduction and pooling ops agree with the general code
 * or the reference formula they replace, bit for bit, on random shapes: the layouts a fast
 * path takes and the ones it rejects (which must fall back).
 */
import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Tensor, add, backward, div, maxPool2d, mul, relu, sub, sum, tensor } from '../../src/ops/index.js';
import { broadcastTo, sumTo } from '../../src/ops/broadcast.js';
import { broadcastInto, collapseAgainst, foldInto, mapBinary, sumInto } from '../../src/ops/kernels/strided.js';
import { isPool2x2, maxPool2dForward, maxPool2x2Forward } from '../../src/ops/kernels/pool2d.js';
import { pool2dGeometry } from '../../src/ops/pool-options.js';
import { arbBroadcastShapes, arbPool2dConfig } from '../../src/testing/index.js';

const runs = { numRuns: 60 };

/** Float32 values with the awkward ones over-represented: NaN, ±0, ±∞, ties. */
const arbSpecial = fc.oneof(
  fc.constantFrom(Number.NaN, 0, -0, Infinity, -Infinity, 1, -1),
  fc.float({ noDefaultInfinity: true, noNaN: true }),
);

/** A tensor of `shape` filled from `values`. */
function arbFilled(shape: readonly number[], values: fc.Arbitrary<number>): fc.Arbitrary<Tensor> {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc.array(values, { minLength: size, maxLength: size }).map((v) => new Tensor(Float32Array.from(v), shape));
}

/** Element-wise identity that tells NaN from NaN as equal and −0 from +0 as different. */
function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`element ${i}: expected ${String(expected[i])}, found ${String(actual[i])}`);
    }
  }
}

describe('relu fast loops', () => {
  const arbCase = fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 })
    .chain((shape) => fc.tuple(arbFilled(shape, arbSpecial), arbFilled(shape, arbSpecial)));

  prop.prop([arbCase], runs)('for any x, relu(x) is Math.max(0, x) element by element, NaN and ±0 included', ([x]) => {
    expectSameBits(relu(x).data, Array.from(x.data, (v) => Math.fround(Math.max(0, v))));
  });

  prop.prop([arbCase], runs)('for any x and seed g, the gradient is g·(x > 0 ? 1 : 0), NaN, ±∞ and ±0 included', ([x, g]) => {
    const leaf = new Tensor(x.data, x.shape, true);
    backward(relu(leaf), g);
    expectSameBits(leaf.grad!.data, Array.from(x.data, (v, i) => Math.fround(g.data[i] * (v > 0 ? 1 : 0))));
  });

  test('relu keeps a NaN whose sign bit is set (x86’s default NaN, from 0/0 in float32 code)', () => {
    const bits = Int32Array.from([0xffc00000 | 0, 0xff800000 | 0, 0x80000000 | 0, 0x7fc00001]);
    const x = new Tensor(new Float32Array(bits.buffer), [4]);
    const y = relu(x).data;
    expect(Number.isNaN(y[0])).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true); // −∞ → +0
    expect(Object.is(y[2], 0)).toBe(true); // −0 → +0
    expect(Number.isNaN(y[3])).toBe(true);
  });

  test('relu of a view with an offset reads only its own elements', () => {
    const buffer = Float32Array.from([-5, 7, -1, 2, 9]);
    const view = new Tensor(buffer.subarray(1, 4), [3]);
    expect(relu(view).toArray()).toEqual([7, 0, 2]);
  });
});

describe('binary op fast paths', () => {
  const ops = [
    { name: 'add', op: add, f: (x: number, y: number) => x + y },
    { name: 'sub', op: sub, f: (x: number, y: number) => x - y },
    { name: 'mul', op: mul, f: (x: number, y: number) => x * y },
    { name: 'div', op: div, f: (x: number, y: number) => x / y },
  ];
  /** Two broadcastable shapes, filled, with the operands swapped half the time. */
  const arbOperands = fc
    .tuple(arbBroadcastShapes({ rank: [0, 4], dim: [1, 4] }), fc.boolean())
    .chain(([[s1, s2], swap]) => fc.tuple(arbFilled(swap ? s2 : s1, arbSpecial), arbFilled(swap ? s1 : s2, arbSpecial)));
  /** Layouts the fast path takes: a bias [C] or [C, 1, 1] against a batch, either side. */
  const arbBias = fc
    .record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), hw: fc.integer({ min: 1, max: 3 }), image: fc.boolean(), swap: fc.boolean() })
    .chain(({ n, c, hw, image, swap }) => {
      const big = image ? [n, c, hw, hw] : [n, c];
      const small = image ? [c, 1, 1] : [c];
      return fc.tuple(arbFilled(swap ? small : big, arbSpecial), arbFilled(swap ? big : small, arbSpecial));
    });

  for (const { name, op, f } of ops) {
    prop.prop([fc.oneof(arbOperands, arbBias)], runs)(`${name} equals the general broadcasting loop for any shapes, bit for bit`, ([a, b]) => {
      const shape = op(a, b).shape;
      const general = mapBinary(a.data, a.shape, b.data, b.shape, shape, f);
      expectSameBits(op(a, b).data, general);
    });
  }

  test('a bias [C, 1, 1] is added per channel of [N, C, H, W]', () => {
    const x = new Tensor(new Float32Array(2 * 2 * 1 * 2), [2, 2, 1, 2]);
    expect(add(x, tensor([10, 20], [2, 1, 1])).toArray()).toEqual([[[[10, 10]], [[20, 20]]], [[[10, 10]], [[20, 20]]]]);
    expect(sub(tensor([1, 2, 3]), tensor([[1], [2]])).toArray()).toEqual([[0, 1, 2], [-1, 0, 1]]);
  });
});

describe('broadcastTo fast path', () => {
  const arbCase = arbBroadcastShapes({ rank: [0, 4], dim: [1, 4] }).chain(([s1, s2]) =>
    fc.tuple(arbFilled(s1, arbSpecial), fc.constant(broadcastShape(s1, s2))),
  );

  prop.prop([arbCase], runs)('broadcastInto equals the general broadcasting copy for any shapes, bit for bit', ([x, target]) => {
    const general = mapBinary(x.data, x.shape, Float32Array.of(0), [], target, (v) => v);
    expectSameBits(broadcastInto(x.data, x.shape, target), general);
  });

  test('a bias gradient [C] spread over [N, C] and [C, 1, 1] over [N, C, H, W]', () => {
    expect(broadcastTo(tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
    expect(broadcastTo(tensor([1, 2], [2, 1, 1]), [1, 2, 1, 2]).toArray()).toEqual([[[[1, 1]], [[2, 2]]]]);
    expect(broadcastTo(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
  });
});

/** The NumPy broadcast of two compatible shapes. */
function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => Math.max(a[a.length - rank + i] ?? 1, b[b.length - rank + i] ?? 1));
}

describe('sum fast paths', () => {
  /** A shape and a mask of which axes to reduce, with 1s among the dimensions. */
  const arbSumCase = fc
    .array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.boolean()), { minLength: 0, maxLength: 5 })
    .chain((dims) =>
      fc.tuple(
        arbFilled(
          dims.map(([d]) => d),
          fc.float({ min: -100, max: 100, noNaN: true }),
        ),
        fc.constant(dims.map(([, reduce]) => reduce)),
      ),
    );

  prop.prop([arbSumCase], runs)('sumInto equals foldInto with + for any shape and reduced axes, bit for bit', ([x, reduce]) => {
    const outShape = x.shape.map((d, i) => (reduce[i] ? 1 : d));
    const expected = foldInto(x.data, x.shape, new Float64Array(outShape.reduce((a, b) => a * b, 1)), outShape, (a, v) => a + v);
    expectSameBits(sumInto(x.data, x.shape, outShape), expected);
  });

  prop.prop([arbSumCase], runs)('sum over any axes equals summing each kept cell by hand', ([x, reduce]) => {
    const axes = reduce.flatMap((r, i) => (r ? [i] : []));
    const outShape = x.shape.map((d, i) => (reduce[i] ? 1 : d));
    const expected = new Float64Array(outShape.reduce((a, b) => a * b, 1));
    const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
    for (let flat = 0; flat < x.size; flat++) {
      let j = 0;
      x.shape.forEach((_, d) => {
        const index = Math.floor(flat / strides[d]) % x.shape[d];
        j += reduce[d] ? 0 : index * outStrides[d];
      });
      expected[j] += x.data[flat];
    }
    expect(Array.from(sum(x, axes, true).data)).toEqual(Array.from(expected, (v) => Math.fround(v)));
  });

  test('a conv bias gradient [N,C,H,W] → [C] collapses to [N, C, H·W] and sums to known values', () => {
    expect(collapseAgainst([64, 8, 28, 28], [1, 8, 1, 1])).toEqual({ sizes: [64, 8, 784], kept: [false, true, false] });
    // x[n, c, h, w] = c + 1, so each channel sums to (c + 1)·N·H·W = (c + 1)·2·2·3.
    const x = new Tensor(Float32Array.from({ length: 2 * 3 * 2 * 3 }, (_, i) => Math.floor(i / 6) % 3 + 1), [2, 3, 2, 3]);
    expect(sum(x, [0, 2, 3]).toArray()).toEqual([12, 24, 36]);
  });

  test('patterns with more than three groups fall back: [2,2,2,2] summed over axes 1 and 3', () => {
    expect(collapseAgainst([2, 2, 2, 2], [2, 1, 2, 1]).sizes).toEqual([2, 2, 2, 2]);
    const x = tensor(Array.from({ length: 16 }, (_, i) => i), [2, 2, 2, 2]);
    // out[a, c] = Σ_b Σ_d x[a, b, c, d] with x = 8a + 4b + 2c + d.
    expect(sum(x, [1, 3]).toArray()).toEqual([
      [0 + 1 + 4 + 5, 2 + 3 + 6 + 7],
      [8 + 9 + 12 + 13, 10 + 11 + 14 + 15],
    ]);
  });

  test('bias gradients through sumTo: [N, C] → [C] and [N, C, H, W] → [C, 1, 1]', () => {
    const g = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(sumTo(g, [3]).toArray()).toEqual([5, 7, 9]);
    expect(sumTo(g, [2, 1]).toArray()).toEqual([[6], [15]]);
    const image = new Tensor(Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, i) => i), [2, 2, 2, 2]);
    expect(sumTo(image, [2, 1, 1]).toArray()).toEqual([[[0 + 1 + 2 + 3 + 8 + 9 + 10 + 11]], [[4 + 5 + 6 + 7 + 12 + 13 + 14 + 15]]]);
  });

  test('sums over empty dimensions are 0', () => {
    const empty = new Tensor(new Float32Array(0), [0, 3]);
    expect(sum(empty, 0).toArray()).toEqual([0, 0, 0]);
    expect(sumTo(empty, [3]).toArray()).toEqual([0, 0, 0]);
  });
});

describe('maxPool2d 2×2 fast path', () => {
  const arbPool2x2 = fc
    .record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 4 }), w: fc.integer({ min: 1, max: 4 }) })
    .chain(({ n, c, h, w }) => arbFilled([n, c, 2 * h, 2 * w], fc.oneof(fc.constantFrom(Number.NaN, 0, -0, 1, -1), fc.integer({ min: -3, max: 3 }))));

  prop.prop([arbPool2x2], runs)('on 2×2 windows at stride 2 it gives the general loop’s values and indices, ties and NaN included', (x) => {
    const g = pool2dGeometry('maxPool2d', x.shape, { kernelSize: 2 });
    expect(isPool2x2(g)).toBe(true);
    const fast = maxPool2x2Forward(x.data, g);
    const general = maxPool2dForward(x.data, g);
    expectSameBits(fast.out, general.out);
    expect(Array.from(fast.argmax)).toEqual(Array.from(general.argmax));
  });

  prop.prop([arbPool2dConfig()], runs)('for any pooling configuration, maxPool2d equals the general loop (other shapes fall back)', (config) => {
    const size = config.input.reduce((a, b) => a * b, 1);
    const x = new Tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898) * 3), config.input);
    const opts = { kernelSize: config.kernelSize, stride: config.stride, padding: config.padding };
    const g = pool2dGeometry('maxPool2d', x.shape, opts);
    expectSameBits(maxPool2d(x, opts).data, maxPool2dForward(x.data, g).out);
  });

  test('isPool2x2 rejects other windows, strides and padding', () => {
    const shape = [1, 1, 4, 4];
    expect(isPool2x2(pool2dGeometry('maxPool2d', shape, { kernelSize: 2, stride: 1 }))).toBe(false);
    expect(isPool2x2(pool2dGeometry('maxPool2d', shape, { kernelSize: 2, padding: 1 }))).toBe(false);
    expect(isPool2x2(pool2dGeometry('maxPool2d', shape, { kernelSize: [2, 4], stride: 2 }))).toBe(false);
    expect(isPool2x2(pool2dGeometry('maxPool2d', [1, 1, 6, 6], { kernelSize: 3 }))).toBe(false);
  });

  test('the gradient goes to each window’s first maximum, and the input must still fit the window', () => {
    const x = new Tensor(Float32Array.from([1, 3, 3, 0, 2, 2, 5, 5]), [1, 1, 2, 4], true);
    const y = maxPool2d(x, { kernelSize: 2 });
    expect(y.toArray()).toEqual([[[[3, 5]]]]);
    backward(y, tensor([[[[10, 20]]]]));
    expect(Array.from(x.grad!.data)).toEqual([0, 10, 0, 0, 0, 0, 20, 0]);
    expect(() => maxPool2d(new Tensor(new Float32Array(9), [1, 1, 3, 3]), { kernelSize: 2 })).toThrow(/maxPool2d/);
  });
});
