import { record } from './autograd.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { normalizeAxis, stridesOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Reorders the axes of `x`: `out[i₀, …, iₙ₋₁] = x[j]` where `j[axes[d]] = i_d`, so output
 * dimension `d` is input dimension `axes[d]` (PyTorch `permute`, NumPy `transpose(x, axes)`).
 * Negative axes count from the end. The result is a contiguous copy. Backward permutes the
 * gradient by the inverse permutation.
 *
 * @example
 * ```ts
 * import { permute, zeros } from 'streamgrad';
 * permute(zeros([2, 3, 4]), [2, 0, 1]).shape; // [4, 2, 3]
 * ```
 *
 * @param axes - a permutation of `0..rank-1`, one entry per dimension of `x`.
 * @throws ArgumentError when `axes` is not a permutation of the axes of `x`.
 */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const perm = checkPermutation('permute', axes, x.shape);
  const out = new Tensor(
    permuteKernel(x.data, x.shape, perm),
    perm.map((a) => x.shape[a]),
  );
  return record('permute', out, [x], (g) => [permute(g, inversePermutation(perm))]);
}

/**
 * Swaps two axes of `x` (by default the last two, a matrix transpose batched over the leading
 * dimensions, like PyTorch's `x.mT`). The result is a copy. Backward swaps them back.
 *
 * Unlike PyTorch's `transpose`, a tensor of rank below 2 is an error rather than returned
 * unchanged, so that transposing a vector by mistake is caught.
 *
 * @example
 * ```ts
 * import { tensor, transpose } from 'streamgrad';
 * transpose(tensor([[1, 2, 3], [4, 5, 6]])).toArray(); // [[1, 4], [2, 5], [3, 6]]
 * ```
 *
 * @param axis0 - first axis to swap. @default -2
 * @param axis1 - second axis to swap. @default -1
 * @throws ShapeError when `x` has rank < 2; ArgumentError when an axis is out of range.
 */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2) {
    throw new ShapeError(`transpose: needs a tensor of rank >= 2 to swap two axes, found shape ${fmtShape(x.shape)}`);
  }
  const i = normalizeAxis('transpose', axis0, x.rank);
  const j = normalizeAxis('transpose', axis1, x.rank);
  const perm = x.shape.map((_, d) => d);
  perm[i] = j;
  perm[j] = i;
  return permute(x, perm);
}

/** The permutation `q` with `q[p[d]] = d`, so that permuting by `p` then `q` is the identity. */
export function inversePermutation(p: readonly number[]): number[] {
  const q = new Array<number>(p.length);
  p.forEach((axis, d) => {
    q[axis] = d;
  });
  return q;
}

function checkPermutation(op: string, axes: readonly number[], shape: readonly number[]): number[] {
  const rank = shape.length;
  const fail = (): never => {
    throw new ArgumentError(
      `${op}: axes [${Array.isArray(axes) ? axes.join(',') : String(axes)}] is not a permutation of the ` +
        `${rank} axes of a tensor of shape ${fmtShape(shape)}`,
    );
  };
  if (!Array.isArray(axes) || axes.length !== rank) return fail();
  const perm = axes.map((a) => (Number.isInteger(a) && a >= -rank && a < rank ? (a < 0 ? a + rank : a) : -1));
  if (perm.includes(-1) || new Set(perm).size !== rank) return fail();
  return perm;
}

/** Copies `x` into output order: walks the output row-major, stepping the source offset by `x`'s strides. */
function permuteKernel(x: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  const rank = perm.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((a) => shape[a]);
  const step = perm.map((a) => inStrides[a]);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += step[d];
      if (idx[d] < outShape[d]) break;
      src -= step[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}
