/**
 * streamgrad/ops: tensors, the seeded RNG, define-by-run autograd and the differentiable ops.
 * @packageDocumentation
 */
export { Tensor, type NestedArray } from './tensor.js';
export { ShapeError, ArgumentError } from './errors.js';
export { Rng, deriveSeed, type RngState } from './rng.js';
export { backward, noGrad, isGradEnabled, record, type Vjp } from './autograd.js';
export { grad, valueAndGrad } from './functional.js';
export {
  tensor,
  zeros,
  ones,
  full,
  arange,
  eye,
  randn,
  randu,
  type CreateOptions,
  type RandnOptions,
  type RanduOptions,
} from './creation.js';
export type { TensorLike } from './tensor-like.js';
export { broadcastShapes } from './shape.js';
export { broadcastTo, sumTo } from './broadcast.js';
export { add, sub, mul, div, neg } from './arithmetic.js';
export { reshape } from './reshape.js';
export { sum } from './sum.js';
export { sigmoid, tanh, relu, leakyRelu, elu, softplus, type SoftplusOptions } from './activations.js';
export { softmax, logSoftmax } from './softmax.js';
export { conv2d, conv2dOutputShape, type Conv2dOptions, type Conv2dShapeOptions } from './conv2d.js';
export {
  convTranspose2d,
  convTranspose2dOutputShape,
  type ConvTranspose2dOptions,
  type ConvTranspose2dShapeOptions,
} from './conv-transpose2d.js';
