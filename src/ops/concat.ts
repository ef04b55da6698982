import { record } from './autograd.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { reshape } from './reshape.js';
import { normalizeAxis, sameShape, sizeOf } from './shape.js';
import { slice } from './slice.js';
import { Tensor } from './tensor.js';

/**
 * Joins tensors end to end along an existing `axis`: the shapes must agree everywhere else,
 * and `out.shape[axis]` is the sum of theirs (NumPy `concatenate`, PyTorch `cat`). Backward
 * splits the gradient into one slice per input.
 *
 * @example
 * ```ts
 * import { concat, tensor } from 'streamgrad';
 * concat([tensor([[1, 2]]), tensor([[3, 4]])]).toArray();    // [[1, 2], [3, 4]]
 * concat([tensor([[1, 2]]), tensor([[3, 4]])], 1).toArray(); // [[1, 2, 3, 4]]
 * ```
 *
 * @param tensors - at least one tensor, all of the same rank (≥ 1).
 * @param axis - the axis to join along; negative counts from the end. @default 0
 * @throws ArgumentError for an empty list or a bad axis; ShapeError naming the first tensor
 *   whose shape does not match tensor 0 outside `axis`.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkList('concat', tensors);
  if (first.rank === 0) {
    throw new ShapeError('concat: cannot concatenate scalars (tensor 0 has shape []); use stack');
  }
  const ax = normalizeAxis('concat', axis, first.rank);
  tensors.forEach((t, i) => {
    const matches = t.rank === first.rank && t.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!matches) {
      throw new ShapeError(
        `concat: tensor ${i} of shape ${fmtShape(t.shape)} does not match tensor 0 of shape ` +
          `${fmtShape(first.shape)} outside axis ${ax}`,
      );
    }
  });
  const shape = [...first.shape];
  shape[ax] = tensors.reduce((total, t) => total + t.shape[ax], 0);

  // Each input contributes, for every index of the axes before `ax`, one contiguous block of
  // shape[ax]·inner elements; the output interleaves those blocks input by input.
  const outer = sizeOf(shape.slice(0, ax));
  const inner = sizeOf(shape.slice(ax + 1));
  const outRow = shape[ax] * inner;
  const data = new Float32Array(sizeOf(shape));
  let offset = 0;
  for (const t of tensors) {
    const block = t.shape[ax] * inner;
    for (let o = 0; o < outer; o++) {
      const src = o * block;
      const dst = o * outRow + offset;
      for (let j = 0; j < block; j++) data[dst + j] = t.data[src + j];
    }
    offset += block;
  }

  const out = new Tensor(data, shape);
  return record('concat', out, tensors, (g) => {
    let start = 0;
    return tensors.map((t) => {
      const begin = shape.map((_, j) => (j === ax ? start : 0));
      const end = shape.map((d, j) => (j === ax ? start + t.shape[ax] : d));
      start += t.shape[ax];
      return t.requiresGrad ? slice(g, begin, end) : null;
    });
  });
}

/**
 * Stacks tensors of one shape along a new `axis`: `out` has rank one higher, and
 * `out[..., i, ...]` (index `i` at `axis`) is `tensors[i]` (NumPy / PyTorch `stack`).
 * Composed from `reshape` and `concat`, so backward splits the gradient the same way.
 *
 * @example
 * ```ts
 * import { stack, tensor } from 'streamgrad';
 * stack([tensor([1, 2]), tensor([3, 4])]).toArray();    // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 * ```
 *
 * @param tensors - at least one tensor, all of the same shape (scalars allowed).
 * @param axis - position of the new axis in the result, `-(rank+1)..rank`. @default 0
 * @throws ArgumentError for an empty list or a bad axis; ShapeError naming the first tensor
 *   whose shape differs from tensor 0.
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = checkList('stack', tensors);
  const ax = normalizeAxis('stack', axis, first.rank + 1);
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError(
        `stack: tensor ${i} of shape ${fmtShape(t.shape)} differs from tensor 0 of shape ` +
          `${fmtShape(first.shape)}; stack needs equal shapes`,
      );
    }
  });
  const expanded = [...first.shape.slice(0, ax), 1, ...first.shape.slice(ax)];
  return concat(tensors.map((t) => reshape(t, expanded)), ax);
}

function checkList(op: string, tensors: readonly Tensor[]): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    const found = Array.isArray(tensors) ? '[]' : String(tensors);
    throw new ArgumentError(`${op}: expected a non-empty array of tensors, found ${found}`);
  }
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: tensor ${i} is not a Tensor (found ${typeof t})`);
  });
  return tensors[0];
}
