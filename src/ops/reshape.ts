import { record } from './autograd.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** Resolves one `-1` in a requested shape and checks that the element count is kept. */
export function resolveShape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const dims = [...to];
  const unknown = dims.flatMap((d, i) => (d === -1 ? [i] : []));
  for (const d of dims) {
    if (!Number.isInteger(d) || d < -1) {
      throw new ArgumentError(`${op}: dimensions must be non-negative integers or one -1, found ${fmtShape(to)}`);
    }
  }
  if (unknown.length > 1) throw new ArgumentError(`${op}: at most one dimension may be -1, found ${fmtShape(to)}`);
  const n = sizeOf(from);
  if (unknown.length === 1) {
    const known = sizeOf(dims.filter((d) => d !== -1));
    if (known === 0 || n % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${fmtShape(from)} (${n} elements) to ${fmtShape(to)}`);
    }
    dims[unknown[0]] = n / known;
  }
  if (sizeOf(dims) !== n) {
    throw new ShapeError(
      `${op}: cannot reshape ${fmtShape(from)} (${n} elements) to ${fmtShape(to)} (${sizeOf(dims)} elements)`,
    );
  }
  return dims;
}

/**
 * The same values with another shape (row-major order is kept); one dimension may be `-1`
 * and is inferred. The result shares `x`'s storage. Backward reshapes the gradient back.
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const dims = resolveShape('reshape', x.shape, shape);
  const out = new Tensor(x.data, dims);
  return record('reshape', out, [x], (g) => [reshape(g, x.shape)]);
}
