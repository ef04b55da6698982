import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { matmul } from '../../src/ops/matmul.js';
import { gemm } from '../../src/ops/kernels/matmul.js';
import { ArgumentError, ShapeError, Tensor, backward, broadcastShapes, sum, tensor } from '../../src/ops/index.js';
import { arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 40 };

/** Operand shapes that matmul accepts: 1-D or batched 2-D, batch dimensions broadcastable. */
const arbMatmulShapes = fc
  .record({
    m: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 4 }),
    n: fc.integer({ min: 1, max: 3 }),
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    aOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    bOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    aDrop: fc.nat({ max: 2 }),
    bDrop: fc.nat({ max: 2 }),
    aVector: fc.boolean(),
    bVector: fc.boolean(),
  })
  .map(({ m, k, n, batch, aOnes, bOnes, aDrop, bDrop, aVector, bVector }) => {
    const aBatch = batch.map((d, i) => (aOnes[i] ? 1 : d)).slice(aDrop);
    const bBatch = batch.map((d, i) => (bOnes[i] ? 1 : d)).slice(bDrop);
    const a = aVector ? [k] : [...aBatch, m, k];
    const b = bVector ? [k] : [...bBatch, k, n];
    return [a, b] as const;
  });

const arbOperands = arbMatmulShapes.chain(([a, b]) => fc.tuple(arbTensorOfShape(a), arbTensorOfShape(b)));

/** Naive NumPy matmul by its definition, in float64, for comparison. */
function naiveMatmul(a: Tensor, b: Tensor): { shape: number[]; data: number[] } {
  const A = a.rank === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const B = b.rank === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const [m, k] = A.shape.slice(-2);
  const n = B.shape[B.shape.length - 1];
  const aBatch = A.shape.slice(0, -2);
  const bBatch = B.shape.slice(0, -2);
  const batch = broadcastShapes('naive', aBatch, bBatch);
  const count = batch.reduce((x, y) => x * y, 1);
  const data: number[] = [];
  const flatIndex = (coords: number[], shape: readonly number[]): number => {
    const own = coords.slice(coords.length - shape.length).map((c, i) => (shape[i] === 1 ? 0 : c));
    return own.reduce((acc, c, i) => acc * shape[i] + c, 0);
  };
  for (let t = 0; t < count; t++) {
    const coords = batch.map((_, d) => Math.floor(t / batch.slice(d + 1).reduce((x, y) => x * y, 1)) % batch[d]);
    const aBase = flatIndex(coords, aBatch) * m * k;
    const bBase = flatIndex(coords, bBatch) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += A.data[aBase + i * k + p] * B.data[bBase + p * n + j];
        data.push(acc);
      }
    }
  }
  const shape = [...batch, ...(a.rank > 1 ? [m] : []), ...(b.rank > 1 ? [n] : [])];
  return { shape, data };
}

