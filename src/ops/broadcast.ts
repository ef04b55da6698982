import { record } from './autograd.js';
import { ShapeError, fmtShape } from './errors.js';
import { foldInto, mapBinary } from './kernels/strided.js';
import { broadcastShapes, checkShape, sameShape, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Repeats `x` along its size-1 (and missing leading) dimensions to `shape`, by NumPy's
 * broadcasting rules. Backward sums the gradient back down to `x`'s shape.
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShape('broadcastTo', shape);
  const joined = broadcastShapes('broadcastTo', x.shape, target);
  if (!sameShape(joined, target)) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(target)}`);
  }
  if (sameShape(x.shape, target)) return x;
  const zeros = new Float32Array(1);
  const out = new Tensor(mapBinary(x.data, x.shape, zeros, [], target, (v) => v), target);
  return record('broadcastTo', out, [x], (g) => [sumTo(g, x.shape)]);
}

/**
 * Sums `x` down to `shape`, the inverse of broadcasting: leading dimensions that `shape` lacks
 * and dimensions where `shape` has 1 are summed away. This is how every broadcasting op
 * returns its gradient to a smaller operand.
 */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  const target = checkShape('sumTo', shape);
  if (sameShape(x.shape, target)) return x;
  const joined = broadcastShapes('sumTo', x.shape, target);
  if (!sameShape(joined, x.shape)) {
    throw new ShapeError(`sumTo: cannot sum ${fmtShape(x.shape)} down to ${fmtShape(target)}`);
  }
  const padded = [...new Array<number>(x.rank - target.length).fill(1), ...target];
  const acc = foldInto(x.data, x.shape, new Float64Array(sizeOf(target)), padded, (a, v) => a + v);
  const out = new Tensor(Float32Array.from(acc), target);
  return record('sumTo', out, [x], (g) => [broadcastTo(g, x.shape)]);
}
