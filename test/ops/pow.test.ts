import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, sum, tensor, ArgumentError, ShapeError } from '../../src/ops/index.js';
import { pow } from '../../src/ops/pow.js';
import { sqrt } from '../../src/ops/unary.js';
import { arbBroadcastShapes, arbTensor, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };
const shapes = arbBroadcastShapes({ rank: [0, 3], dim: [1, 3] });

describe('pow', () => {
  test.prop(
    [shapes.chain(([a, b]) => fc.tuple(arbTensorOfShape(a, { min: 0.5, max: 2 }), arbTensorOfShape(b, { min: -2, max: 2 })))],
    runs,
  )('for any x > 0 and p, both gradients match finite differences, with broadcasting', ([x, p]) => {
    checkGradients(pow, [x, p]);
  });

  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3] }), fc.integer({ min: 0, max: 3 })], runs)(
    'for any x (negative included) and a whole-number exponent, d/dx matches finite differences',
    (x, p) => {
      checkGradients((t) => pow(t, p), [x]);
    },
  );

  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3], min: 0, max: 3 })], runs)('for any x >= 0, pow(x, 1) = x and pow(x, 0.5) = √x', (x) => {
    expect(Array.from(pow(x, 1).data)).toEqual(Array.from(x.data));
    const root = sqrt(x);
    pow(x, 0.5).data.forEach((v, i) => expect(v).toBeCloseTo(root.data[i], 6));
  });

  test('worked examples: [1,2,3]² = [1,4,9]; 4^0.5 = 8^(1/3) = 2', () => {
    expect(pow(tensor([1, 2, 3]), 2).toArray()).toEqual([1, 4, 9]);
    const r = pow(tensor([4, 8]), tensor([0.5, 1 / 3]));
    expect(r.data[0]).toBe(2);
    expect(r.data[1]).toBeCloseTo(2, 6);
  });

  test('broadcasting: [2,1] base to a [3] exponent gives [2,3]', () => {
    const r = pow(tensor([[2], [3]]), tensor([0, 1, 2]));
    expect(r.toArray()).toEqual([[1, 2, 4], [1, 3, 9]]);
  });

  test('at x = 2, p = 3: d/dx = p·x^(p−1) = 12 and d/dp = x^p·ln x = 8 ln 2', () => {
    const x = tensor(2, undefined, { requiresGrad: true });
    const p = tensor(3, undefined, { requiresGrad: true });
    backward(pow(x, p));
    expect(x.grad!.item()).toBe(12);
    expect(p.grad!.item()).toBeCloseTo(8 * Math.LN2, 5);
  });

  test('at x = 0 the gradients follow PyTorch: d/dp = 0 for p >= 0, d/dx = 0 for p = 0', () => {
    const x = tensor([0, 0, 0], undefined, { requiresGrad: true });
    const p = tensor([2, 0, 0.5], undefined, { requiresGrad: true });
    const y = pow(x, p);
    expect(y.toArray()).toEqual([0, 1, 0]);
    backward(sum(y));
    expect(Array.from(p.grad!.data)).toEqual([0, 0, 0]);
    expect(x.grad!.data[0]).toBe(0); // 2·0¹
    expect(x.grad!.data[1]).toBe(0); // p = 0: constant 1
    expect(x.grad!.data[2]).toBe(Infinity); // 0.5·0^(−0.5)
  });

  test('a negative base gives a NaN exponent gradient (ln x is undefined), as PyTorch', () => {
    const x = tensor([-2], undefined, { requiresGrad: true });
    const p = tensor([2], undefined, { requiresGrad: true });
    backward(sum(pow(x, p)));
    expect(x.grad!.item()).toBe(-4);
    expect(p.grad!.item()).toBeNaN();
  });

  test('a number exponent gets no gradient and needs none', () => {
    const x = tensor([3], undefined, { requiresGrad: true });
    backward(sum(pow(x, 2)));
    expect(x.grad!.item()).toBe(6);
  });

  test('incompatible shapes throw a ShapeError naming pow and both shapes', () => {
    expect(() => pow(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => pow(tensor([1, 2, 3]), tensor([1, 2]))).toThrow('pow: shapes [3] and [2] cannot be broadcast');
  });

  test('a non-tensor exponent or base is rejected by name', () => {
    expect(() => pow(tensor([1]), '2' as never)).toThrow(ArgumentError);
    expect(() => pow(tensor([1]), '2' as never)).toThrow('pow: p must be a Tensor or a number, found string');
    expect(() => pow([1, 2] as never, 2)).toThrow('pow: x must be a Tensor or a number, found an array');
  });
});
