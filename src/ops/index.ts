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
export { maxPool2d, maxPool2dOutputShape } from './max-pool2d.js';
export { avgPool2d, avgPool2dOutputShape, type AvgPool2dOptions } from './avg-pool2d.js';
export { upsampleNearest2d, upsampleNearest2dOutputShape, type UpsampleNearest2dOptions } from './upsample-nearest2d.js';
export type { Pool2dOptions } from './pool-options.js';
export { permute, transpose } from './transpose.js';
export { concat, stack } from './concat.js';
export { slice } from './slice.js';
export { gather, takeAlongAxis, type Indices } from './gather.js';
export { pad } from './pad.js';
export { matmul } from './matmul.js';
export { exp, log, sqrt, abs } from './unary.js';
export { pow } from './pow.js';
export { maximum, minimum, clip, where } from './compare.js';
export { mean, max, min, argmax, argmin } from './reduce.js';
export { logSumExp } from './log-sum-exp.js';
export { variance, type VarianceOptions } from './variance.js';
export { setKernelBackend, getKernelBackend, type KernelBackend } from './kernels/backend.js';
export { setKernelThreads, getKernelThreads } from './kernels/threads/config.js';
