import { mul } from './arithmetic.js';
import { binaryOp } from './elementwise.js';
import { mapBinary } from './kernels/strided.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './tensor-like.js';

/** d(xᵖ)/dx = p·xᵖ⁻¹; 0 when p = 0 (xᵖ is the constant 1 there, even at x = 0). */
function dBase(x: number, p: number): number {
  return p === 0 ? 0 : p * Math.pow(x, p - 1);
}

/**
 * d(xᵖ)/dp = xᵖ·ln x; 0 when x = 0 and p ≥ 0, where xᵖ is 0 (or 1 for p = 0) on the
 * side x > 0 and the limit of xᵖ·ln x is 0. For x < 0 it is NaN (ln x is), as in PyTorch.
 */
function dExponent(x: number, p: number): number {
  return x === 0 && p >= 0 ? 0 : Math.pow(x, p) * Math.log(x);
}

/**
 * `xᵖ`, element-wise with NumPy broadcasting between `x` and `p`.
 * d/dx = p·xᵖ⁻¹ and d/dp = xᵖ·ln x.
 *
 * Where the derivative is undefined we follow PyTorch: d/dx is 0 where p = 0, and d/dp is 0
 * where x = 0 and p ≥ 0; for x < 0, d/dp is NaN (a negative base has a real power only at
 * integer exponents, so the exponent has no real neighbourhood to differentiate in).
 *
 * @param x - the base.
 * @param p - the exponent: a tensor broadcast against `x`, or a number.
 * @example
 * ```ts
 * import { pow, tensor } from 'streamgrad';
 * pow(tensor([1, 2, 3]), 2).toArray();                 // [1, 4, 9]
 * pow(tensor([4, 8]), tensor([0.5, 1 / 3])).toArray(); // [2, 2]
 * ```
 */
export function pow(x: Tensor, p: TensorLike): Tensor {
  const base = toTensor('pow', 'x', x);
  const exponent = toTensor('pow', 'p', p);
  return binaryOp('pow', base, exponent, Math.pow, (g, a, b) => {
    const shape = g.shape;
    const local = (df: (x: number, p: number) => number): Tensor =>
      new Tensor(mapBinary(a.data, a.shape, b.data, b.shape, shape, df), shape);
    return [a.requiresGrad ? mul(g, local(dBase)) : null, b.requiresGrad ? mul(g, local(dExponent)) : null];
  });
}
