import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, tensor } from '../../../src/ops/index.js';
import { huber, mae, mse } from '../../../src/models/losses/mse.js';
import { arbShape, arbTensorOfShape, checkGradients, type ArbTensorOptions } from '../../../src/testing/index.js';
import type { Reduction } from '../../../src/models/losses/reduction.js';

const runs = { numRuns: 30 };
const arbReductionName = fc.constantFrom<Reduction>('mean', 'sum', 'none');

/** Two tensors of the same random shape (rank 0–3). */
const samePair = (opts: ArbTensorOptions = {}) =>
  arbShape({ rank: [0, 3], dim: [1, 3] }).chain((s) => fc.tuple(arbTensorOfShape(s, opts), arbTensorOfShape(s, opts)));

/** Pairs whose element-wise differences stay away from `kinks` (finite differences need it). */
const pairAwayFrom = (kinks: (a: number, b: number) => number[]) =>
  samePair().filter(([a, b]) =>
    Array.from(a.data).every((v, i) => kinks(v, b.data[i]).every((k) => Math.abs(k) > 0.05)),
  );

describe('mse', () => {
  test.prop([samePair(), arbReductionName], runs)(
    'mse gradient matches finite differences, with respect to both pred and target',
    ([pred, target], reduction) => {
      checkGradients((p, t) => mse(p, t, { reduction }), [pred, target]);
    },
  );

  test.prop([samePair()], runs)('for any pred, mse(pred, pred) = 0 and mse ≥ 0', ([pred, target]) => {
    expect(mse(pred, pred).item()).toBe(0);
    expect(mse(pred, target).item()).toBeGreaterThanOrEqual(0);
  });

  test('worked example: [1, 2, 3] against [1, 2, 5] gives 4/3, sum 4, terms [0, 0, 4]', () => {
    const pred = tensor([1, 2, 3]);
    const target = tensor([1, 2, 5]);
    expect(mse(pred, target).item()).toBeCloseTo(4 / 3, 6);
    expect(mse(pred, target, { reduction: 'sum' }).item()).toBe(4);
    expect(mse(pred, target, { reduction: 'none' }).toArray()).toEqual([0, 0, 4]);
  });

  test('the gradient of the mean is 2(pred − target)/n', () => {
    const pred = tensor([1, 2, 3], undefined, { requiresGrad: true });
    backward(mse(pred, tensor([1, 0, 5])));
    expect(Array.from(pred.grad!.data).map((v) => +v.toFixed(6))).toEqual([0, 1.333333, -1.333333]);
  });

  test("'none' keeps pred's shape; 'mean' and 'sum' are scalars", () => {
    const pred = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(mse(pred, pred, { reduction: 'none' }).shape).toEqual([2, 3]);
    expect(mse(pred, pred, { reduction: 'sum' }).shape).toEqual([]);
    expect(mse(pred, pred).shape).toEqual([]);
  });

  test('shapes must match exactly: [2,1] against [2] is a ShapeError, not a broadcast', () => {
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => mse(tensor([[1], [2]]), tensor([1, 2]))).toThrow(
      'mse: pred [2,1] and target [2] must have the same shape (losses do not broadcast)',
    );
  });

  test('bad arguments are ArgumentErrors naming mse', () => {
    expect(() => mse(tensor([1]), tensor([1]), { reduction: 'avg' as Reduction })).toThrow(
      "mse: reduction must be 'mean', 'sum' or 'none', found 'avg'",
    );
    expect(() => mse(tensor([1]), tensor([1]), { reduce: 'sum' } as never)).toThrow(
      "mse: unknown option 'reduce' (expected one of reduction)",
    );
    expect(() => mse([1] as unknown as Tensor, tensor([1]))).toThrow(ArgumentError);
    expect(() => mse([1] as unknown as Tensor, tensor([1]))).toThrow('mse: pred must be a Tensor, found an array');
    expect(() => mse(tensor([1]), 1 as unknown as Tensor)).toThrow('mse: target must be a Tensor, found number');
  });
});

