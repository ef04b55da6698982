/**
 * Element-wise unary primitives. Each line is the forward `f` and its derivative `df(x, y)`
 * (given the input `x` and the output `y = f(x)`); `unaryOp` turns the pair into an op
 * whose VJP is `g · df`.
 */
import { unaryOp } from './elementwise.js';
import type { Tensor } from './tensor.js';
import type { TensorLike } from './tensor-like.js';

/**
 * `eˣ`, element-wise. d/dx = eˣ, which is the output itself.
 *
 * @example
 * ```ts
 * import { exp, tensor } from 'streamgrad';
 * exp(tensor([0, 1])).toArray(); // [1, 2.7182817]
 * ```
 */
export function exp(x: TensorLike): Tensor {
  return unaryOp('exp', x, Math.exp, (_x, y) => y);
}

/**
 * Natural logarithm `ln x`, element-wise; `ln 0 = −∞` and `ln x = NaN` for `x < 0`, as in
 * IEEE arithmetic. d/dx = 1/x.
 *
 * @example
 * ```ts
 * import { log, tensor } from 'streamgrad';
 * log(tensor([1, Math.E])).toArray(); // [0, 1]
 * ```
 */
export function log(x: TensorLike): Tensor {
  return unaryOp('log', x, Math.log, (v) => 1 / v);
}

/**
 * `√x`, element-wise (`NaN` for `x < 0`). d/dx = 1 / (2√x), infinite at 0.
 *
 * @example
 * ```ts
 * import { sqrt, tensor } from 'streamgrad';
 * sqrt(tensor([4, 9])).toArray(); // [2, 3]
 * ```
 */
export function sqrt(x: TensorLike): Tensor {
  return unaryOp('sqrt', x, Math.sqrt, (_x, y) => 0.5 / y);
}

/**
 * `|x|`, element-wise. d/dx = sign(x), taken as 0 at `x = 0` (as PyTorch does), so a
 * gradient step never pushes an exact zero either way.
 *
 * @example
 * ```ts
 * import { abs, tensor } from 'streamgrad';
 * abs(tensor([-2, 0, 3])).toArray(); // [2, 0, 3]
 * ```
 */
export function abs(x: TensorLike): Tensor {
  return unaryOp('abs', x, Math.abs, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0));
}
