/**
 * Reference kernel for `max`, `min`, `argmax` and `argmin`: one pass over the input in
 * row-major order, keeping per output slot the best value and where it was found.
 */
import { broadcastStrides, sizeOf, stridesOf } from '../shape.js';

/** Result of `argReduce`, one entry per output slot. */
export interface ArgReduction {
  /** The extreme value of each slot. */
  readonly values: Float32Array;
  /** Flat index into the input of the element that gave it (for scattering the gradient). */
  readonly flat: Int32Array;
  /** Row-major index of that element within the reduced axes (what `argmax` returns). */
  readonly within: Int32Array;
}

/**
 * Reduces `x` (of `shape`) over the axes where `keptShape` (same rank) has 1, taking the
 * maximum (`mode = 'max'`) or minimum. Ties go to the first element in row-major order (the
 * comparison is strict), and NaN beats every number, as in NumPy, so `max` propagates NaN.
 * Every reduced slot must hold at least one element; the caller checks.
 */
export function argReduce(
  x: Float32Array,
  shape: readonly number[],
  keptShape: readonly number[],
  mode: 'max' | 'min',
): ArgReduction {
  const n = sizeOf(keptShape);
  const values = new Float32Array(n);
  const flat = new Int32Array(n).fill(-1);
  const within = new Int32Array(n);
  const rank = shape.length;
  // Output offset moves along kept axes only; position within the reduced block along reduced axes only.
  const outStrides = broadcastStrides(keptShape, shape);
  const blockStrides = stridesOf(shape.map((d, i) => (keptShape[i] === 1 ? d : 1))).map((s, i) =>
    keptShape[i] === 1 ? s : 0,
  );
  const isMax = mode === 'max';
  const idx = new Array<number>(rank).fill(0);
  let j = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const best = values[j];
    const better = isMax ? v > best : v < best;
    const nanFirst = v !== v && best === best;
    if (flat[j] < 0 || better || nanFirst) {
      values[j] = v;
      flat[j] = i;
      within[j] = k;
    }
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      j += outStrides[d];
      k += blockStrides[d];
      if (idx[d] < shape[d]) break;
      j -= outStrides[d] * shape[d];
      k -= blockStrides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { values, flat, within };
}
