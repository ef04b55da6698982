import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { logSoftmax, softmax } from '../../src/ops/softmax.js';
import { ArgumentError, add, backward, tensor, Tensor } from '../../src/ops/index.js';
import { arbShape, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

/** A tensor of rank 1–3 and an axis of it (negative half the time), values in [min, max]. */
const tensorAndAxis = (min = -2, max = 2) =>
  arbShape({ rank: [1, 3], dim: [1, 4] }).chain((shape) =>
    fc.tuple(arbTensorOfShape(shape, { min, max }), fc.integer({ min: -shape.length, max: shape.length - 1 })),
  );

/** The slices of `t` along `axis`, each as a plain array. */
function slices(t: Tensor, axis: number): number[][] {
  const a = axis < 0 ? axis + t.rank : axis;
  const n = t.shape[a];
  const inner = t.shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const outer = t.size / (n * inner);
  const out: number[][] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      out.push(Array.from({ length: n }, (_, j) => t.data[o * n * inner + j * inner + i]));
    }
  }
  return out;
}

describe('softmax', () => {
  test.prop([tensorAndAxis()], runs)('softmax gradient matches finite differences, along any axis', ([x, axis]) => {
    checkGradients((t) => softmax(t, axis), [x]);
  });
  test.prop([tensorAndAxis(-20, 20)], runs)('for any x, every slice of softmax(x) along the axis is ≥ 0 and sums to 1', ([x, axis]) => {
    for (const row of slices(softmax(x, axis), axis)) {
      for (const p of row) expect(p).toBeGreaterThanOrEqual(0);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });
  test.prop([tensorAndAxis(), fc.double({ min: -50, max: 50, noNaN: true })], runs)(
    'for any x and c, softmax(x + c) = softmax(x) (invariant to a constant along the axis)',
    ([x, axis], c) => {
      const shifted = Array.from(softmax(add(x, c), axis).data);
      Array.from(softmax(x, axis).data).forEach((p, i) => expect(shifted[i]).toBeCloseTo(p, 5));
    },
  );
  test.prop([tensorAndAxis()], runs)('for any x, softmax(x + c) = softmax(x) when c differs between slices but not along the axis', ([x, axis]) => {
    const a = axis < 0 ? axis + x.rank : axis;
    const cShape = x.shape.map((d, i) => (i === a ? 1 : d));
    const c = new Tensor(Float32Array.from({ length: x.size / x.shape[a] }, (_, i) => 10 * i - 7), cShape);
    const shifted = Array.from(softmax(add(x, c), axis).data);
    Array.from(softmax(x, axis).data).forEach((p, i) => expect(shifted[i]).toBeCloseTo(p, 5));
  });
  test('the fused VJP equals Jᵀg with the softmax Jacobian J = diag(y) − y·yᵀ', () => {
    const x = tensor([0.5, -1, 2, 0.1], undefined, { requiresGrad: true });
    const g = [0.3, -0.7, 1.1, 0.2];
    const y = Array.from(softmax(x).data);
    backward(softmax(x), tensor(g));
    const expected = y.map((_, j) => y.reduce((acc, yi, i) => acc + g[i] * yi * ((i === j ? 1 : 0) - y[j]), 0));
    Array.from(x.grad!.data).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 6));
  });
  test('softmax([123, 456, 789]) is finite, sums to 1 and is ≈ [0, 0, 1]', () => {
    const y = Array.from(softmax(tensor([123, 456, 789])).data);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(y).toEqual([0, 0, 1]);
  });
  test('softmax([1, 2, 3]) = [0.0900, 0.2447, 0.6652]', () => {
    const y = Array.from(softmax(tensor([1, 2, 3])).data);
    [0.09003057, 0.24472847, 0.66524096].forEach((p, i) => expect(y[i]).toBeCloseTo(p, 6));
  });
  test('softmax along axis 0 of [[1, 2], [3, 4]] normalizes columns: [[0.1192, 0.1192], [0.8808, 0.8808]]', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const y = Array.from(softmax(x, 0).data);
    [0.11920292, 0.11920292, 0.88079708, 0.88079708].forEach((p, i) => expect(y[i]).toBeCloseTo(p, 6));
    expect(Array.from(softmax(x, -2).data)).toEqual(y);
  });
  test('softmax along the middle axis of a [2, 3, 2] tensor makes each of its 4 slices sum to 1', () => {
    const x = tensor(Array.from({ length: 12 }, (_, i) => Math.sin(i) * 3), [2, 3, 2]);
    const rows = slices(softmax(x, 1), 1);
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
  test('softmax of a rank-0 tensor is 1 (PyTorch accepts axis −1 or 0 there)', () => {
    expect(softmax(tensor(5)).item()).toBe(1);
    expect(softmax(tensor(5), 0).item()).toBe(1);
  });
  test('an axis out of range is rejected, naming the op and the shape', () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => softmax(x, 2)).toThrow(ArgumentError);
    expect(() => softmax(x, 2)).toThrow('softmax: axis 2 is out of range for x of shape [2,2] (expected an integer in [-2, 1])');
    expect(() => softmax(x, 0.5)).toThrow('softmax: axis 0.5 is out of range');
    expect(() => softmax(tensor(1), 1)).toThrow('softmax: axis 1 is out of range for x of shape [] (expected an integer in [-1, 0])');
  });
  test('a non-tensor input is rejected by name', () => {
    expect(() => softmax([1, 2] as never)).toThrow('softmax: x must be a Tensor or a number, found an array');
  });
  test('softmax does not mutate its input', () => {
    const x = tensor([3, 1, 2]);
    softmax(x);
    expect(Array.from(x.data)).toEqual([3, 1, 2]);
  });
});

