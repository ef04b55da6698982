/**
 * Reductions beyond `sum`: the mean, the extreme values and their positions. `axis` is one
 * axis, a list of axes, or omitted for all; negative axes count from the end; with
 * `keepDims` the reduced axes stay as size 1.
 */
import { div } from './arithmetic.js';
import { record } from './autograd.js';
import { ArgumentError, fmtShape } from './errors.js';
import { argReduce, type ArgReduction } from './kernels/reduce-arg.js';
import { normalizeAxes, sizeOf } from './shape.js';
import { reducedShape, sum } from './sum.js';
import { Tensor } from './tensor.js';

/** The axes a reduction takes: one, a list, or `undefined` for all. */
type Axis = number | readonly number[] | undefined;

/**
 * Arithmetic mean over `axis`: `sum(x, axis) / N` with N the number of elements reduced.
 * The mean of no elements is NaN (0/0), as in NumPy and PyTorch. Backward spreads `g / N`
 * evenly over the reduced elements.
 *
 * @example
 * ```ts
 * import { mean, tensor } from 'streamgrad';
 * mean(tensor([[1, 2], [3, 4]]), 0).toArray();        // [2, 3]
 * mean(tensor([[1, 2], [3, 4]]), 1, true).toArray();  // [[1.5], [3.5]]
 * mean(tensor([[1, 2], [3, 4]])).item();              // 2.5
 * ```
 */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const axes = normalizeAxes('mean', axis, x.rank);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  return div(sum(x, axes, keepDims), count);
}

/** Checks the axes and runs the kernel; throws when a non-empty result would reduce nothing. */
function extremes(op: string, x: Tensor, axis: Axis, mode: 'max' | 'min'): { axes: number[]; r: ArgReduction } {
  const axes = normalizeAxes(op, axis, x.rank);
  const kept = reducedShape(x.shape, axes, true);
  if (x.size === 0 && sizeOf(kept) > 0) {
    throw new ArgumentError(
      `${op}: cannot reduce over an empty axis: input ${fmtShape(x.shape)}, axes [${axes.join(',')}] ` +
        'hold no elements and the result has no identity',
    );
  }
  return { axes, r: argReduce(x.data, x.shape, kept, mode) };
}

/** The values of `max` or `min`, with the gradient routed to the element that was picked. */
function extremeValues(op: string, x: Tensor, axis: Axis, keepDims: boolean, mode: 'max' | 'min'): Tensor {
  const { axes, r } = extremes(op, x, axis, mode);
  const out = new Tensor(r.values, reducedShape(x.shape, axes, keepDims));
  return record(op, out, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let j = 0; j < r.flat.length; j++) gx[r.flat[j]] = g.data[j];
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Largest value over `axis`; NaN if any reduced value is NaN (as in NumPy). The gradient
 * goes entirely to the first maximal element in row-major order, the one `argmax` returns
 * (PyTorch's `amax` splits it between ties instead). Reducing over an empty axis throws,
 * since a maximum of nothing is undefined.
 *
 * @example
 * ```ts
 * import { max, tensor } from 'streamgrad';
 * max(tensor([[1, 5, 2], [7, 0, 3]]), 1).toArray(); // [5, 7]
 * max(tensor([[1, 5, 2], [7, 0, 3]])).item();       // 7
 * ```
 */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return extremeValues('max', x, axis, keepDims, 'max');
}

/**
 * Smallest value over `axis`; NaN if any reduced value is NaN. The gradient goes entirely
 * to the first minimal element in row-major order, the one `argmin` returns. Reducing over
 * an empty axis throws.
 *
 * @example
 * ```ts
 * import { min, tensor } from 'streamgrad';
 * min(tensor([[1, 5, 2], [7, 0, 3]]), 1).toArray(); // [1, 0]
 * ```
 */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return extremeValues('min', x, axis, keepDims, 'min');
}

function positions(op: string, x: Tensor, axis: Axis, keepDims: boolean, mode: 'max' | 'min'): Tensor {
  const { axes, r } = extremes(op, x, axis, mode);
  return new Tensor(Float32Array.from(r.within), reducedShape(x.shape, axes, keepDims));
}

/**
 * Position of the largest value over `axis`, as float32 values; the first one at ties, the
 * first NaN if there is one (as NumPy). With one axis it is the index along that axis; with
 * `axis` omitted, the flat row-major index; with a list of axes, the row-major index within
 * the block those axes span. Not differentiable: the result never requires grad.
 * Indices above 2²⁴ are not exact in float32.
 *
 * @example
 * ```ts
 * import { argmax, tensor } from 'streamgrad';
 * argmax(tensor([[1, 5, 2], [7, 0, 3]]), 1).toArray(); // [1, 0]
 * argmax(tensor([[1, 5, 2], [7, 0, 3]])).item();       // 3
 * ```
 */
export function argmax(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return positions('argmax', x, axis, keepDims, 'max');
}

/**
 * Position of the smallest value over `axis`, indexed as `argmax` does; the first one at
 * ties. Not differentiable.
 *
 * @example
 * ```ts
 * import { argmin, tensor } from 'streamgrad';
 * argmin(tensor([[1, 5, 2], [7, 0, 3]]), 1).toArray(); // [0, 1]
 * ```
 */
export function argmin(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return positions('argmin', x, axis, keepDims, 'min');
}
