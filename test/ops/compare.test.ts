import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { add, backward, sum, tensor, ArgumentError, ShapeError, Tensor } from '../../src/ops/index.js';
import { clip, maximum, minimum, where } from '../../src/ops/compare.js';
import { arbBroadcastShapes, arbShape, arbTensor, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** Snaps values to multiples of 0.1 plus `offset`, so a tensor snapped with offset 0 and one with 0.05 never tie. */
const onGrid = (t: Tensor, offset: number): Tensor =>
  new Tensor(Float32Array.from(t.data, (v) => Math.round(v * 10) / 10 + offset), t.shape);

/** Two broadcastable tensors whose values are at least 0.05 apart everywhere (no ties within h). */
const untiedPair = arbBroadcastShapes({ rank: [0, 3], dim: [1, 3] }).chain(([a, b]) =>
  fc.tuple(arbTensorOfShape(a).map((t) => onGrid(t, 0)), arbTensorOfShape(b).map((t) => onGrid(t, 0.05))),
);

/** Three shapes that broadcast together: each is a base shape with some dimensions set to 1 and some leading ones dropped. */
const threeShapes = arbShape({ rank: [0, 3], dim: [1, 3] }).chain((base) => {
  const variant = fc
    .tuple(fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }), fc.nat({ max: base.length }))
    .map(([ones, drop]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
  return fc.tuple(variant, variant, variant);
});

describe('maximum, minimum', () => {
  test.prop([untiedPair], runs)('for any a, b without ties, maximum gradients match finite differences, with broadcasting', ([a, b]) => {
    checkGradients(maximum, [a, b]);
  });
  test.prop([untiedPair], runs)('for any a, b without ties, minimum gradients match finite differences, with broadcasting', ([a, b]) => {
    checkGradients(minimum, [a, b]);
  });

  test.prop([untiedPair], runs)('for any a, b, maximum(a, b) + minimum(a, b) = a + b and maximum >= minimum', ([a, b]) => {
    const hi = maximum(a, b);
    const lo = minimum(a, b);
    expect(Array.from(add(hi, lo).data)).toEqual(Array.from(add(a, b).data));
    hi.data.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(lo.data[i]));
  });

  test('worked examples, with a number operand', () => {
    expect(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([4, 5, 3]);
    expect(minimum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([1, 2, 3]);
    expect(maximum(tensor([-1, 2]), 0).toArray()).toEqual([0, 2]);
    expect(minimum(1, tensor([[0], [2]])).toArray()).toEqual([[0], [1]]);
  });

  test('NaN in either operand gives NaN', () => {
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(minimum(tensor([NaN]), tensor([0])).item()).toBeNaN();
  });

  test('at a tie the gradient is split equally (PyTorch), so maximum(x, x) has gradient 1', () => {
    const a = tensor([1, 2], undefined, { requiresGrad: true });
    const b = tensor([1, 3], undefined, { requiresGrad: true });
    backward(sum(maximum(a, b)));
    expect(Array.from(a.grad!.data)).toEqual([0.5, 0]);
    expect(Array.from(b.grad!.data)).toEqual([0.5, 1]);
    const x = tensor([4, -1], undefined, { requiresGrad: true });
    backward(sum(minimum(x, x)));
    expect(Array.from(x.grad!.data)).toEqual([1, 1]);
  });

  test('incompatible shapes throw a ShapeError naming the op and both shapes', () => {
    expect(() => maximum(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => minimum(tensor([1, 2, 3]), tensor([1, 2]))).toThrow('minimum: shapes [3] and [2] cannot be broadcast');
  });
});

describe('clip', () => {
  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3], awayFrom: [-1, 0.5] })], runs)(
    'for any x away from the bounds, clip(x, −1, 0.5) gradient matches finite differences',
    (x) => {
      checkGradients((t) => clip(t, -1, 0.5), [x]);
    },
  );
  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3], awayFrom: [0] })], runs)(
    'for any x away from 0, clip(x, 0, ∞) gradient matches finite differences (relu)',
    (x) => {
      checkGradients((t) => clip(t, 0, Infinity), [x]);
    },
  );

  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3], min: -5, max: 5 }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: 0, max: 3, noNaN: true })], runs)(
    'for any x and lo <= hi, lo <= clip(x, lo, hi) <= hi',
    (x, lo, width) => {
      const hi = Math.fround(lo + width);
      const loF = Math.fround(lo);
      clip(x, loF, hi).data.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(loF);
        expect(v).toBeLessThanOrEqual(hi);
      });
    },
  );

  test('worked examples: clip([−2, 0.5, 3], 0, 1) = [0, 0.5, 1]; an infinite bound is no bound', () => {
    expect(clip(tensor([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(clip(tensor([-2, 0.5, 3]), 0, Infinity).toArray()).toEqual([0, 0.5, 3]);
    expect(clip(tensor([-2, 0.5, 3]), -Infinity, 0).toArray()).toEqual([-2, 0, 0]);
    expect(clip(tensor([NaN]), 0, 1).item()).toBeNaN();
  });

  test('the gradient is 1 inside and at the bounds (as PyTorch clamp), 0 outside', () => {
    const x = tensor([-2, 0, 0.5, 1, 3], undefined, { requiresGrad: true });
    backward(sum(clip(x, 0, 1)));
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 1, 1, 0]);
  });

  test('bad bounds are rejected: lo > hi, NaN, non-numbers', () => {
    expect(() => clip(tensor([1]), 2, 1)).toThrow(ArgumentError);
    expect(() => clip(tensor([1]), 2, 1)).toThrow('clip: lower bound 2 is above upper bound 1 (input [1])');
    expect(() => clip(tensor([1]), NaN, 1)).toThrow('clip: lo must be a number (use ±Infinity for no bound), found NaN');
    expect(() => clip(tensor([1]), 0, undefined as never)).toThrow('clip: hi must be a number');
  });
});

