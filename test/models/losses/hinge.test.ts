import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, tensor } from '../../../src/ops/index.js';
import { hinge, squaredHinge } from '../../../src/models/losses/hinge.js';
import { arbTensorOfShape, checkGradients } from '../../../src/testing/index.js';
import type { Reduction } from '../../../src/models/losses/reduction.js';

const runs = { numRuns: 30 };
const arbReductionName = fc.constantFrom<Reduction>('mean', 'sum', 'none');

/** Scores [N, C], labels [N] and a margin, with every s_j − s_y + Δ kept away from the hinge at 0. */
const scoresLabelsMargin = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.double({ min: 0, max: 2, noNaN: true }))
  .chain(([n, c, margin]) =>
    fc.tuple(
      arbTensorOfShape([n, c], { min: -3, max: 3 }),
      fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      fc.constant(margin),
    ),
  )
  .filter(([s, ys, margin]) => {
    const c = s.shape[1];
    return ys.every((y, i) =>
      Array.from({ length: c }, (_, j) => j).every(
        (j) => j === y || Math.abs(s.data[i * c + j] - s.data[i * c + y] + margin) > 0.05,
      ),
    );
  });

/** Float64 reference: Σ_{j≠y} max(0, s_j − s_y + Δ)^power per row. */
function reference(scores: Tensor, labels: number[], margin: number, power: number): number[] {
  const c = scores.shape[1];
  return labels.map((y, i) => {
    let total = 0;
    for (let j = 0; j < c; j++) {
      if (j !== y) total += Math.max(0, scores.data[i * c + j] - scores.data[i * c + y] + margin) ** power;
    }
    return total;
  });
}

// CS231n, "Linear classification": three examples (cat, car, frog) over three classes.
const cs231nScores = tensor([
  [3.2, 5.1, -1.7],
  [1.3, 4.9, 2.0],
  [2.2, 2.5, -3.1],
]);

