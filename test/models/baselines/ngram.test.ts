import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { type NgramSmoothing, ngram } from '../../../src/models/baselines/ngram.js';

// a b a b a a with a = 0, b = 1, c = 2 (never seen).
const corpus = [0, 1, 0, 1, 0, 0];

describe('ngram: worked examples (tokens a b a b a a, V = 3)', () => {
  test('counts: c(ab) = 2, c(ba) = 2, c(aa) = 1, c(a ·) = 3, c(b ·) = 2, 6 tokens', () => {
    const lm = ngram({ order: 2, vocabularySize: 3 }).update(corpus);
    expect([lm.count([0, 1]), lm.count([1, 0]), lm.count([0, 0]), lm.count([1, 1])]).toEqual([2, 2, 1, 0]);
    expect([lm.contextCount([0]), lm.contextCount([1]), lm.contextCount([2]), lm.contextCount([])]).toEqual([3, 2, 0, 6]);
    expect([lm.count([0]), lm.count([1]), lm.count([2])]).toEqual([4, 2, 0]);
  });

  test('add-1 bigram: P(b|a) = 3/6, P(a|a) = 2/6, P(c|a) = 1/6, P(a|b) = 3/5, P(c|unseen c) = 1/3', () => {
    const lm = ngram({ order: 2, vocabularySize: 3, smoothing: { kind: 'addK', k: 1 } }).update(corpus);
    expect(lm.probability(1, [0])).toBeCloseTo(3 / 6, 12);
    expect(lm.probability(0, [0])).toBeCloseTo(2 / 6, 12);
    expect(lm.probability(2, [0])).toBeCloseTo(1 / 6, 12);
    expect(lm.probability(0, [1])).toBeCloseTo(3 / 5, 12);
    expect(lm.probability(2, [2])).toBeCloseTo(1 / 3, 12);
  });

  test('add-0.5 unigram: P(a) = 4.5/7.5, P(c) = 0.5/7.5', () => {
    const lm = ngram({ order: 1, vocabularySize: 3, smoothing: { kind: 'addK', k: 0.5 } }).update(corpus);
    expect(lm.probability(0)).toBeCloseTo(4.5 / 7.5, 12);
    expect(lm.probability(2, [1, 1])).toBeCloseTo(0.5 / 7.5, 12); // a unigram ignores context
  });

  test('interpolation [0.1, 0.3, 0.6]: P(b|a) = 0.1/3 + 0.3·2/6 + 0.6·2/3, P(c|a) = 0.1/3, unseen context defers to the unigram', () => {
    const lm = ngram({ order: 2, vocabularySize: 3, smoothing: { kind: 'interpolation', weights: [0.1, 0.3, 0.6] } }).update(corpus);
    expect(lm.probability(1, [0])).toBeCloseTo(0.1 / 3 + 0.3 * (2 / 6) + 0.6 * (2 / 3), 12);
    expect(lm.probability(2, [0])).toBeCloseTo(0.1 / 3, 12);
    // After c (never a context): p̃_2 = p̃_1 = c(a)/6, so P(a|c) = 0.1/3 + 0.9·4/6.
    expect(lm.probability(0, [2])).toBeCloseTo(0.1 / 3 + 0.9 * (4 / 6), 12);
  });

  test('perplexity of "a b" under add-1 bigrams: −log₂(5/9) − log₂(1/2) bits, 2^(bits/2)', () => {
    const lm = ngram({ order: 2, vocabularySize: 3 }).update(corpus);
    const bits = -Math.log2(5 / 9) - Math.log2(1 / 2);
    const result = lm.evaluate([0, 1]);
    expect(result.tokens).toBe(2);
    expect(result.totalBits).toBeCloseTo(bits, 12);
    expect(result.bitsPerToken).toBeCloseTo(bits / 2, 12);
    expect(result.perplexity).toBeCloseTo(2 ** (bits / 2), 12);
    expect(result.perplexity).toBeCloseTo(Math.sqrt(3.6), 12);
    // With the training text's last token as context, "a" is scored as P(a|a) = 2/6.
    expect(lm.evaluate([0, 1], { context: corpus }).totalBits).toBeCloseTo(-Math.log2(2 / 6) - Math.log2(1 / 2), 12);
    expect(lm.evaluate([0, 1], { characters: 4 }).bitsPerCharacter).toBeCloseTo(bits / 4, 12);
  });
});

