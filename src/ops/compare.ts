/**
 * Element-wise selection: the larger or smaller of two tensors, clipping to a range, and
 * choosing by a condition. Each routes the incoming gradient to whichever input was selected.
 */
import { mul } from './arithmetic.js';
import { record } from './autograd.js';
import { sumTo } from './broadcast.js';
import { binaryOp, unaryOp } from './elementwise.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { mapBinary } from './kernels/strided.js';
import { broadcastShapes, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './tensor-like.js';

/** Share of the gradient that goes to `x` in max(x, y): all if it won, half at a tie. */
function maxShare(x: number, y: number): number {
  return x > y ? 1 : x === y ? 0.5 : 0;
}

/** Share of the gradient that goes to `x` in min(x, y). */
function minShare(x: number, y: number): number {
  return x < y ? 1 : x === y ? 0.5 : 0;
}

/** Splits `g` between `a` (share `s`) and `b` (share `1 − s`), at the broadcast shape. */
function split(g: Tensor, a: Tensor, b: Tensor, share: (x: number, y: number) => number): [Tensor, Tensor] {
  const toA = mapBinary(a.data, a.shape, b.data, b.shape, g.shape, share);
  const toB = new Float32Array(toA.length);
  for (let i = 0; i < toA.length; i++) toB[i] = 1 - toA[i];
  return [mul(g, new Tensor(toA, g.shape)), mul(g, new Tensor(toB, g.shape))];
}

/**
 * `max(a, b)`, element-wise with NumPy broadcasting; NaN in either operand gives NaN.
 * The gradient goes to the larger operand; at a tie it is split equally (as in PyTorch), so
 * `maximum(x, x)` has gradient 1 like `x` itself.
 *
 * @example
 * ```ts
 * import { maximum, tensor } from 'streamgrad';
 * maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray(); // [4, 5, 3]
 * maximum(tensor([-1, 2]), 0).toArray();                   // [0, 2]
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('maximum', a, b, Math.max, (g, x, y) => split(g, x, y, maxShare));
}

/**
 * `min(a, b)`, element-wise with NumPy broadcasting; NaN in either operand gives NaN.
 * The gradient goes to the smaller operand; at a tie it is split equally (as in PyTorch).
 *
 * @example
 * ```ts
 * import { minimum, tensor } from 'streamgrad';
 * minimum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray(); // [1, 2, 3]
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('minimum', a, b, Math.min, (g, x, y) => split(g, x, y, minShare));
}

function assertBound(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new ArgumentError(`clip: ${name} must be a number (use ±Infinity for no bound), found ${String(value)}`);
  }
}

/**
 * `min(max(x, lo), hi)`, element-wise: values below `lo` become `lo`, above `hi` become `hi`;
 * NaN stays NaN. The gradient is 1 for `lo ≤ x ≤ hi` and 0 outside. At a bound itself the
 * gradient passes (as PyTorch's `clamp` does), so a value sitting exactly on the bound can
 * still be moved back inside by the optimizer.
 *
 * @param lo - the lower bound; `-Infinity` for none.
 * @param hi - the upper bound; `Infinity` for none. Must be `≥ lo`.
 * @example
 * ```ts
 * import { clip, tensor } from 'streamgrad';
 * clip(tensor([-2, 0.5, 3]), 0, 1).toArray();        // [0, 0.5, 1]
 * clip(tensor([-2, 0.5, 3]), 0, Infinity).toArray(); // [0, 0.5, 3]
 * ```
 */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  assertBound('lo', lo);
  assertBound('hi', hi);
  if (lo > hi) {
    throw new ArgumentError(`clip: lower bound ${lo} is above upper bound ${hi} (input ${fmtShape(x.shape)})`);
  }
  return unaryOp(
    'clip',
    x,
    (v) => Math.min(Math.max(v, lo), hi),
    (v) => (v >= lo && v <= hi ? 1 : 0),
  );
}

/** `data` (of `shape`) repeated to the broadcast shape `target`. */
function expand(data: Float32Array, shape: readonly number[], target: readonly number[]): Float32Array {
  if (data.length === sizeOf(target)) return data;
  return mapBinary(data, shape, Float32Array.of(0), [], target, (v) => v);
}

/**
 * Element-wise choice `condition ? a : b`, with `condition`, `a` and `b` broadcast together
 * by NumPy's rules. A condition value counts as true when it is nonzero (NaN included).
 * The gradient goes to `a` where the condition holds and to `b` where it does not; the
 * condition gets none.
 *
 * @param condition - a mask; nonzero means "take from `a`".
 * @example
 * ```ts
 * import { where, tensor } from 'streamgrad';
 * where(tensor([1, 0, 1]), tensor([1, 2, 3]), tensor([4, 5, 6])).toArray(); // [1, 5, 3]
 * where(tensor([[1], [0]]), tensor([1, 2]), 0).toArray();                  // [[1, 2], [0, 0]]
 * ```
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(condition instanceof Tensor)) {
    throw new ArgumentError(`where: condition must be a Tensor, found ${condition === null ? 'null' : typeof condition}`);
  }
  const x = toTensor('where', 'a', a);
  const y = toTensor('where', 'b', b);
  let shape: number[];
  try {
    shape = broadcastShapes('where', broadcastShapes('where', condition.shape, x.shape), y.shape);
  } catch {
    throw new ShapeError(
      `where: shapes condition ${fmtShape(condition.shape)}, a ${fmtShape(x.shape)} and b ${fmtShape(y.shape)} ` +
        'cannot be broadcast together',
    );
  }
  const mask = expand(condition.data, condition.shape, shape);
  const xs = expand(x.data, x.shape, shape);
  const ys = expand(y.data, y.shape, shape);
  const values = new Float32Array(mask.length);
  for (let i = 0; i < values.length; i++) values[i] = mask[i] !== 0 ? xs[i] : ys[i];
  const out = new Tensor(values, shape);
  return record('where', out, [condition, x, y], (g) => {
    const toA = new Float32Array(mask.length);
    const toB = new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) {
      toA[i] = mask[i] !== 0 ? g.data[i] : 0;
      toB[i] = mask[i] !== 0 ? 0 : g.data[i];
    }
    return [
      null,
      x.requiresGrad ? sumTo(new Tensor(toA, shape), x.shape) : null,
      y.requiresGrad ? sumTo(new Tensor(toB, shape), y.shape) : null,
    ];
  });
}
