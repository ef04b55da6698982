import { record } from './autograd.js';
import { sumTo } from './broadcast.js';
import { type BinaryRun, mapBinary, mapUnary } from './kernels/strided.js';
import { broadcastShapes } from './shape.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './tensor-like.js';

/**
 * Builds a differentiable element-wise unary op from its scalar function `f` and its
 * derivative `df(x, y)` (given the input `x` and the output `y = f(x)`, whichever is handier).
 * The VJP is `g · df`, element by element.
 */
export function unaryOp(
  op: string,
  xIn: TensorLike,
  f: (x: number) => number,
  df: (x: number, y: number) => number,
): Tensor {
  const x = toTensor(op, 'x', xIn);
  const out = new Tensor(mapUnary(x.data, f), x.shape);
  return record(op, out, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let i = 0; i < gx.length; i++) gx[i] = g.data[i] * df(x.data[i], out.data[i]);
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Builds a differentiable element-wise binary op with NumPy broadcasting. `grads(g, a, b, out)`
 * returns the gradients for `a` and `b` at the broadcast shape; they are summed back down to
 * each operand's own shape here, so every binary op broadcasts the same way.
 *
 * `run`, when given, is `f` written as a loop over a run of elements (see `BinaryRun`); it
 * makes the common layouts (equal shapes, a scalar, a bias) several times faster and must
 * compute exactly what `f` does.
 */
export function binaryOp(
  op: string,
  aIn: TensorLike,
  bIn: TensorLike,
  f: (x: number, y: number) => number,
  grads: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null],
  run?: BinaryRun,
): Tensor {
  const a = toTensor(op, 'a', aIn);
  const b = toTensor(op, 'b', bIn);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const out = new Tensor(mapBinary(a.data, a.shape, b.data, b.shape, shape, f, run), shape);
  return record(op, out, [a, b], (g) => {
    const [ga, gb] = grads(g, a, b, out);
    return [ga && a.requiresGrad ? sumTo(ga, a.shape) : null, gb && b.requiresGrad ? sumTo(gb, b.shape) : null];
  });
}