describe('ngram: laws', () => {
  const smoothingArb = (order: number): fc.Arbitrary<NgramSmoothing> =>
    fc.oneof(
      fc.double({ min: 0.01, max: 3, noNaN: true }).map((k): NgramSmoothing => ({ kind: 'addK', k })),
      fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: order + 1, maxLength: order + 1 }).map((raw): NgramSmoothing => {
        const sum = raw.reduce((a, b) => a + b, 0);
        return { kind: 'interpolation', weights: raw.map((w) => w / sum) };
      }),
    );
  const caseArb = fc
    .record({ order: fc.integer({ min: 1, max: 5 }), vocabularySize: fc.integer({ min: 1, max: 6 }) })
    .chain(({ order, vocabularySize }) =>
      fc.record({
        order: fc.constant(order),
        vocabularySize: fc.constant(vocabularySize),
        corpus: fc.array(fc.nat(vocabularySize - 1), { maxLength: 40 }),
        context: fc.array(fc.nat(vocabularySize - 1), { maxLength: 6 }),
        smoothing: smoothingArb(order),
      }),
    );

  test.prop([caseArb], { numRuns: 150 })('for every context, P(· | context) sums to 1 over the vocabulary (add-k and interpolation)', (c) => {
    const lm = ngram({ order: c.order, vocabularySize: c.vocabularySize, smoothing: c.smoothing }).update(c.corpus);
    const p = lm.distribution(c.context);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(p.every((v) => v > 0)).toBe(true);
    expect(lm.probability(c.vocabularySize - 1, c.context)).toBe(p[c.vocabularySize - 1]);
  });

  test.prop([fc.array(fc.nat(4), { maxLength: 30 }), fc.array(fc.nat(4), { maxLength: 30 })], { numRuns: 60 })(
    'counting in two calls equals counting the joined sequence; endSequence breaks it',
    (a, b) => {
      const joined = ngram({ order: 3, vocabularySize: 5 }).update([...a, ...b]);
      const inTwo = ngram({ order: 3, vocabularySize: 5 }).update(a).update(b);
      for (const gram of [[0], [1, 2], [0, 0, 1], [4, 4, 4]]) expect(inTwo.count(gram)).toBe(joined.count(gram));
      const broken = ngram({ order: 2, vocabularySize: 5 }).update([1]).endSequence().update([2]);
      expect(broken.count([1, 2])).toBe(0);
    },
  );

  test('large vocabularies (V⁵ ≥ 2⁵³) count with string keys and give the same probabilities', () => {
    const text = [5, 7, 5, 7, 9, 5, 7, 5];
    const small = ngram({ order: 5, vocabularySize: 10 }).update(text);
    const large = ngram({ order: 5, vocabularySize: 2_000_000 }).update(text);
    expect(large.count([5, 7, 5, 7, 9])).toBe(1);
    expect(large.count([7, 5])).toBe(small.count([7, 5]));
    expect(large.contextCount([5, 7, 5])).toBe(small.contextCount([5, 7, 5]));
  });

  test('fitInterpolationWeights: weights sum to 1 and score the held-out text at least as well as equal weights', () => {
    const pattern = Array.from({ length: 400 }, (_, i) => [0, 1, 2, 1, 3][i % 5] ^ (i % 37 === 0 ? 1 : 0));
    const lm = ngram({ order: 3, vocabularySize: 4 }).update(pattern.slice(0, 300));
    const dev = pattern.slice(300);
    const weights = lm.fitInterpolationWeights(dev);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    lm.smoothing = { kind: 'interpolation', weights: [0.25, 0.25, 0.25, 0.25] };
    const equal = lm.evaluate(dev).totalBits;
    lm.smoothing = { kind: 'interpolation', weights };
    expect(lm.evaluate(dev).totalBits).toBeLessThan(equal);
    expect(weights[3]).toBeGreaterThan(weights[0]); // a deterministic pattern favours the trigram
  });
});

describe('ngram: errors', () => {
  test('options, smoothing and tokens are checked, naming what was found', () => {
    expect(() => ngram({ order: 6, vocabularySize: 3 })).toThrow('ngram: order must be an integer from 1 to 5, found 6');
    expect(() => ngram({ order: 2, vocabularySize: 0 })).toThrow('ngram: vocabularySize must be an integer >= 1, found 0');
    expect(() => ngram({ order: 2, vocabularySize: 3, smoothing: { kind: 'addK', k: 0 } })).toThrow('ngram: addK smoothing needs k > 0 (finite), found 0');
    expect(() => ngram({ order: 2, vocabularySize: 3, smoothing: { kind: 'interpolation', weights: [0.5, 0.5] } })).toThrow(
      'ngram: interpolation needs 3 weights [λ_0 (uniform), λ_1 … λ_2], found [0.5,0.5]',
    );
    expect(() => ngram({ order: 1, vocabularySize: 3, smoothing: { kind: 'interpolation', weights: [0, 1] } })).toThrow('ngram: interpolation weight λ_0 (uniform) must be > 0');
    expect(() => ngram({ order: 1, vocabularySize: 3, smoothing: { kind: 'interpolation', weights: [0.5, 0.6] } })).toThrow('ngram: interpolation weights must sum to 1, found a sum of 1.1');
    expect(() => ngram({ order: 2, vocabularySize: 3 }).update([0, 3])).toThrow('ngram: update: token 1 is 3, expected an integer in [0, 3)');
    expect(() => ngram({ order: 2, vocabularySize: 3 }).count([0, 1, 2])).toThrow('ngram: count takes at most 2 tokens, found 3');
  });
});
