import { binaryOp, unaryOp } from './elementwise.js';
import type { Tensor } from './tensor.js';
import type { TensorLike } from './tensor-like.js';

/** `a + b`, element-wise with broadcasting. d/da = 1, d/db = 1. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('add', a, b, (x, y) => x + y, (g) => [g, g]);
}

/** `a − b`, element-wise with broadcasting. d/da = 1, d/db = −1. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('sub', a, b, (x, y) => x - y, (g) => [g, neg(g)]);
}

/** `a · b`, element-wise with broadcasting. d/da = b, d/db = a. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('mul', a, b, (x, y) => x * y, (g, x, y) => [mul(g, y), mul(g, x)]);
}

/** `a / b`, element-wise with broadcasting. d/da = 1/b, d/db = −a/b². */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('div', a, b, (x, y) => x / y, (g, x, y, out) => [div(g, y), neg(div(mul(g, out), y))]);
}

/** `−x`, element-wise. */
export function neg(x: TensorLike): Tensor {
  return unaryOp('neg', x, (v) => -v, () => -1);
}