describe('where', () => {
  test.prop(
    [
      threeShapes.chain(([c, a, b]) =>
        fc.tuple(
          fc.array(fc.boolean(), { minLength: c.reduce((p, d) => p * d, 1), maxLength: c.reduce((p, d) => p * d, 1) }).map(
            (bits) => tensor(bits.map(Number), c),
          ),
          arbTensorOfShape(a),
          arbTensorOfShape(b),
        ),
      ),
    ],
    runs,
  )('for any condition, a, b, the gradients to a and b match finite differences, with broadcasting', ([c, a, b]) => {
    // wrt a and b only: nudging the 0/1 condition by h would flip it, and it has no gradient.
    checkGradients(where, [c, a, b], { wrt: [1, 2] });
  });

  test.prop([arbTensor({ rank: [0, 3], dim: [1, 3] })], runs)('for any x, where(x > 0, x, 0) = clip(x, 0, ∞)', (x) => {
    const positive = new Tensor(Float32Array.from(x.data, (v) => (v > 0 ? 1 : 0)), x.shape);
    expect(Array.from(where(positive, x, 0).data)).toEqual(Array.from(clip(x, 0, Infinity).data));
  });

  test('worked example: where([1,0,1], [1,2,3], [4,5,6]) = [1,5,3]', () => {
    expect(where(tensor([1, 0, 1]), tensor([1, 2, 3]), tensor([4, 5, 6])).toArray()).toEqual([1, 5, 3]);
  });

  test('condition, a and b broadcast together; any nonzero (NaN included) counts as true', () => {
    expect(where(tensor([[1], [0]]), tensor([1, 2]), 0).toArray()).toEqual([[1, 2], [0, 0]]);
    expect(where(tensor([-0.5, NaN, 0]), 1, 2).toArray()).toEqual([1, 1, 2]);
  });

  test('the gradient goes to a where true, to b where false, none to the condition', () => {
    const c = tensor([1, 0, 1], undefined, { requiresGrad: true });
    const a = tensor([1, 2, 3], undefined, { requiresGrad: true });
    const b = tensor(4, undefined, { requiresGrad: true });
    backward(sum(where(c, a, b)));
    expect(Array.from(a.grad!.data)).toEqual([1, 0, 1]);
    expect(b.grad!.item()).toBe(1);
    expect(c.grad).toBeNull();
  });

  test('shapes that do not broadcast together throw a ShapeError naming all three', () => {
    expect(() => where(tensor([1, 0]), tensor([1, 2, 3]), 0)).toThrow(ShapeError);
    expect(() => where(tensor([1, 0]), tensor([1, 2]), tensor([1, 2, 3]))).toThrow(
      'where: shapes condition [2], a [2] and b [3] cannot be broadcast together',
    );
  });

  test('a condition that is not a tensor is rejected', () => {
    expect(() => where([1, 0] as never, 1, 2)).toThrow('where: condition must be a Tensor, found object');
    expect(() => where(tensor([1]), 'a' as never, 2)).toThrow('where: a must be a Tensor or a number, found string');
  });
});