describe('mae', () => {
  test.prop([pairAwayFrom((a, b) => [a - b]), arbReductionName], runs)(
    'mae gradient matches finite differences (away from pred = target), for both arguments',
    ([pred, target], reduction) => {
      checkGradients((p, t) => mae(p, t, { reduction }), [pred, target]);
    },
  );

  test('worked example: [1, 2, 3] against [2, 2, 5] gives 1, sum 3, terms [1, 0, 2]', () => {
    const pred = tensor([1, 2, 3]);
    const target = tensor([2, 2, 5]);
    expect(mae(pred, target).item()).toBe(1);
    expect(mae(pred, target, { reduction: 'sum' }).item()).toBe(3);
    expect(mae(pred, target, { reduction: 'none' }).toArray()).toEqual([1, 0, 2]);
  });

  test('errors: shape mismatch and unknown reduction', () => {
    expect(() => mae(tensor([1, 2, 3]), tensor([1, 2]))).toThrow('mae: pred [3] and target [2] must have the same shape');
    expect(() => mae(tensor([1]), tensor([1]), { reduction: 'max' as Reduction })).toThrow(
      "mae: reduction must be 'mean', 'sum' or 'none', found 'max'",
    );
  });
});

describe('huber', () => {
  test.prop([pairAwayFrom((a, b) => [a - b]), fc.double({ min: 0.3, max: 2, noNaN: true }), arbReductionName], runs)(
    'huber gradient matches finite differences for any delta, for both arguments',
    ([pred, target], delta, reduction) => {
      checkGradients((p, t) => huber(p, t, { delta, reduction }), [pred, target]);
    },
  );

  test.prop([samePair({ min: -3, max: 3 }), fc.double({ min: 0.1, max: 3, noNaN: true })], runs)(
    'for any delta, each term is ½d² inside |d| < δ and δ(|d| − ½δ) outside',
    ([pred, target], delta) => {
      const terms = huber(pred, target, { delta, reduction: 'none' });
      terms.data.forEach((v, i) => {
        const d = Math.abs(pred.data[i] - target.data[i]);
        const expected = d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
        expect(v).toBeCloseTo(expected, 4);
      });
    },
  );

  test('worked example: differences 0.5 and 3 give 0.125 and 2.5 (δ = 1), 4 for 3 with δ = 2', () => {
    const pred = tensor([0.5, 3]);
    const target = tensor([0, 0]);
    expect(huber(pred, target, { reduction: 'none' }).toArray()).toEqual([0.125, 2.5]);
    expect(huber(pred, target).item()).toBeCloseTo(1.3125, 6);
    expect(huber(tensor([3]), tensor([0]), { delta: 2, reduction: 'sum' }).item()).toBe(4);
  });

  test('the gradient is bounded by δ: a far outlier pulls with δ/n, not with its distance', () => {
    const pred = tensor([100, 0.5], undefined, { requiresGrad: true });
    backward(huber(pred, tensor([0, 0]), { delta: 1.5 }));
    expect(Array.from(pred.grad!.data)).toEqual([0.75, 0.25]);
  });

  test('errors: delta must be > 0, shapes must match, options must be known', () => {
    const x = tensor([1]);
    expect(() => huber(x, x, { delta: 0 })).toThrow('huber: delta must be a finite number > 0, found 0');
    expect(() => huber(x, x, { delta: -1 })).toThrow(ArgumentError);
    expect(() => huber(x, x, { delta: NaN })).toThrow('huber: delta must be a finite number > 0, found NaN');
    expect(() => huber(x, tensor([[1]]))).toThrow('huber: pred [1] and target [1,1] must have the same shape');
    expect(() => huber(x, x, { beta: 1 } as never)).toThrow("huber: unknown option 'beta' (expected one of delta, reduction)");
  });
});
