import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, permute, reshape, softmax, tensor } from '../../../src/ops/index.js';
import { crossEntropy } from '../../../src/models/losses/cross-entropy.js';
import { arbTensorOfShape, checkGradients } from '../../../src/testing/index.js';
import type { Reduction } from '../../../src/models/losses/reduction.js';

const runs = { numRuns: 30 };
const arbReductionName = fc.constantFrom<Reduction>('mean', 'sum', 'none');
const arbSmoothing = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true }));

/** Logits [N, C] with class indices [N]. */
const logitsAndLabels = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }))
  .chain(([n, c]) =>
    fc.tuple(
      arbTensorOfShape([n, c], { min: -3, max: 3 }),
      fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }).map((ys) => tensor(ys)),
    ),
  );

/** Logits [N, C] with probability rows [N, C] (positive, summing to 1). */
const logitsAndProbabilities = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }))
  .chain(([n, c]) =>
    fc.tuple(arbTensorOfShape([n, c], { min: -3, max: 3 }), arbTensorOfShape([n, c]).map((t) => softmax(t))),
  );

function oneHot(labels: Tensor, classes: number): Tensor {
  const data = new Float32Array(labels.size * classes);
  labels.data.forEach((y, i) => (data[i * classes + y] = 1));
  return new Tensor(data, [labels.size, classes]);
}

/** Float64 reference: −Σ_c t'_c log softmax(z)_c per row, t' = (1 − ε)t + ε/C. */
function reference(logits: Tensor, target: Tensor, epsilon: number): number[] {
  const [n, c] = logits.shape;
  return Array.from({ length: n }, (_, i) => {
    const z = Array.from(logits.data.slice(i * c, (i + 1) * c));
    const m = Math.max(...z);
    const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    return z.reduce((s, v, j) => s - ((1 - epsilon) * target.data[i * c + j] + epsilon / c) * (v - lse), 0);
  });
}

