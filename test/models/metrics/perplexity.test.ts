import { describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, ShapeError, Tensor, full, logSoftmax, tensor, zeros } from '../../../src/ops/index.js';
import { perplexity } from '../../../src/models/metrics/perplexity.js';
import { arbSequenceBatches } from './batches.js';

const runs = { numRuns: 30 };

describe('perplexity', () => {
  test.prop(
    [fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.double({ min: -100, max: 100, noNaN: true })],
    runs,
  )('for any C and constant logit value, uniform logits over C classes give perplexity C', (c, n, t, value) => {
    const ppl = perplexity();
    const target = tensor(Array.from({ length: n * t }, (_, i) => i % c), [n, t]);
    ppl.update(full([n, t, c], value), target);
    expect(ppl.result()).toBeCloseTo(c, 9);
  });

  plain('worked example: probabilities 3/4 and 1/4 for the targets give exp(−(ln 3/4 + ln 1/4)/2) = 4/√3', () => {
    const ppl = perplexity();
    ppl.update(tensor([[0, Math.log(3)], [0, Math.log(3)]]), tensor([1, 0]));
    expect(ppl.result()).toBeCloseTo(4 / Math.sqrt(3), 6);
  });

  plain('large logits stay finite: [1000, 999] with target 1 gives 1 + e', () => {
    const ppl = perplexity();
    ppl.update(tensor([[1000, 999]]), tensor([1]));
    expect(ppl.result()).toBeCloseTo(1 + Math.E, 9);
    const sure = perplexity();
    sure.update(tensor([[-1000, 1000]]), tensor([1]));
    expect(sure.result()).toBe(1);
  });

  plain('a −∞ logit for the target gives infinite perplexity; −∞ for other classes is fine (masking)', () => {
    const ppl = perplexity();
    ppl.update(tensor([[-Infinity, 0]]), tensor([0]));
    expect(ppl.result()).toBe(Infinity);
    const masked = perplexity();
    masked.update(tensor([[-Infinity, 0, 0]]), tensor([1]));
    expect(masked.result()).toBeCloseTo(2, 12);
  });

  test.prop([arbSequenceBatches().filter((b) => b.target.size > 0)], runs)(
    'for any logits, log perplexity is the mean of −logSoftmax at the targets',
    (b) => {
      const ppl = perplexity();
      ppl.update(b.prediction, b.target);
      const c = b.numClasses;
      const logp = logSoftmax(b.prediction).data;
      let nll = 0;
      b.target.data.forEach((y, i) => (nll -= logp[i * c + y]));
      expect(Math.log(ppl.result())).toBeCloseTo(nll / b.target.size, 5);
    },
  );

  test.prop([arbSequenceBatches()], runs)('for any logits, [N, T, C] with [N, T] equals the flattened [N·T, C] with [N·T]', (b) => {
    const seq = perplexity();
    seq.update(b.prediction, b.target);
    const flat = perplexity();
    flat.update(b.prediction.reshape([-1, b.numClasses]), b.target.reshape([-1]));
    expect(seq.result()).toEqual(flat.result());
  });

  test.prop([arbSequenceBatches()], runs)('for any logits, tokens equal to ignoreIndex are skipped exactly as if removed', (b) => {
    const c = b.numClasses;
    const labels = Array.from(b.target.data);
    const padded = labels.map((y, i) => (i % 2 === 1 ? -100 : y));
    const withPadding = perplexity({ ignoreIndex: -100 });
    withPadding.update(b.prediction.reshape([-1, c]), tensor(padded, [padded.length]));
    const kept = labels.map((_, i) => i).filter((i) => i % 2 === 0);
    const rowsKept = new Tensor(Float32Array.from(kept.flatMap((i) => Array.from(b.prediction.data.slice(i * c, (i + 1) * c)))), [kept.length, c]);
    const without = perplexity();
    without.update(rowsKept, tensor(kept.map((i) => labels[i]), [kept.length]));
    expect(withPadding.result()).toEqual(without.result());
  });

  plain('bad shapes throw a ShapeError naming perplexity, the logits and the target', () => {
    const ppl = perplexity();
    expect(() => ppl.update(zeros([2, 3]), zeros([3]))).toThrow(ShapeError);
    expect(() => ppl.update(zeros([2, 3]), zeros([3]))).toThrow(
      'perplexity: expected logits [N, C] with target [N], or [N, T, C] with [N, T] (logits [2,3], target [3])',
    );
    expect(() => ppl.update(zeros([4]), zeros([4]))).toThrow('(logits [4], target [4])');
    expect(() => ppl.update(zeros([2, 3, 5]), zeros([2, 3, 1]))).toThrow('(logits [2,3,5], target [2,3,1])');
    expect(() => ppl.update(zeros([2, 0]), zeros([2]))).toThrow('(logits [2,0], target [2])');
  });

  plain('targets that are not class indices throw an ArgumentError naming perplexity and the position', () => {
    expect(() => perplexity().update(zeros([2, 3]), tensor([0, 3]))).toThrow(ArgumentError);
    expect(() => perplexity().update(zeros([2, 3]), tensor([0, 3]))).toThrow(
      'perplexity: target at position 1 is 3, expected a class index in [0, 3) (logits [2,3], target [2])',
    );
    expect(() => perplexity({ ignoreIndex: -100 }).update(zeros([1, 3]), tensor([-1]))).toThrow(
      'perplexity: target at position 0 is -1, expected a class index in [0, 3) or ignoreIndex -100 (logits [1,3], target [1])',
    );
    expect(() => perplexity().update(zeros([1, 3]), tensor([1.5]))).toThrow('perplexity: target at position 0 is 1.5');
  });

  plain('ignoreIndex must be an integer', () => {
    expect(() => perplexity({ ignoreIndex: 0.5 })).toThrow('perplexity: ignoreIndex must be an integer, found 0.5');
  });
});
