import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, tensor } from '../../../src/ops/index.js';
import { binaryCrossEntropy } from '../../../src/models/losses/binary-cross-entropy.js';
import { arbShape, arbTensorOfShape, checkGradients } from '../../../src/testing/index.js';
import type { Reduction } from '../../../src/models/losses/reduction.js';

const runs = { numRuns: 30 };
const arbReductionName = fc.constantFrom<Reduction>('mean', 'sum', 'none');

/** Logits in [−4, 4] and targets in [0, 1] of the same shape (rank 0–3). */
const logitsAndTargets = arbShape({ rank: [0, 3], dim: [1, 3] }).chain((s) =>
  fc.tuple(arbTensorOfShape(s, { min: -4, max: 4 }), arbTensorOfShape(s, { min: 0, max: 1 })),
);

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

describe('binaryCrossEntropy', () => {
  test.prop([logitsAndTargets, fc.double({ min: 0, max: 5, noNaN: true }), arbReductionName], runs)(
    'the gradient wrt logits and targets matches finite differences, for any posWeight and reduction',
    ([logits, target], posWeight, reduction) => {
      // Targets may step just outside [0, 1] under finite differences; keep them inside.
      const inner = new Tensor(target.data.map((y) => 0.02 + 0.96 * y), target.shape);
      checkGradients((z, y) => binaryCrossEntropy(z, y, { posWeight, reduction }), [logits, inner]);
    },
  );

  test.prop([logitsAndTargets, fc.double({ min: 0, max: 5, noNaN: true })], runs)(
    'for any logits, the loss equals −[p·y·log σ(z) + (1 − y)·log(1 − σ(z))] computed in float64',
    ([logits, target], posWeight) => {
      const terms = binaryCrossEntropy(logits, target, { posWeight, reduction: 'none' });
      terms.data.forEach((v, i) => {
        const [z, y] = [logits.data[i], target.data[i]];
        const expected = -(posWeight * y * Math.log(sigmoid(z)) + (1 - y) * Math.log(1 - sigmoid(z)));
        expect(v).toBeCloseTo(expected, 4);
      });
    },
  );

  test.prop([logitsAndTargets], runs)('the gradient of the summed loss is σ(z) − y', ([logits, target]) => {
    const z = new Tensor(logits.data.slice(), logits.shape, true);
    backward(binaryCrossEntropy(z, target, { reduction: 'sum' }));
    z.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(sigmoid(logits.data[i]) - target.data[i], 5));
  });

  test('worked examples: z = 0 costs ln 2 whatever the target; posWeight 3 triples the positive term', () => {
    expect(binaryCrossEntropy(tensor([0, 0, 0]), tensor([0, 0.5, 1]), { reduction: 'none' }).toArray()).toEqual([
      Math.fround(Math.LN2),
      Math.fround(Math.LN2),
      Math.fround(Math.LN2),
    ]);
    expect(binaryCrossEntropy(tensor([0]), tensor([1]), { posWeight: 3 }).item()).toBeCloseTo(3 * Math.LN2, 6);
    // z = 2, y = 1: −log σ(2) = log(1 + e^−2) = 0.126928
    expect(binaryCrossEntropy(tensor([2]), tensor([1])).item()).toBeCloseTo(0.126928, 5);
  });

  test('stable for logits of ±1000: exact values, finite gradients', () => {
    const z = tensor([1000, -1000, 1000, -1000], undefined, { requiresGrad: true });
    const loss = binaryCrossEntropy(z, tensor([1, 1, 0, 0]), { reduction: 'none' });
    expect(loss.toArray()).toEqual([0, 1000, 1000, 0]);
    backward(binaryCrossEntropy(z, tensor([1, 1, 0, 0]), { reduction: 'sum' }));
    expect(Array.from(z.grad!.data)).toEqual([0, -1, 1, 0]);
  });

  test('posWeight as a tensor [C] weighs each label column of [N, C]', () => {
    const z = tensor([[0, 0], [0, 0]]);
    const y = tensor([[1, 1], [1, 0]]);
    const terms = binaryCrossEntropy(z, y, { posWeight: tensor([1, 4]), reduction: 'none' });
    const ln2 = Math.LN2;
    [ln2, 4 * ln2, ln2, ln2].forEach((v, i) => expect(terms.data[i]).toBeCloseTo(v, 6));
  });

  test("'none' keeps the logits' shape; 'mean' and 'sum' are scalars", () => {
    const z = tensor([[1, 2, 3], [4, 5, 6]]);
    const y = tensor([[1, 0, 1], [0, 1, 0]]);
    expect(binaryCrossEntropy(z, y, { reduction: 'none' }).shape).toEqual([2, 3]);
    expect(binaryCrossEntropy(z, y).shape).toEqual([]);
    expect(binaryCrossEntropy(z, y, { reduction: 'sum' }).item()).toBeCloseTo(
      6 * binaryCrossEntropy(z, y).item(),
      4,
    );
  });

  test('shapes must match exactly: [2,1] logits against [2] targets is a ShapeError', () => {
    expect(() => binaryCrossEntropy(tensor([[1], [2]]), tensor([1, 0]))).toThrow(ShapeError);
    expect(() => binaryCrossEntropy(tensor([[1], [2]]), tensor([1, 0]))).toThrow(
      'binaryCrossEntropy: logits [2,1] and target [2] must have the same shape',
    );
  });

  test('a target outside [0, 1] is an ArgumentError naming its position (e.g. ±1 SVM labels)', () => {
    expect(() => binaryCrossEntropy(tensor([1, 2]), tensor([1, -1]))).toThrow(ArgumentError);
    expect(() => binaryCrossEntropy(tensor([1, 2]), tensor([1, -1]))).toThrow(
      'binaryCrossEntropy: target[1] = -1 is outside [0, 1]',
    );
    expect(() => binaryCrossEntropy(tensor([[1, 2]]), tensor([[2, 0]]))).toThrow('target[0,0] = 2 is outside [0, 1]');
    expect(() => binaryCrossEntropy(tensor([1]), tensor([NaN]))).toThrow('target[0] = NaN is outside [0, 1]');
  });

  test('bad posWeight and options are errors naming binaryCrossEntropy', () => {
    const z = tensor([[0, 0]]);
    expect(() => binaryCrossEntropy(z, z, { posWeight: -1 })).toThrow(
      'binaryCrossEntropy: posWeight must be a finite number >= 0, found -1',
    );
    expect(() => binaryCrossEntropy(z, z, { posWeight: tensor([1, 2, 3]) })).toThrow(
      "binaryCrossEntropy: posWeight [3] does not broadcast to the logits' shape [1,2]",
    );
    expect(() => binaryCrossEntropy(z, z, { reduction: 'avg' as Reduction })).toThrow(
      "binaryCrossEntropy: reduction must be 'mean', 'sum' or 'none', found 'avg'",
    );
    expect(() => binaryCrossEntropy(z, z, { pos_weight: 2 } as never)).toThrow(
      "binaryCrossEntropy: unknown option 'pos_weight' (expected one of reduction, posWeight)",
    );
  });
});
