import { record } from './autograd.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { normalizeAxis, sizeOf, stridesOf } from './shape.js';
import { Tensor } from './tensor.js';

/** Integer indices: a tensor holding whole numbers (any shape), or a plain array (1-D). */
export type Indices = Tensor | readonly number[];

/**
 * Index select along `axis`, as TensorFlow's `tf.gather`: for every index `j` of `indices`,
 * the slab `x[..., indices[j], ...]`. The output shape is
 * `x.shape[:axis] + indices.shape + x.shape[axis+1:]`, so a scalar index removes the axis
 * and a 2-D `indices` replaces it with two. Indices must be whole numbers in
 * `[0, x.shape[axis])`: negative indices are an error, as in TensorFlow and PyTorch.
 *
 * Backward scatter-adds the gradient into zeros of `x`'s shape, so a repeated index receives
 * the sum of its rows' gradients. `indices` gets no gradient.
 *
 * @example
 * ```ts
 * import { gather, tensor } from 'streamgrad';
 * const table = tensor([[1, 2], [3, 4], [5, 6]]);
 * gather(table, [2, 0, 2]).toArray();                 // [[5, 6], [1, 2], [5, 6]]
 * gather(table, tensor([[0], [1]])).shape;            // [2, 1, 2]
 * gather(table, [1], 1).toArray();                    // [[2], [4], [6]]
 * ```
 *
 * @param indices - integer-valued tensor of any shape, or an array of integers.
 * @param axis - the axis to index; negative counts from the end. @default 0
 * @throws ArgumentError for a non-integer or out-of-range index (naming it and the axis size).
 */
export function gather(x: Tensor, indices: Indices, axis = 0): Tensor {
  const idx = toIndexTensor('gather', indices);
  if (x.rank === 0) throw new ShapeError('gather: x must have at least one dimension, found shape []');
  const ax = normalizeAxis('gather', axis, x.rank);
  const n = x.shape[ax];
  checkIndices('gather', idx, n, ax, x.shape);
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const m = idx.size;
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];

  // out[o, j, i] = x[o, indices[j], i] with o over the axes before `axis`, i over those after.
  const data = new Float32Array(sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * n + idx.data[j]) * inner;
      const dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) data[dst + i] = x.data[src + i];
    }
  }
  const out = new Tensor(data, shape);
  return record('gather', out, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        const dst = (o * n + idx.data[j]) * inner;
        const src = (o * m + j) * inner;
        for (let i = 0; i < inner; i++) gx[dst + i] += g.data[src + i];
      }
    }
    return [new Tensor(gx, x.shape)];
  });
}

/**
 * Picks one element of `x` along `axis` per position of `indices`, as NumPy's
 * `take_along_axis` and PyTorch's `torch.gather`:
 * `out[..., j, ...] = x[..., indices[..., j, ...], ...]` (the index replaces position `j` at
 * `axis`; every other coordinate is shared). `indices` has `x`'s rank and `x`'s size in every
 * dimension except `axis`, where its size is the number of picks (no broadcasting).
 * Indices must be whole numbers in `[0, x.shape[axis])`.
 *
 * Backward scatter-adds the gradient into zeros of `x`'s shape. `indices` gets no gradient.
 *
 * @example
 * ```ts
 * import { takeAlongAxis, tensor } from 'streamgrad';
 * // the logit of each row's label: labels [2, 0] as a column [[2], [0]]
 * const logits = tensor([[1, 2, 3], [4, 5, 6]]);
 * takeAlongAxis(logits, tensor([[2], [0]]), 1).toArray(); // [[3], [4]]
 * ```
 *
 * @param indices - integer-valued tensor of `x`'s rank (an array for a 1-D `x`).
 * @param axis - the axis to pick along; negative counts from the end.
 * @throws ShapeError when the shapes disagree outside `axis`; ArgumentError for a
 *   non-integer or out-of-range index.
 */
export function takeAlongAxis(x: Tensor, indices: Indices, axis: number): Tensor {
  const idx = toIndexTensor('takeAlongAxis', indices);
  if (x.rank === 0) throw new ShapeError('takeAlongAxis: x must have at least one dimension, found shape []');
  const ax = normalizeAxis('takeAlongAxis', axis, x.rank);
  const fits = idx.rank === x.rank && idx.shape.every((d, j) => j === ax || d === x.shape[j]);
  if (!fits) {
    throw new ShapeError(
      `takeAlongAxis: indices of shape ${fmtShape(idx.shape)} must have x's rank and match x's shape ` +
        `${fmtShape(x.shape)} outside axis ${ax}`,
    );
  }
  const n = x.shape[ax];
  checkIndices('takeAlongAxis', idx, n, ax, x.shape);
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const k = idx.shape[ax];

  // For output position (o, j, i): source is x[o, indices[o, j, i], i].
  const data = new Float32Array(idx.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < k; j++) {
      const pos = (o * k + j) * inner;
      for (let i = 0; i < inner; i++) data[pos + i] = x.data[(o * n + idx.data[pos + i]) * inner + i];
    }
  }
  const out = new Tensor(data, idx.shape);
  return record('takeAlongAxis', out, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < k; j++) {
        const pos = (o * k + j) * inner;
        for (let i = 0; i < inner; i++) gx[(o * n + idx.data[pos + i]) * inner + i] += g.data[pos + i];
      }
    }
    return [new Tensor(gx, x.shape)];
  });
}

function toIndexTensor(op: string, indices: Indices): Tensor {
  if (indices instanceof Tensor) return indices;
  if (Array.isArray(indices)) {
    indices.forEach((v, j) => {
      if (!Number.isInteger(v)) {
        throw new ArgumentError(`${op}: indices must hold integers, found ${String(v)} at indices[${j}]`);
      }
    });
    return new Tensor(Float32Array.from(indices), [indices.length]);
  }
  throw new ArgumentError(`${op}: indices must be a Tensor or an array of integers, found ${typeof indices}`);
}

/** Every index must be a whole number in `[0, n)`; the message names the offending one. */
function checkIndices(op: string, idx: Tensor, n: number, axis: number, shape: readonly number[]): void {
  for (let p = 0; p < idx.size; p++) {
    const v = idx.data[p];
    if (Number.isInteger(v) && v >= 0 && v < n) continue;
    const where = `at indices[${unravel(p, idx.shape).join(',')}]`;
    if (!Number.isInteger(v)) {
      throw new ArgumentError(`${op}: indices must hold integers, found ${v} ${where}`);
    }
    throw new ArgumentError(
      `${op}: index ${v} ${where} is out of range for axis ${axis} of size ${n} (x ${fmtShape(shape)})`,
    );
  }
}

/** The multi-index of flat position `p` in a row-major tensor of `shape`. */
function unravel(p: number, shape: readonly number[]): number[] {
  return stridesOf(shape).map((s, d) => Math.floor(p / s) % shape[d]);
}