describe('logSoftmax', () => {
  test.prop([tensorAndAxis()], runs)('logSoftmax gradient matches finite differences, along any axis', ([x, axis]) => {
    checkGradients((t) => logSoftmax(t, axis), [x]);
  });
  test.prop([tensorAndAxis(-5, 5)], runs)('for any moderate x, logSoftmax(x) = log(softmax(x))', ([x, axis]) => {
    const p = Array.from(softmax(x, axis).data);
    Array.from(logSoftmax(x, axis).data).forEach((l, i) => expect(l).toBeCloseTo(Math.log(p[i]), 5));
  });
  test.prop([tensorAndAxis(-1000, 1000)], runs)('for any finite x, logSoftmax(x) is finite and ≤ 0', ([x, axis]) => {
    for (const l of logSoftmax(x, axis).data) {
      expect(Number.isFinite(l)).toBe(true);
      expect(l).toBeLessThanOrEqual(0);
    }
  });
  test('the fused VJP equals Jᵀg with the log-softmax Jacobian J = I − 1·softmax(x)ᵀ', () => {
    const x = tensor([0.5, -1, 2, 0.1], undefined, { requiresGrad: true });
    const g = [0.3, -0.7, 1.1, 0.2];
    const p = Array.from(softmax(x).data);
    backward(logSoftmax(x), tensor(g));
    const expected = p.map((_, j) => g.reduce((acc, gi, i) => acc + gi * ((i === j ? 1 : 0) - p[j]), 0));
    Array.from(x.grad!.data).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 6));
  });
  test('logSoftmax([1000, 0]) is finite: [0, −1000], with gradient of its first entry [0, 0]', () => {
    const x = tensor([1000, 0], undefined, { requiresGrad: true });
    expect(Array.from(logSoftmax(x).data)).toEqual([0, -1000]);
    backward(logSoftmax(x), tensor([1, 0]));
    expect(Array.from(x.grad!.data, (v) => (v === 0 ? 0 : v))).toEqual([0, 0]);
  });
  test('logSoftmax along axis 0 of [[1, 2], [3, 4]] is log of the column softmax', () => {
    const y = Array.from(logSoftmax(tensor([[1, 2], [3, 4]]), 0).data);
    [Math.log(0.11920292), Math.log(0.11920292), Math.log(0.88079708), Math.log(0.88079708)].forEach((l, i) =>
      expect(y[i]).toBeCloseTo(l, 6),
    );
  });
  test('an axis out of range is rejected, naming the op and the shape', () => {
    expect(() => logSoftmax(tensor([1, 2, 3]), -2)).toThrow(
      'logSoftmax: axis -2 is out of range for x of shape [3] (expected an integer in [-1, 0])',
    );
  });
});
