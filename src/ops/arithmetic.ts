import { binaryOp, unaryOp } from './elementwise.js';
import type { BinaryRun } from './kernels/strided.js';
import type { Tensor } from './tensor.js';
import type { TensorLike } from './tensor-like.js';

// Each op's scalar function also written as a loop over a run of elements (see `BinaryRun`),
// so that the same-shape, scalar and bias layouts run without a call per element.
const addRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] + b[bi + i * bs];
};
const subRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] - b[bi + i * bs];
};
const mulRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] * b[bi + i * bs];
};
const divRun: BinaryRun = (a, ai, as, b, bi, bs, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = a[ai + i * as] / b[bi + i * bs];
};

/** `a + b`, element-wise with broadcasting. d/da = 1, d/db = 1. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('add', a, b, (x, y) => x + y, (g) => [g, g], addRun);
}

/** `a − b`, element-wise with broadcasting. d/da = 1, d/db = −1. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('sub', a, b, (x, y) => x - y, (g) => [g, neg(g)], subRun);
}

/** `a · b`, element-wise with broadcasting. d/da = b, d/db = a. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('mul', a, b, (x, y) => x * y, (g, x, y) => [mul(g, y), mul(g, x)], mulRun);
}

/** `a / b`, element-wise with broadcasting. d/da = 1/b, d/db = −a/b². */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('div', a, b, (x, y) => x / y, (g, x, y, out) => [div(g, y), neg(div(mul(g, out), y))], divRun);
}

/** `−x`, element-wise. */
export function neg(x: TensorLike): Tensor {
  return unaryOp('neg', x, (v) => -v, () => -1);
}
