import { ArgumentError, ShapeError } from './errors.js';

/** One spatial dimension of a convolution or pooling window. */
export interface WindowDim {
  /** Input size W (height or width). */
  readonly size: number;
  /** Kernel size F. */
  readonly kernel: number;
  /** Stride S. */
  readonly stride: number;
  /** Zero padding P on each side. */
  readonly padding: number;
  /** Dilation D (1 for pooling). */
  readonly dilation?: number;
}

/**
 * Output size of a convolution or pooling window along one dimension,
 * `(W − F + 2P) / S + 1` (CS231n), or with dilation `(W + 2P − D·(F − 1) − 1) / S + 1`
 * as PyTorch documents it.
 *
 * Unlike PyTorch, a configuration where this is not a whole number is an error, not a
 * silent floor: the window would skip the last rows or columns of the input. The message
 * shows the formula with the numbers in it.
 *
 * @param op - the op name used in the message, e.g. `conv2d`.
 * @param axis - `height` or `width`, used in the message.
 */
export function convOutputSize(op: string, axis: string, d: WindowDim): number {
  const dilation = d.dilation ?? 1;
  const span = dilation * (d.kernel - 1) + 1;
  const numerator = d.size - span + 2 * d.padding;
  const out = numerator / d.stride + 1;
  if (Number.isInteger(out) && out >= 1) return out;
  const f = dilation === 1 ? `${d.kernel}` : `(${dilation}·(${d.kernel} − 1) + 1)`;
  const shown = Number.isInteger(out) ? String(out) : out.toFixed(2);
  const why = out < 1 ? 'is below 1: the window is larger than the padded input' : 'is not a whole number';
  throw new ShapeError(
    `${op}: output ${axis} (W − F + 2P)/S + 1 = (${d.size} − ${f} + 2·${d.padding})/${d.stride} + 1 = ${shown} ${why} ` +
      `(input ${axis} ${d.size}, kernel ${d.kernel}, stride ${d.stride}, padding ${d.padding}` +
      (dilation === 1 ? ')' : `, dilation ${dilation})`),
  );
}

/** Normalizes `n | [h, w]` to a pair, checking each is an integer ≥ `min`. */
export function pair(op: string, name: string, value: number | readonly [number, number], min: number): [number, number] {
  const p: [number, number] = typeof value === 'number' ? [value, value] : [value[0], value[1]];
  if (
    (typeof value !== 'number' && (!Array.isArray(value) || value.length !== 2)) ||
    p.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < min)
  ) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} or a pair of them, found ${JSON.stringify(value)}`);
  }
  return p;
}
