import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, backward, log, logSoftmax, softmax, tensor } from '../../../src/ops/index.js';
import { klDivergence, type KlReduction } from '../../../src/models/losses/kl-divergence.js';
import { arbTensorOfShape, checkGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 30 };
const arbReductionName = fc.constantFrom<KlReduction>('mean', 'sum', 'none', 'batchmean');

/** Logits for the model and for the target distribution, both [N, C]. */
const twoLogits = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }))
  .chain(([n, c]) => fc.tuple(arbTensorOfShape([n, c]), arbTensorOfShape([n, c])));

describe('klDivergence', () => {
  test.prop([twoLogits, arbReductionName], runs)(
    'the gradient wrt logProbs and the target matches finite differences',
    ([a, b], reduction) => {
      // Probabilities of at least ~0.1, so finite-difference steps keep the target positive.
      const target = new Tensor(softmax(b).data.map((p) => 0.1 + p), b.shape);
      checkGradients((lp, t) => klDivergence(lp, t, { reduction }), [logSoftmax(a), target]);
    },
  );

  test.prop([twoLogits, arbReductionName], runs)(
    'with logTarget, the gradient wrt logProbs and the log-target matches finite differences',
    ([a, b], reduction) => {
      checkGradients((lp, t) => klDivergence(lp, t, { reduction, logTarget: true }), [logSoftmax(a), logSoftmax(b)]);
    },
  );

  test.prop([twoLogits, arbReductionName], runs)(
    'logTarget with log t gives the same loss as the probabilities t',
    ([a, b], reduction) => {
      const lp = logSoftmax(a);
      const plain = klDivergence(lp, softmax(b), { reduction });
      const logged = klDivergence(lp, logSoftmax(b), { reduction, logTarget: true });
      plain.data.forEach((v, i) => expect(logged.data[i]).toBeCloseTo(v, 5));
    },
  );

  test.prop([twoLogits], runs)(
    "for distributions, 'batchmean' is the KL divergence: ≥ 0, and 0 for identical ones",
    ([a, b]) => {
      expect(klDivergence(logSoftmax(a), softmax(b), { reduction: 'batchmean' }).item()).toBeGreaterThanOrEqual(-1e-6);
      expect(Math.abs(klDivergence(logSoftmax(a), softmax(a), { reduction: 'batchmean' }).item())).toBeLessThan(1e-6);
    },
  );

  test.prop([twoLogits], runs)("reductions: 'mean' = sum / elements, 'batchmean' = sum / N", ([a, b]) => {
    const [n, c] = a.shape;
    const lp = logSoftmax(a);
    const t = softmax(b);
    const total = klDivergence(lp, t, { reduction: 'sum' }).item();
    expect(klDivergence(lp, t).item()).toBeCloseTo(total / (n * c), 5);
    expect(klDivergence(lp, t, { reduction: 'batchmean' }).item()).toBeCloseTo(total / n, 5);
    expect(klDivergence(lp, t, { reduction: 'none' }).shape).toEqual([n, c]);
  });

  test('worked example: uniform [½, ½] against target [1, 0]: KL = ln 2 per sample, mean over 2 elements ln 2 / 2', () => {
    const lp = logSoftmax(tensor([[0, 0]]));
    const t = tensor([[1, 0]]);
    expect(klDivergence(lp, t, { reduction: 'batchmean' }).item()).toBeCloseTo(Math.LN2, 6);
    expect(klDivergence(lp, t, { reduction: 'sum' }).item()).toBeCloseTo(Math.LN2, 6);
    expect(klDivergence(lp, t).item()).toBeCloseTo(Math.LN2 / 2, 6);
    const terms = klDivergence(lp, t, { reduction: 'none' });
    expect(terms.data[0]).toBeCloseTo(Math.LN2, 6);
    expect(terms.data[1]).toBe(0);
  });

  test('worked example: target [¼, ¾] against [½, ½] gives ¼ ln ½ + ¾ ln 1.5 = 0.130812', () => {
    const value = klDivergence(log(tensor([[0.5, 0.5]])), tensor([[0.25, 0.75]]), { reduction: 'batchmean' }).item();
    expect(value).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 6);
    expect(value).toBeCloseTo(0.130812, 5);
  });

  test('a zero target probability contributes 0 with no NaN in the gradient, even where logProbs = −∞', () => {
    const lp = tensor([[-Infinity, 0]], undefined, { requiresGrad: true });
    const t = tensor([[0, 1]], undefined, { requiresGrad: true });
    const loss = klDivergence(lp, t, { reduction: 'sum' });
    expect(loss.item()).toBe(0);
    backward(loss);
    expect(lp.grad!.data[0] === 0).toBe(true); // 0 or −0
    expect(lp.grad!.data[1]).toBe(-1);
    expect(t.grad!.data[1]).toBe(1); // log t + 1 − logProbs = 0 + 1 − 0
    expect(Array.from(t.grad!.data).every(Number.isFinite)).toBe(true);
  });

  test('a NaN in logProbs is not hidden by a zero target: the loss is NaN', () => {
    expect(klDivergence(tensor([[NaN, 0]]), tensor([[0, 1]]), { reduction: 'sum' }).item()).toBeNaN();
    expect(klDivergence(tensor([[0, 0]]), tensor([[NaN, 0]]), { logTarget: true }).item()).toBeNaN();
  });

  test('with logTarget, a target of −∞ (probability 0) also contributes 0 with finite gradients', () => {
    const lp = tensor([[-Infinity, 0]], undefined, { requiresGrad: true });
    const t = tensor([[-Infinity, 0]], undefined, { requiresGrad: true });
    const loss = klDivergence(lp, t, { reduction: 'sum', logTarget: true });
    expect(loss.item()).toBe(0);
    backward(loss);
    expect(lp.grad!.data[0] === 0).toBe(true); // 0 or −0
    expect(lp.grad!.data[1]).toBe(-1);
    expect(Array.from(t.grad!.data).every(Number.isFinite)).toBe(true);
  });

  test('the gradient wrt logProbs is −target (divided by N for batchmean)', () => {
    const lp = new Tensor(logSoftmax(tensor([[1, 2, 3], [0, 0, 1]])).data, [2, 3], true);
    const t = tensor([[0.2, 0.3, 0.5], [1, 0, 0]]);
    backward(klDivergence(lp, t, { reduction: 'batchmean' }));
    lp.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(-t.data[i] / 2, 6));
  });

  test('shapes must match exactly', () => {
    expect(() => klDivergence(tensor([[0, 0]]), tensor([1, 0]))).toThrow(ShapeError);
    expect(() => klDivergence(tensor([[0, 0]]), tensor([1, 0]))).toThrow(
      'klDivergence: logProbs [1,2] and target [2] must have the same shape',
    );
  });

  test('a negative target probability is an ArgumentError naming its position', () => {
    expect(() => klDivergence(tensor([[0, 0]]), tensor([[1.2, -0.2]]))).toThrow(ArgumentError);
    expect(() => klDivergence(tensor([[0, 0]]), tensor([[1.2, -0.2]]))).toThrow(
      'klDivergence: target[0,1] = -0.20000000298023224 is not a probability (≥ 0)',
    );
    // With logTarget the target holds logs, which are negative.
    expect(() => klDivergence(tensor([[0, 0]]), tensor([[-0.1, -3]]), { logTarget: true })).not.toThrow();
  });

  test('bad options are ArgumentErrors', () => {
    const x = tensor([[0, 0]]);
    expect(() => klDivergence(x, x, { reduction: 'avg' as KlReduction })).toThrow(
      "klDivergence: reduction must be 'mean', 'sum', 'none' or 'batchmean', found 'avg'",
    );
    expect(() => klDivergence(x, x, { logTarget: 'yes' as never })).toThrow(
      'klDivergence: logTarget must be a boolean, found yes',
    );
    expect(() => klDivergence(tensor(0), tensor(0), { reduction: 'batchmean' })).toThrow(
      "klDivergence: reduction 'batchmean' needs a batch dimension, found a scalar",
    );
    expect(() => klDivergence(x, x, { log_target: true } as never)).toThrow(
      "klDivergence: unknown option 'log_target' (expected one of reduction, logTarget)",
    );
  });
});
