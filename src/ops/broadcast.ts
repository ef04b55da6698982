import { record } from './autograd.js';
import { ShapeError, fmtShape } from './errors.js';
import { broadcastInto, sumInto } from './kernels/strided.js';
import { broadcastShapes, checkShape, sameShape } from './shape.js';
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
  const out = new Tensor(broadcastInto(x.data, x.shape, target), target);
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
  const out = new Tensor(new Float32Array(sumInto(x.data, x.shape, padded)), target);
  return record('sumTo', out, [x], (g) => [broadcastTo(g, x.shape)]);
}
