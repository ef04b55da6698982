import { describe, expect, test } from 'vitest';
import {
  add,
  backward,
  grad,
  mul,
  noGrad,
  ones,
  sum,
  tensor,
  valueAndGrad,
  ArgumentError,
  ShapeError,
} from '../../src/ops/index.js';

describe('autograd', () => {
  test('a tensor used twice receives the sum of both paths (d(x·x)/dx = 2x)', () => {
    const x = tensor([3, -1], undefined, { requiresGrad: true });
    backward(sum(mul(x, x)));
    expect(Array.from(x.grad!.data)).toEqual([6, -2]);
  });

  test('.grad accumulates across backward calls, as in PyTorch', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    backward(sum(x));
    backward(sum(x));
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
  });

  test('noGrad records nothing and restores grad mode even when fn throws', () => {
    const x = tensor([1], undefined, { requiresGrad: true });
    expect(noGrad(() => add(x, x)).requiresGrad).toBe(false);
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(add(x, x).requiresGrad).toBe(true);
  });

  test('detach cuts the graph: no gradient flows through a detached tensor', () => {
    const x = tensor([2], undefined, { requiresGrad: true });
    const y = mul(x, x.detach());
    backward(sum(y));
    expect(x.grad!.item()).toBe(2);
  });

  test('backward of a non-scalar without a seed names the shape', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    expect(() => backward(mul(x, 2))).toThrow(ShapeError);
    expect(() => backward(mul(x, 2))).toThrow('found loss of shape [2]');
  });

  test('backward with a seed computes a vector-Jacobian product', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    backward(mul(x, 3), tensor([1, 10]));
    expect(Array.from(x.grad!.data)).toEqual([3, 30]);
  });

  test('backward with a seed of the wrong shape is rejected', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    expect(() => backward(mul(x, 3), ones([3]))).toThrow('seed gradient shape [3] does not match loss shape [2]');
  });

  test('backward on a loss that needs no grad explains why', () => {
    expect(() => backward(sum(tensor([1, 2])))).toThrow(ArgumentError);
  });

  test('a deep chain (20,000 ops) back-propagates without overflowing the stack', () => {
    const x = tensor([1], undefined, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20_000; i++) y = add(y, 0);
    backward(sum(y));
    expect(x.grad!.item()).toBe(1);
  });

  test('valueAndGrad returns the value and every gradient without touching the inputs', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const [value, [ga, gb]] = valueAndGrad((x, y) => sum(mul(x, y)))(a, b);
    expect(value.item()).toBe(11);
    expect(Array.from(ga.data)).toEqual([3, 4]);
    expect(Array.from(gb.data)).toEqual([1, 2]);
    expect(a.grad).toBeNull();
    expect(grad((x) => sum(mul(x, x)))(a)[0].toArray()).toEqual([2, 4]);
  });
});
