/**
 * The benchmark's shared data and command line: every library must see the same batches in
 * the same order, so these laws are what makes the comparison fair.
 */
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import { ArgumentError } from '../../../src/ops/index.js';
import { type MnistArrays, charBatches, loadMnist, mnistBatch } from '../../../bench/training/data.js';
import { LSTM, parseRunOptions } from '../../../bench/training/workloads.js';

describe('mnistBatch', () => {
  let data: MnistArrays;
  beforeAll(async () => {
    data = await loadMnist();
  });

  test('the training split holds 8,000 digits with one-hot rows matching the labels', () => {
    expect(data.count).toBe(8000);
    for (let i = 0; i < data.count; i += 97) {
      const row = Array.from(data.oneHot.subarray(i * 10, i * 10 + 10));
      expect(row.indexOf(1)).toBe(data.labels[i]);
      expect(row.reduce((a, b) => a + b, 0)).toBe(1);
    }
  });

  test.prop([fc.integer({ min: 0, max: 124 }), fc.integer({ min: 1, max: 3 })], { numRuns: 20 })(
    'for any k, batch k + e·125 of 64 is batch k: epochs replay the same order',
    (k, e) => {
      const a = mnistBatch(data, k, 64);
      const b = mnistBatch(data, k + e * 125, 64);
      expect(b.size).toBe(64);
      // Views of the same stretch of the one pixel buffer: the same images, not copies.
      expect([b.pixels.byteOffset, b.pixels.length]).toEqual([a.pixels.byteOffset, a.pixels.length]);
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
    },
  );

  test('an epoch of batches of 250 covers the digits once, in order', () => {
    const labels = Array.from({ length: 32 }, (_, k) => Array.from(mnistBatch(data, k, 250).labels)).flat();
    expect(labels).toEqual(Array.from(data.labels));
  });

  test('the last batch of an epoch holds the remainder (8,000 = 266·30 + 20)', () => {
    expect(mnistBatch(data, 266, 30).size).toBe(20);
    expect(mnistBatch(data, 267, 30).size).toBe(30);
  });

  test('a negative batch index is rejected', () => {
    expect(() => mnistBatch(data, -1, 64)).toThrow(new ArgumentError('mnistBatch: k must be an integer >= 0, found -1'));
  });
});

describe('charBatches', () => {
  const small = { ...LSTM, batch: 3, seqLen: 5, vocab: 8 };

  test('the same seed gives the same batches', () => {
    expect(charBatches(2, small)).toEqual(charBatches(2, small));
  });

  test('each target is the next input character of its row, and rows continue one another', () => {
    const batches = charBatches(2, small);
    const chars = batches.flatMap((b) => Array.from({ length: small.batch * small.seqLen }, (_, i) => b.inputs.subarray(i * 8, i * 8 + 8).indexOf(1)));
    const targets = batches.flatMap((b) => Array.from(b.targets));
    expect(targets.slice(0, -1)).toEqual(chars.slice(1));
  });

  test('inputs and one-hot targets have exactly one 1 per step', () => {
    const [b] = charBatches(1, small);
    for (let i = 0; i < small.batch * small.seqLen; i++) {
      expect(b.inputs.subarray(i * 8, i * 8 + 8).reduce((a, v) => a + v, 0)).toBe(1);
      expect(b.targetsOneHot[i * 8 + b.targets[i]]).toBe(1);
    }
  });
});

describe('parseRunOptions', () => {
  test('defaults: a warm-up epoch and a full timed epoch', () => {
    expect(parseRunOptions(['train-mlp'], [])).toEqual({ bench: 'train-mlp', warmup: 125, batches: null, variant: null });
    expect(parseRunOptions(['infer-cnn', '--batches', '4', '--variant', 'cpu'], ['cpu'])).toEqual({
      bench: 'infer-cnn',
      warmup: 32,
      batches: 4,
      variant: 'cpu',
    });
  });

  test('an unknown bench, variant or count is rejected with what was expected', () => {
    expect(() => parseRunOptions(['train-gan'], [])).toThrow(
      'bench: expected one of train-mlp, train-cnn, train-lstm, infer-mlp, infer-cnn, found "train-gan"',
    );
    expect(() => parseRunOptions(['train-mlp', '--variant', 'gpu'], ['cpu'])).toThrow('bench: --variant must be one of cpu, found "gpu"');
    expect(() => parseRunOptions(['train-mlp', '--batches', '0'], [])).toThrow('bench: --batches must be an integer >= 1, found "0"');
    expect(() => parseRunOptions(['train-mlp', '--warmup', '1.5'], [])).toThrow('bench: --warmup must be an integer >= 0, found "1.5"');
  });
});
