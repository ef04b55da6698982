import { ArgumentError, ShapeError, fmtShape } from './errors.js';

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Checks that every dimension is a non-negative integer. */
export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) {
    throw new ArgumentError(`${op}: shape must be an array of integers, found ${String(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ArgumentError(`${op}: shape must hold non-negative integers, found [${shape.join(',')}]`);
    }
  }
  return [...shape];
}

/**
 * Normalizes an axis to `0..rank-1`, accepting negative axes as NumPy does.
 * Throws naming the op when the axis is out of range.
 */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes `undefined | number | number[]` to a sorted list of distinct axes (all axes for undefined). */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) {
    throw new ArgumentError(`${op}: repeated axis in [${list.join(',')}]`);
  }
  return out.sort((a, b) => a - b);
}

/**
 * NumPy broadcasting: shapes are aligned on the right; each pair of dimensions must be
 * equal or one of them 1. Returns the broadcast shape.
 */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast ` +
          `(dimension ${i} of the aligned shapes: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides for reading a tensor of shape `shape` as if it had the (broadcast) shape `target`:
 * broadcast dimensions get stride 0.
 */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((d, i) => {
    const j = i - offset;
    if (j < 0 || shape[j] === 1) return 0;
    return own[j];
  });
}

/** True when both shapes have the same rank and dimensions. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
