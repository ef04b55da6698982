import { ArgumentError, assertFinite, assertInt } from './errors.js';
import type { Rng } from './rng.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Options shared by the creation helpers. */
export interface CreateOptions {
  /** Track gradients for this tensor (a leaf). @default false */
  requiresGrad?: boolean;
}

function inferShape(values: NestedArray, path: string): number[] {
  if (typeof values === 'number') return [];
  if (!Array.isArray(values)) {
    throw new ArgumentError(`tensor: expected a number or an array at ${path}, found ${typeof values}`);
  }
  if (values.length === 0) return [0];
  const inner = inferShape(values[0], `${path}[0]`);
  for (let i = 1; i < values.length; i++) {
    const other = inferShape(values[i], `${path}[${i}]`);
    if (other.length !== inner.length || other.some((d, k) => d !== inner[k])) {
      throw new ArgumentError(
        `tensor: ragged nested array: ${path}[0] has shape [${inner.join(',')}] but ${path}[${i}] has shape [${other.join(',')}]`,
      );
    }
  }
  return [values.length, ...inner];
}

/**
 * Makes a tensor from numbers: a scalar, a nested array (shape inferred), or a flat
 * array-like with an explicit `shape`. Values are copied.
 *
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);            // shape [2, 2]
 * tensor([1, 2, 3, 4, 5, 6], [2, 3]);  // shape [2, 3]
 * tensor(3.5);                         // shape []
 * ```
 */
export function tensor(
  values: ArrayLike<number> | NestedArray,
  shape?: readonly number[],
  opts: CreateOptions = {},
): Tensor {
  let data: Float32Array;
  let dims: number[];
  if (typeof values === 'number') {
    data = Float32Array.of(values);
    dims = [];
  } else if (Array.isArray(values) && values.some((v) => typeof v !== 'number')) {
    dims = inferShape(values as NestedArray, 'values');
    data = new Float32Array((values as unknown[]).flat(Infinity) as number[]);
  } else {
    data = Float32Array.from(values as ArrayLike<number>);
    dims = [data.length];
  }
  if (shape !== undefined) {
    const wanted = checkShape('tensor', shape);
    if (sizeOf(wanted) !== data.length) {
      throw new ArgumentError(
        `tensor: ${data.length} values do not fill shape [${wanted.join(',')}] (${sizeOf(wanted)} elements)`,
      );
    }
    dims = wanted;
  }
  return new Tensor(data, dims, opts.requiresGrad ?? false);
}

function filled(op: string, shape: readonly number[], value: number, opts: CreateOptions): Tensor {
  const dims = checkShape(op, shape);
  return new Tensor(new Float32Array(sizeOf(dims)).fill(value), dims, opts.requiresGrad ?? false);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  return filled('full', shape, value, opts);
}

/** A tensor of `shape` filled with zeros. */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, opts);
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, opts);
}

/**
 * `[start, start + step, ...]` below `stop`, as NumPy: `arange(n)` is `0..n-1`,
 * `arange(start, stop, step)` the general form.
 */
export function arange(startOrStop: number, stop?: number, step = 1): Tensor {
  const start = stop === undefined ? 0 : startOrStop;
  const end = stop === undefined ? startOrStop : stop;
  assertFinite('arange', 'start', start);
  assertFinite('arange', 'stop', end);
  assertFinite('arange', 'step', step);
  if (step === 0) throw new ArgumentError('arange: step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n]);
}

/** The `n`×`n` identity matrix. */
export function eye(n: number): Tensor {
  assertInt('eye', 'n', n, 0);
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++) data[i * n + i] = 1;
  return new Tensor(data, [n, n]);
}

/** Options for `randn`. */
export interface RandnOptions extends CreateOptions {
  /** @default 0 */
  mean?: number;
  /** @default 1 */
  std?: number;
}

/** Normal samples `mean + std·N(0, 1)` drawn from `rng`. */
export function randn(shape: readonly number[], rng: Rng, opts: RandnOptions = {}): Tensor {
  const dims = checkShape('randn', shape);
  const mean = opts.mean ?? 0;
  const std = opts.std ?? 1;
  assertFinite('randn', 'mean', mean);
  assertFinite('randn', 'std', std);
  const data = new Float32Array(sizeOf(dims));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * rng.normal();
  return new Tensor(data, dims, opts.requiresGrad ?? false);
}

/** Options for `randu`. */
export interface RanduOptions extends CreateOptions {
  /** @default 0 */
  low?: number;
  /** @default 1 */
  high?: number;
}

/** Uniform samples in `[low, high)` drawn from `rng`. */
export function randu(shape: readonly number[], rng: Rng, opts: RanduOptions = {}): Tensor {
  const dims = checkShape('randu', shape);
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  assertFinite('randu', 'low', low);
  assertFinite('randu', 'high', high);
  if (!(high > low)) throw new ArgumentError(`randu: high must exceed low, found low ${low}, high ${high}`);
  const data = new Float32Array(sizeOf(dims));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(data, dims, opts.requiresGrad ?? false);
}
