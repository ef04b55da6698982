import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { add, sub, mul, div, neg, tensor, backward, ShapeError } from '../../src/ops/index.js';
import { arbBroadcastShapes, arbTensor, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };
const pair = (opts = {}) =>
  arbBroadcastShapes({ rank: [0, 3], dim: [1, 3] }).chain(([a, b]) =>
    fc.tuple(arbTensorOfShape(a, opts), arbTensorOfShape(b, opts)),
  );

describe('add, sub, mul, div, neg', () => {
  test.prop([pair()], runs)('add gradient matches finite differences, with broadcasting', ([a, b]) => {
    checkGradients(add, [a, b]);
  });
  test.prop([pair()], runs)('sub gradient matches finite differences, with broadcasting', ([a, b]) => {
    checkGradients(sub, [a, b]);
  });
  test.prop([pair()], runs)('mul gradient matches finite differences, with broadcasting', ([a, b]) => {
    checkGradients(mul, [a, b]);
  });
  test.prop([pair({ min: 0.5, max: 2 })], runs)('div gradient matches finite differences (denominators away from 0)', ([a, b]) => {
    checkGradients(div, [a, b]);
  });
  test.prop([arbTensor()], runs)('neg gradient matches finite differences', (x) => {
    checkGradients(neg, [x]);
  });

  test('broadcasting follows NumPy: [2,1,3] + [4,1] -> [2,4,3]', () => {
    const a = tensor(new Array(6).fill(1), [2, 1, 3]);
    const b = tensor([10, 20, 30, 40], [4, 1]);
    const c = add(a, b);
    expect(c.shape).toEqual([2, 4, 3]);
    expect(Array.from(c.data.slice(0, 6))).toEqual([11, 11, 11, 21, 21, 21]);
  });

  test('a number operand is a scalar constant', () => {
    expect(Array.from(mul(tensor([1, 2]), 3).data)).toEqual([3, 6]);
    expect(Array.from(sub(1, tensor([1, 2])).data)).toEqual([0, -1]);
  });

  test('incompatible shapes throw a ShapeError naming the op and both shapes', () => {
    expect(() => add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => mul(tensor([1, 2, 3]), tensor([1, 2]))).toThrow('mul: shapes [3] and [2] cannot be broadcast');
  });

  test('a non-tensor operand is rejected by name', () => {
    expect(() => add(tensor([1]), [1, 2] as never)).toThrow('add: b must be a Tensor or a number, found an array');
  });

  test('f(x,y,z) = (x+y)·z at (−2, 5, −4) has gradients (−4, −4, 3) (CS231n backprop notes)', () => {
    const x = tensor(-2, undefined, { requiresGrad: true });
    const y = tensor(5, undefined, { requiresGrad: true });
    const z = tensor(-4, undefined, { requiresGrad: true });
    const f = mul(add(x, y), z);
    expect(f.item()).toBe(-12);
    backward(f);
    expect([x.grad!.item(), y.grad!.item(), z.grad!.item()]).toEqual([-4, -4, 3]);
  });
});
