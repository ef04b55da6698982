import { describe, expect, test } from 'vitest';
import { test as prop } from '@fast-check/vitest';
import { sum, tensor, ArgumentError } from '../../src/ops/index.js';
import { arbReduction, checkGradients } from '../../src/testing/index.js';

describe('sum', () => {
  prop.prop([arbReduction()], { numRuns: 50 })('sum gradient matches finite differences for any axes and keepDims', ([x, axis, keepDims]) => {
    checkGradients((t) => sum(t, axis, keepDims), [x]);
  });

  prop.prop([arbReduction()], { numRuns: 50 })('for any x, summing over some axes then the rest equals the total', ([x, axis]) => {
    const total = x.data.reduce((s, v) => s + v, 0);
    expect(sum(sum(x, axis)).item()).toBeCloseTo(total, 3);
  });

  test('worked examples: sum over rows, columns, all, with keepDims', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x, 1).toArray()).toEqual([6, 15]);
    expect(sum(x, -1, true).shape).toEqual([2, 1]);
    expect(sum(x).item()).toBe(21);
    expect(sum(x).shape).toEqual([]);
  });

  test('a sum of many float32 values is accumulated in float64', () => {
    const x = tensor(new Float32Array(1_000_001).fill(0.1));
    expect(sum(x).item()).toBeCloseTo(100000.1, 0);
  });

  test('an axis out of range or repeated names the op and the rank', () => {
    expect(() => sum(tensor([[1, 2]]), 2)).toThrow(ArgumentError);
    expect(() => sum(tensor([[1, 2]]), 2)).toThrow('sum: axis 2 is out of range for a tensor of rank 2');
    expect(() => sum(tensor([[1, 2]]), [1, -1])).toThrow('sum: repeated axis in [1,-1]');
  });
});