describe('crossEntropy', () => {
  test.prop([logitsAndLabels, arbSmoothing, arbReductionName], runs)(
    'with class indices, the gradient wrt the logits matches finite differences (any smoothing, any reduction)',
    ([logits, labels], labelSmoothing, reduction) => {
      checkGradients((z) => crossEntropy(z, labels, { labelSmoothing, reduction }), [logits]);
    },
  );

  test.prop([logitsAndProbabilities, arbSmoothing, arbReductionName], runs)(
    'with probability targets, the gradient wrt logits and target matches finite differences',
    ([logits, target], labelSmoothing, reduction) => {
      checkGradients((z, t) => crossEntropy(z, t, { labelSmoothing, reduction }), [logits, target]);
    },
  );

  test.prop([logitsAndLabels, arbSmoothing], runs)(
    'for any labels, the loss equals the float64 reference −Σ t′ log softmax(z)',
    ([logits, labels], labelSmoothing) => {
      const got = crossEntropy(logits, labels, { labelSmoothing, reduction: 'none' });
      const expected = reference(logits, oneHot(labels, logits.shape[1]), labelSmoothing);
      got.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    },
  );

  test.prop([logitsAndLabels, arbSmoothing], runs)(
    'class indices and the matching one-hot rows give the same loss',
    ([logits, labels], labelSmoothing) => {
      const a = crossEntropy(logits, labels, { labelSmoothing }).item();
      const b = crossEntropy(logits, oneHot(labels, logits.shape[1]), { labelSmoothing }).item();
      expect(a).toBeCloseTo(b, 5);
    },
  );

  test.prop([logitsAndLabels], runs)('the gradient of the mean loss is (softmax(z) − onehot(y)) / N', ([logits, labels]) => {
    const z = new Tensor(logits.data.slice(), logits.shape, true);
    backward(crossEntropy(z, labels));
    const p = softmax(logits);
    const y = oneHot(labels, logits.shape[1]);
    const n = logits.shape[0];
    z.grad!.data.forEach((g, i) => expect(g).toBeCloseTo((p.data[i] - y.data[i]) / n, 5));
  });

  test.prop([logitsAndLabels, fc.double({ min: -50, max: 50, noNaN: true })], runs)(
    'adding a constant to every logit of a row does not change the loss',
    ([logits, labels], shift) => {
      const shifted = new Tensor(logits.data.map((v) => v + shift), logits.shape);
      expect(crossEntropy(shifted, labels).item()).toBeCloseTo(crossEntropy(logits, labels).item(), 3);
    },
  );

  test('worked example: logits [2, 1, 0.1] with class 0 give 0.417; uniform logits over 3 classes give ln 3', () => {
    const logits = tensor([[2, 1, 0.1], [0, 0, 0]]);
    const terms = crossEntropy(logits, tensor([0, 2]), { reduction: 'none' });
    expect(terms.data[0]).toBeCloseTo(0.41703, 5);
    expect(terms.data[1]).toBeCloseTo(Math.log(3), 6);
    expect(crossEntropy(logits, tensor([0, 2])).item()).toBeCloseTo(0.757821, 5);
    expect(crossEntropy(logits, tensor([0, 2]), { reduction: 'sum' }).item()).toBeCloseTo(1.515642, 5);
  });

  test('worked example with label smoothing 0.1: 0.9·0.41703 + 0.1·mean(0.41703, 1.41703, 2.31703) = 0.51369', () => {
    expect(crossEntropy(tensor([[2, 1, 0.1]]), [0], { labelSmoothing: 0.1 }).item()).toBeCloseTo(0.51369, 4);
    // Uniform logits: every target mix costs ln C.
    expect(crossEntropy(tensor([[0, 0, 0]]), [1], { labelSmoothing: 0.7 }).item()).toBeCloseTo(Math.log(3), 6);
  });

  test('stable for extreme logits: [1000, −1000] gives 0 for class 0 and 2000 for class 1, finite gradients', () => {
    const logits = tensor([[1000, -1000]], undefined, { requiresGrad: true });
    expect(crossEntropy(logits, [0]).item()).toBe(0);
    const loss = crossEntropy(logits, [1]);
    expect(loss.item()).toBe(2000);
    backward(loss);
    expect(Array.from(logits.grad!.data)).toEqual([1, -1]);
  });

  test("'none' returns one loss per sample [N]; 'mean' and 'sum' return scalars", () => {
    const logits = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(crossEntropy(logits, [0, 1], { reduction: 'none' }).shape).toEqual([2]);
    expect(crossEntropy(logits, softmax(logits), { reduction: 'none' }).shape).toEqual([2]);
    expect(crossEntropy(logits, [0, 1]).shape).toEqual([]);
    expect(crossEntropy(logits, [0, 1], { reduction: 'sum' }).shape).toEqual([]);
  });

  test('extra dimensions as PyTorch: logits [N, C, d] with labels [N, d] equal the flattened [N·d, C] problem', () => {
    const logits = tensor([[[1, -1, 0], [2, 0.5, -2]], [[0, 3, 1], [-1, -1, 4]]]); // [2, 2, 3]: N=2, C=2, d=3
    const labels = tensor([[0, 1, 1], [1, 0, 1]]);
    const terms = crossEntropy(logits, labels, { reduction: 'none' });
    expect(terms.shape).toEqual([2, 3]);
    const flat = crossEntropy(reshape(permute(logits, [0, 2, 1]), [6, 2]), reshape(labels, [6]), { reduction: 'none' });
    terms.data.forEach((v, i) => expect(v).toBeCloseTo(flat.data[i], 6));
  });

  test('logits must have rank ≥ 2', () => {
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow(ShapeError);
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow(
      'crossEntropy: logits must have shape [N, C] (classes on axis 1), found [3]',
    );
  });

  test('a target of the wrong shape is a ShapeError naming both shapes', () => {
    const logits = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => crossEntropy(logits, [0, 1, 2])).toThrow(
      'crossEntropy: class-index target must have shape [2] for logits [2,3], or probabilities of shape [2,3], found [3]',
    );
    expect(() => crossEntropy(logits, tensor([[1, 0], [0, 1]]))).toThrow(
      "crossEntropy: probability target [2,2] must have the logits' shape [2,3]",
    );
    expect(() => crossEntropy(logits, tensor([[[0]]]))).toThrow(ShapeError);
  });

  test('a bad label is an ArgumentError naming the sample and the value', () => {
    const logits = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(() => crossEntropy(logits, [0, 3])).toThrow(ArgumentError);
    expect(() => crossEntropy(logits, [0, 3])).toThrow('crossEntropy: target[1] = 3 is out of range [0, 3) (logits [2,3])');
    expect(() => crossEntropy(logits, [-1, 0])).toThrow('crossEntropy: target[0] = -1 is out of range [0, 3)');
    expect(() => crossEntropy(logits, tensor([0, 1.5]))).toThrow('crossEntropy: target[1] = 1.5 is not an integer class index');
    expect(() => crossEntropy(logits, tensor([NaN, 0]))).toThrow('crossEntropy: target[0] = NaN is not an integer class index');
  });

  test('bad options are ArgumentErrors', () => {
    const logits = tensor([[1, 2]]);
    expect(() => crossEntropy(logits, [0], { labelSmoothing: 1.5 })).toThrow(
      'crossEntropy: labelSmoothing must be a number in [0, 1], found 1.5',
    );
    expect(() => crossEntropy(logits, [0], { labelSmoothing: -0.1 })).toThrow(ArgumentError);
    expect(() => crossEntropy(logits, [0], { reduction: 'batchmean' as Reduction })).toThrow(
      "crossEntropy: reduction must be 'mean', 'sum' or 'none', found 'batchmean'",
    );
    expect(() => crossEntropy(logits, [0], { label_smoothing: 0.1 } as never)).toThrow(
      "crossEntropy: unknown option 'label_smoothing' (expected one of reduction, labelSmoothing)",
    );
    expect(() => crossEntropy([[1, 2]] as unknown as Tensor, [0])).toThrow('crossEntropy: logits must be a Tensor');
    expect(() => crossEntropy(logits, 'cat' as never)).toThrow('crossEntropy: target must be a Tensor, found string');
  });
});
