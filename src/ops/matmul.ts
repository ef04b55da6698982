import { record } from './autograd.js';
import { sumTo } from './broadcast.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { type Kernels, kernels } from './kernels/backend.js';
import { reshape } from './reshape.js';
import { broadcastShapes, broadcastStrides, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Matrix product `a·b`, `out[..., i, j] = Σ_p a[..., i, p] · b[..., p, j]`, with NumPy's
 * `matmul` rules:
 * - `[m,k] x [k,n] -> [m,n]`;
 * - batched `[..., m, k] x [..., k, n] -> [..., m, n]`, the batch dimensions broadcast by
 *   NumPy rules (`[2,1,2,3] x [3,3,2] -> [2,3,2,2]`);
 * - a 1-D `a` of shape `[k]` acts as a row `[1,k]` and a 1-D `b` as a column `[k,1]`; the
 *   added dimension is removed from the result, so `[k] x [k]` is a scalar `[]`,
 *   `[m,k] x [k] -> [m]` and `[k] x [k,n] -> [n]`.
 *
 * Backward: `dA = G·Bᵀ`, `dB = Aᵀ·G`, each summed over the batch dimensions its operand was
 * broadcast along. Transposes are passed to the kernel as flags, never copied.
 *
 * @example
 * ```ts
 * import { matmul, tensor } from 'streamgrad';
 * matmul(tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])).toArray(); // [[19, 22], [43, 50]]
 * matmul(tensor([1, 2, 3]), tensor([4, 5, 6])).item();                  // 32
 * ```
 *
 * @param a - left operand, rank ≥ 1.
 * @param b - right operand, rank ≥ 1.
 * @returns the product; see the shape rules above.
 * @throws ShapeError when an operand is a scalar, the inner dimensions differ
 *   (`matmul: inner dimensions 3 and 4 differ ([2,3] x [4,5])`) or the batch dimensions
 *   cannot be broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor)) throw new ArgumentError(`matmul: a must be a Tensor, found ${typeof a}`);
  if (!(b instanceof Tensor)) throw new ArgumentError(`matmul: b must be a Tensor, found ${typeof b}`);
  const shapes = `(${fmtShape(a.shape)} x ${fmtShape(b.shape)})`;
  if (a.rank === 0 || b.rank === 0) {
    throw new ShapeError(`matmul: operands need at least one dimension, found a scalar ${shapes}`);
  }
  const k = a.shape[a.rank - 1];
  const kb = b.shape[b.rank === 1 ? 0 : b.rank - 2];
  if (k !== kb) throw new ShapeError(`matmul: inner dimensions ${k} and ${kb} differ ${shapes}`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastBatch(aBatch, bBatch, shapes);

  const a2 = a.rank === 1 ? reshape(a, [1, k]) : a;
  const b2 = b.rank === 1 ? reshape(b, [k, 1]) : b;
  const m = a2.shape[a2.rank - 2];
  const n = b2.shape[b2.rank - 1];
  const out = batchedMatmul(a2, b2, batch, m, k, n);

  // Drop the row / column that a 1-D operand was given.
  const shape = [...batch, ...(a.rank > 1 ? [m] : []), ...(b.rank > 1 ? [n] : [])];
  return a.rank > 1 && b.rank > 1 ? out : reshape(out, shape);
}

/** `a·b` for rank ≥ 2 operands whose batch dimensions broadcast to `batch`; the differentiable core. */
function batchedMatmul(a: Tensor, b: Tensor, batch: number[], m: number, k: number, n: number): Tensor {
  const gemm = kernels().gemm;
  const out = new Tensor(gemmBatched(gemm, a, b, batch, m, k, n, false, false), [...batch, m, n]);
  return record('matmul', out, [a, b], (g) => {
    // dA = G·Bᵀ ([m,n]·[n,k]) and dB = Aᵀ·G ([k,m]·[m,n]) per batch entry, then summed over
    // the batch dimensions that were broadcast.
    const ga = a.requiresGrad
      ? sumTo(new Tensor(gemmBatched(gemm, g, b, batch, m, n, k, false, true), [...batch, m, k]), a.shape)
      : null;
    const gb = b.requiresGrad
      ? sumTo(new Tensor(gemmBatched(gemm, a, g, batch, k, m, n, true, false), [...batch, k, n]), b.shape)
      : null;
    return [ga, gb];
  });
}

/**
 * Runs the `gemm` kernel given (the backend's, chosen once per matmul call) for every index of
 * the broadcast `batch` shape: `x` holds matrices of `m·k` elements (stored `k×m` when `transX`),
 * `y` matrices of `k·n` (stored `n×k` when `transY`), each read through broadcasting over its own
 * leading dimensions.
 */
function gemmBatched(
  gemm: Kernels['gemm'],
  x: Tensor,
  y: Tensor,
  batch: readonly number[],
  m: number,
  k: number,
  n: number,
  transX: boolean,
  transY: boolean,
): Float32Array {
  const xStrides = broadcastStrides(x.shape.slice(0, -2), batch);
  const yStrides = broadcastStrides(y.shape.slice(0, -2), batch);
  const count = sizeOf(batch);
  const out = new Float32Array(count * m * n);
  for (let t = 0; t < count; t++) {
    let rest = t;
    let xi = 0;
    let yi = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      const i = rest % batch[d];
      rest = (rest - i) / batch[d];
      xi += i * xStrides[d];
      yi += i * yStrides[d];
    }
    gemm(x.data, xi * m * k, y.data, yi * k * n, out, t * m * n, m, k, n, transX, transY);
  }
  return out;
}

/** Broadcasts the batch dimensions, with a message that shows both full operand shapes. */
function broadcastBatch(a: readonly number[], b: readonly number[], shapes: string): number[] {
  try {
    return broadcastShapes('matmul', a, b);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(`matmul: batch dimensions ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast ${shapes}`);
  }
}
