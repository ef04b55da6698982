// Arbitraries for metric tests: a dataset (prediction, target) plus a way to cut it into
// consecutive batches along the first axis, so laws can compare incremental and batch results.
import { fc } from '@fast-check/vitest';
import { Tensor } from '../../../src/ops/index.js';

/** A whole dataset and the sizes of the consecutive batches it is cut into (they sum to N). */
export interface Batches {
  prediction: Tensor;
  target: Tensor;
  sizes: number[];
  numClasses: number;
}

/** Rows `[start, start + count)` of `t` along the first axis. */
export function rows(t: Tensor, start: number, count: number): Tensor {
  const inner = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return new Tensor(t.data.slice(start * inner, (start + count) * inner), [count, ...t.shape.slice(1)]);
}

/** The batches of `b`, in order. */
export function split(b: Batches): Array<[Tensor, Tensor]> {
  const out: Array<[Tensor, Tensor]> = [];
  let start = 0;
  for (const size of b.sizes) {
    out.push([rows(b.prediction, start, size), rows(b.target, start, size)]);
    start += size;
  }
  return out;
}

/** Batch sizes 0..4 (empty batches included), one to four of them. */
const arbSizes = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 });

/**
 * Scores on a coarse grid (so ties happen) or continuous; draws that must be tie-free pass
 * `distinct`, which makes each row a permutation of distinct values.
 */
function arbScores(n: number, c: number, distinct: boolean): fc.Arbitrary<number[]> {
  if (distinct) {
    const row = fc.uniqueArray(fc.integer({ min: -20, max: 20 }), { minLength: c, maxLength: c });
    return fc.array(row, { minLength: n, maxLength: n }).map((rs) => rs.flat().map((v) => v / 4));
  }
  const value = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double({ min: -3, max: 3, noNaN: true }));
  return fc.array(value, { minLength: n * c, maxLength: n * c });
}

/** Options of `arbClassBatches`. */
export interface ClassBatchOptions {
  /** Inclusive range of the number of classes. @default [2, 5] */
  classes?: [number, number];
  /** Binary scores `[N]` in [0, 1] with 0/1 targets (`numClasses` is 2). */
  binary?: boolean;
  /** One-hot targets `[N, C]` instead of indices `[N]`. */
  oneHot?: boolean;
  /** Pairwise distinct scores within each row. */
  distinct?: boolean;
}

/** A classification dataset: scores `[N, C]` (or binary `[N]`) and labels, cut into batches. */
export function arbClassBatches(opts: ClassBatchOptions = {}): fc.Arbitrary<Batches> {
  const [lo, hi] = opts.binary ? [2, 2] : (opts.classes ?? [2, 5]);
  return fc.tuple(fc.integer({ min: lo, max: hi }), arbSizes).chain(([c, sizes]) => {
    const n = sizes.reduce((a, b) => a + b, 0);
    const scores = opts.binary
      ? fc.array(fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: n, maxLength: n })
      : arbScores(n, c, opts.distinct ?? false);
    const labels = fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n });
    return fc.tuple(scores, labels).map(([s, y]) => {
      const prediction = new Tensor(Float32Array.from(s), opts.binary ? [n] : [n, c]);
      const target = opts.oneHot
        ? new Tensor(Float32Array.from(y.flatMap((k) => Array.from({ length: c }, (_, j) => (j === k ? 1 : 0)))), [n, c])
        : new Tensor(Float32Array.from(y), [n]);
      return { prediction, target, sizes, numClasses: c };
    });
  });
}

/** A language-model dataset: logits `[N, T, C]` and token targets `[N, T]`, cut along N. */
export function arbSequenceBatches(): fc.Arbitrary<Batches> {
  return fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 3 }), arbSizes).chain(([c, t, sizes]) => {
    const n = sizes.reduce((a, b) => a + b, 0);
    const logits = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n * t * c, maxLength: n * t * c });
    const labels = fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n * t, maxLength: n * t });
    return fc.tuple(logits, labels).map(([z, y]) => ({
      prediction: new Tensor(Float32Array.from(z), [n, t, c]),
      target: new Tensor(Float32Array.from(y), [n, t]),
      sizes,
      numClasses: c,
    }));
  });
}

/** A regression dataset: predictions and targets `[N, F]`, cut along N. */
export function arbRegressionBatches(): fc.Arbitrary<Batches> {
  return fc.tuple(fc.integer({ min: 1, max: 3 }), arbSizes).chain(([f, sizes]) => {
    const n = sizes.reduce((a, b) => a + b, 0);
    const values = fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2 * n * f, maxLength: 2 * n * f });
    return values.map((v) => ({
      prediction: new Tensor(Float32Array.from(v.slice(0, n * f)), [n, f]),
      target: new Tensor(Float32Array.from(v.slice(n * f)), [n, f]),
      sizes,
      numClasses: 0,
    }));
  });
}
