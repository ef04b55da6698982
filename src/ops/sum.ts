import { record } from './autograd.js';
import { broadcastTo } from './broadcast.js';
import { sumInto } from './kernels/strided.js';
import { normalizeAxes } from './shape.js';
import { reshape } from './reshape.js';
import { Tensor } from './tensor.js';

/** Shape of a reduction's result: reduced axes become 1 (`keepDims`) or are dropped. */
export function reducedShape(shape: readonly number[], axes: readonly number[], keepDims: boolean): number[] {
  return keepDims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

/**
 * Sum over `axis` (one axis, a list, or all when omitted); negative axes count from the end.
 * With `keepDims` the reduced axes stay as size 1. Backward broadcasts the gradient back.
 */
export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = normalizeAxes('sum', axis, x.rank);
  const kept = reducedShape(x.shape, axes, true);
  const out = new Tensor(new Float32Array(sumInto(x.data, x.shape, kept)), reducedShape(x.shape, axes, keepDims));
  return record('sum', out, [x], (g) => [broadcastTo(reshape(g, kept), x.shape)]);
}