describe('matmul', () => {
  test('[[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]', () => {
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray()).toEqual([
      [19, 22],
      [43, 50],
    ]);
  });

  test('1-D operands follow NumPy: [k]·[k] is a scalar, [m,k]·[k] is [m], [k]·[k,n] is [n]', () => {
    const dot = matmul(tensor([1, 2, 3]), tensor([4, 5, 6]));
    expect(dot.shape).toEqual([]);
    expect(dot.item()).toBe(32);
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([1, 1])).toArray()).toEqual([3, 7]);
    expect(matmul(tensor([1, 1]), tensor([[1, 2], [3, 4]])).toArray()).toEqual([4, 6]);
  });

  test('batch dimensions broadcast: [2,1,2,3] x [3,3,2] -> [2,3,2,2], matching a naive loop', () => {
    const a = tensor(Array.from({ length: 12 }, (_, i) => i - 5), [2, 1, 2, 3]);
    const b = tensor(Array.from({ length: 18 }, (_, i) => (i % 7) - 3), [3, 3, 2]);
    const c = matmul(a, b);
    expect(c.shape).toEqual([2, 3, 2, 2]);
    expect(Array.from(c.data)).toEqual(naiveMatmul(a, b).data);
    // c[1, 2] = a[1, 0] · b[2] = [[1,2,3],[4,5,6]] · [[2,3],[-3,-2],[-1,0]]
    expect(Array.from(c.data.slice(20, 24))).toEqual([-7, -1, -13, 2]);
  });

  test.prop([arbOperands], runs)('for any broadcastable a, b, matmul equals the naive triple loop', ([a, b]) => {
    const c = matmul(a, b);
    const expected = naiveMatmul(a, b);
    expect(c.shape).toEqual(expected.shape);
    Array.from(c.data).forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 4));
  });

  test.prop([arbOperands], runs)('matmul gradient matches finite differences, batched and 1-D', ([a, b]) => {
    checkGradients(matmul, [a, b]);
  });

  test('the gradient of a broadcast operand sums over the batch: d Σ(A·B)/dB for A [3,1,2], B [2,2]', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [3, 1, 2]);
    const b = tensor([[1, 0], [0, 1]], undefined, { requiresGrad: true });
    backward(sum(matmul(a, b)));
    // dB[p, j] = Σ_batch Σ_i A[i, p] = column sums of A over all batches: [9, 12] in each column
    expect(b.grad!.toArray()).toEqual([
      [9, 9],
      [12, 12],
    ]);
  });

  test('inputs are not mutated', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    matmul(a, b);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.data)).toEqual([5, 6, 7, 8]);
  });

  test('inner dimensions that differ throw a ShapeError naming both shapes', () => {
    const a = tensor(new Array(6).fill(0), [2, 3]);
    const b = tensor(new Array(20).fill(0), [4, 5]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow('matmul: inner dimensions 3 and 4 differ ([2,3] x [4,5])');
    expect(() => matmul(tensor([1, 2]), tensor([1, 2, 3]))).toThrow('matmul: inner dimensions 2 and 3 differ ([2] x [3])');
  });

  test('batch dimensions that cannot broadcast throw, naming both shapes', () => {
    const a = tensor(new Array(12).fill(0), [2, 2, 3]);
    const b = tensor(new Array(18).fill(0), [3, 3, 2]);
    expect(() => matmul(a, b)).toThrow(
      'matmul: batch dimensions [2] and [3] cannot be broadcast ([2,2,3] x [3,3,2])',
    );
  });

  test('a scalar operand is rejected', () => {
    expect(() => matmul(tensor(2), tensor([1, 2]))).toThrow('matmul: operands need at least one dimension, found a scalar ([] x [2])');
    expect(() => matmul(tensor([1]), [1] as never)).toThrow(ArgumentError);
  });
});

describe('gemm kernel', () => {
  const dims = fc.record({
    m: fc.integer({ min: 1, max: 7 }),
    k: fc.integer({ min: 1, max: 7 }),
    n: fc.integer({ min: 1, max: 7 }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    aOffset: fc.nat({ max: 3 }),
    bOffset: fc.nat({ max: 3 }),
    outOffset: fc.nat({ max: 3 }),
  });

  test.prop([dims, fc.integer()], runs)(
    'for any m, k, n and transpose flags, gemm(op(A), op(B)) equals the naive sum at the given offsets',
    ({ m, k, n, transA, transB, aOffset, bOffset, outOffset }, seed) => {
      const rand = (len: number, s: number): Float32Array =>
        Float32Array.from({ length: len }, (_, i) => Math.sin(seed + s * 31 + i * 1.7) * 2);
      const a = rand(aOffset + m * k, 1);
      const b = rand(bOffset + k * n, 2);
      const out = new Float32Array(outOffset + m * n).fill(-7);
      gemm(a, aOffset, b, bOffset, out, outOffset, m, k, n, transA, transB);
      const A = (i: number, p: number): number => a[aOffset + (transA ? p * m + i : i * k + p)];
      const B = (p: number, j: number): number => b[bOffset + (transB ? j * k + p : p * n + j)];
      for (let i = 0; i < outOffset; i++) expect(out[i]).toBe(-7);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let p = 0; p < k; p++) acc += A(i, p) * B(p, j);
          expect(out[outOffset + i * n + j]).toBeCloseTo(acc, 4);
        }
      }
    },
  );

  test('k = 0 gives zeros (an empty sum), overwriting what out held', () => {
    const out = new Float32Array(4).fill(5);
    gemm(new Float32Array(0), 0, new Float32Array(0), 0, out, 0, 2, 0, 2, false, false);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
  });
});