describe('hinge', () => {
  test.prop([scoresLabelsMargin, arbReductionName], runs)(
    'hinge gradient wrt the scores matches finite differences (away from the hinge)',
    ([scores, labels, margin], reduction) => {
      checkGradients((s) => hinge(s, labels, { margin, reduction }), [scores]);
    },
  );

  test.prop([scoresLabelsMargin], runs)('for any scores, each sample loss is Σ_{j≠y} max(0, s_j − s_y + Δ)', ([s, ys, margin]) => {
    const expected = reference(s, ys, margin, 1);
    hinge(s, ys, { margin, reduction: 'none' }).data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
  });

  test.prop([scoresLabelsMargin], runs)(
    'the loss is ≥ 0, and 0 once the true class wins by the margin',
    ([s, ys, margin]) => {
      expect(hinge(s, ys, { margin }).item()).toBeGreaterThanOrEqual(0);
      const c = s.shape[1];
      const winning = new Tensor(s.data.map((v, k) => (k % c === ys[Math.floor(k / c)] ? 10 : v)), s.shape);
      expect(hinge(winning, ys, { margin }).item()).toBe(0);
    },
  );

  test('worked example (CS231n): scores [13, −7, 11], true class 0, Δ = 10 → 0 + 8 = 8', () => {
    expect(hinge(tensor([[13, -7, 11]]), [0], { margin: 10 }).item()).toBe(8);
  });

  test('worked example (CS231n): cat/car/frog losses 2.9, 0, 12.9 with Δ = 1, mean 5.27', () => {
    const terms = hinge(cs231nScores, [0, 1, 2], { reduction: 'none' });
    [2.9, 0, 12.9].forEach((v, i) => expect(terms.data[i]).toBeCloseTo(v, 5));
    expect(hinge(cs231nScores, tensor([0, 1, 2])).item()).toBeCloseTo(5.2667, 4);
    expect(hinge(cs231nScores, [0, 1, 2], { reduction: 'sum' }).item()).toBeCloseTo(15.8, 5);
  });

  test('the gradient is +1 per violating class and −(number of violations) for the true class', () => {
    const scores = tensor([[3.2, 5.1, -1.7]], undefined, { requiresGrad: true });
    backward(hinge(scores, [0]));
    // 5.1 − 3.2 + 1 > 0 violates; −1.7 − 3.2 + 1 < 0 does not.
    expect(Array.from(scores.grad!.data)).toEqual([-1, 1, 0]);
  });

  test("'none' gives one loss per sample [N]", () => {
    expect(hinge(cs231nScores, [0, 1, 2], { reduction: 'none' }).shape).toEqual([3]);
    expect(hinge(cs231nScores, [0, 1, 2]).shape).toEqual([]);
  });

  test('scores must be [N, C] and labels [N]', () => {
    expect(() => hinge(tensor([1, 2, 3]), [0])).toThrow(ShapeError);
    expect(() => hinge(tensor([1, 2, 3]), [0])).toThrow('hinge: scores must have shape [N, C], found [3]');
    expect(() => hinge(tensor([[[1, 2]]]), [0])).toThrow('hinge: scores must have shape [N, C], found [1,1,2]');
    expect(() => hinge(cs231nScores, tensor([[0], [1], [2]]))).toThrow(
      'hinge: class-index target must have shape [3] for scores [3,3], found [3,1]',
    );
  });

  test('a bad label is an ArgumentError naming the sample and the value', () => {
    expect(() => hinge(cs231nScores, [0, 1, 3])).toThrow(ArgumentError);
    expect(() => hinge(cs231nScores, [0, 1, 3])).toThrow('hinge: target[2] = 3 is out of range [0, 3) (scores [3,3])');
    expect(() => hinge(cs231nScores, [0, 0.5, 1])).toThrow('hinge: target[1] = 0.5 is not an integer class index');
  });

  test('bad options are ArgumentErrors', () => {
    expect(() => hinge(cs231nScores, [0, 1, 2], { margin: -1 })).toThrow(
      'hinge: margin must be a finite number >= 0, found -1',
    );
    expect(() => hinge(cs231nScores, [0, 1, 2], { reduction: 'avg' as Reduction })).toThrow(
      "hinge: reduction must be 'mean', 'sum' or 'none', found 'avg'",
    );
    expect(() => hinge(cs231nScores, [0, 1, 2], { delta: 1 } as never)).toThrow(
      "hinge: unknown option 'delta' (expected one of margin, reduction)",
    );
  });
});

describe('squaredHinge', () => {
  test.prop([scoresLabelsMargin, arbReductionName], runs)(
    'squaredHinge gradient wrt the scores matches finite differences',
    ([scores, labels, margin], reduction) => {
      checkGradients((s) => squaredHinge(s, labels, { margin, reduction }), [scores]);
    },
  );

  test.prop([scoresLabelsMargin], runs)('for any scores, each sample loss is Σ_{j≠y} max(0, s_j − s_y + Δ)²', ([s, ys, margin]) => {
    const expected = reference(s, ys, margin, 2);
    squaredHinge(s, ys, { margin, reduction: 'none' }).data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  test('worked examples: [13, −7, 11], Δ = 10 → 8² = 64; cat/car/frog → 2.9², 0, 6.3² + 6.6²', () => {
    expect(squaredHinge(tensor([[13, -7, 11]]), [0], { margin: 10 }).item()).toBe(64);
    const terms = squaredHinge(cs231nScores, [0, 1, 2], { reduction: 'none' });
    [8.41, 0, 6.3 ** 2 + 6.6 ** 2].forEach((v, i) => expect(terms.data[i]).toBeCloseTo(v, 4));
  });

  test('errors name squaredHinge', () => {
    expect(() => squaredHinge(tensor([1, 2]), [0])).toThrow('squaredHinge: scores must have shape [N, C], found [2]');
    expect(() => squaredHinge(cs231nScores, [0, 1, 9])).toThrow('squaredHinge: target[2] = 9 is out of range [0, 3)');
    expect(() => squaredHinge(cs231nScores, [0, 1, 2], { margin: NaN })).toThrow('squaredHinge: margin must be a finite number');
  });
});
