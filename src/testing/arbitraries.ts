import fc from 'fast-check';
import { Tensor } from '../ops/tensor.js';

/** Options for `arbShape`. */
export interface ArbShapeOptions {
  /** Inclusive range of the rank. @default [0, 4] */
  rank?: readonly [number, number];
  /** Inclusive range of each dimension. @default [1, 4] */
  dim?: readonly [number, number];
}

/**
 * Shapes with a rank and dimensions in the given ranges; shrinks toward fewer and smaller
 * dimensions.
 */
export function arbShape(opts: ArbShapeOptions = {}): fc.Arbitrary<number[]> {
  const [minRank, maxRank] = opts.rank ?? [0, 4];
  const [minDim, maxDim] = opts.dim ?? [1, 4];
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/** Options for `arbTensor` and `arbTensorOfShape`. */
export interface ArbTensorOptions extends ArbShapeOptions {
  /** Smallest value. @default -2 */
  min?: number;
  /** Largest value. @default 2 */
  max?: number;
  /**
   * Keep every value at least `margin` away from these points (the kinks of `relu`, `abs`…),
   * so finite differences across them do not mislead.
   */
  awayFrom?: readonly number[];
  /** Distance kept from `awayFrom`. @default 0.05 */
  margin?: number;
  /**
   * Make all values distinct, at least this far apart (for `max`, pooling, sorting: ties
   * have no gradient). Values are drawn from a grid of this step, offset by half a step.
   */
  distinct?: number;
  /** Mark the tensor `requiresGrad`. @default false */
  requiresGrad?: boolean;
}

function values(n: number, opts: ArbTensorOptions): fc.Arbitrary<number[]> {
  const min = opts.min ?? -2;
  const max = opts.max ?? 2;
  if (opts.distinct !== undefined) {
    const step = opts.distinct;
    const lo = Math.ceil(min / step);
    const hi = Math.floor(max / step) - 1;
    if (hi - lo + 1 < n) {
      throw new RangeError(`arbTensor: cannot place ${n} distinct values ${step} apart in [${min}, ${max}]`);
    }
    return fc
      .uniqueArray(fc.integer({ min: lo, max: hi }), { minLength: n, maxLength: n })
      .map((ks) => ks.map((k) => (k + 0.5) * step));
  }
  const kinks = opts.awayFrom ?? [];
  const margin = opts.margin ?? 0.05;
  return fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }).map((vs) =>
    vs.map((v) => {
      for (const k of kinks) {
        if (Math.abs(v - k) < margin) v = v < k ? k - margin : k + margin;
      }
      return v;
    }),
  );
}

/** Tensors of exactly `shape` with values drawn as `arbTensor` describes. */
export function arbTensorOfShape(shape: readonly number[], opts: ArbTensorOptions = {}): fc.Arbitrary<Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  return values(n, opts).map((vs) => new Tensor(Float32Array.from(vs), shape, opts.requiresGrad ?? false));
}

/**
 * Random tensors: a shape from `arbShape(opts)`, values in `[min, max]`, optionally kept
 * away from kinks or pairwise distinct.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { relu } from 'streamgrad';
 * import { arbTensor, checkGradients } from 'streamgrad/testing';
 * fc.assert(fc.property(arbTensor({ awayFrom: [0] }), (x) => checkGradients(relu, [x]).passed));
 * ```
 */
export function arbTensor(opts: ArbTensorOptions = {}): fc.Arbitrary<Tensor> {
  return arbShape(opts).chain((shape) => arbTensorOfShape(shape, opts));
}

/**
 * Pairs of shapes that broadcast together by NumPy's rules: a base shape, and for each
 * operand some of its dimensions replaced by 1 and some leading ones dropped.
 */
export function arbBroadcastShapes(opts: ArbShapeOptions = {}): fc.Arbitrary<[number[], number[]]> {
  return arbShape(opts).chain((base) => {
    const variant = fc
      .tuple(fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }), fc.nat({ max: base.length }))
      .map(([ones, drop]) => base.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
    return fc.tuple(variant, variant);
  });
}

/** An axis argument for a reduction: all axes (`undefined`), one axis (maybe negative), or a list. */
export type AxisArg = number | number[] | undefined;

/**
 * Arguments for a reduction: a tensor from `arbTensor(opts)`, an axis argument valid for its
 * rank (undefined, one axis possibly negative, or a subset of axes), and `keepDims`.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(arbReduction(), ([x, axis, keepDims]) =>
 *   checkGradients((t) => sum(t, axis, keepDims), [x]).passed));
 * ```
 */
export function arbReduction(opts: ArbTensorOptions = {}): fc.Arbitrary<[Tensor, AxisArg, boolean]> {
  return arbTensor({ rank: [0, 3], dim: [1, 3], ...opts }).chain((x) => {
    const all = Array.from({ length: x.rank }, (_, i) => i);
    const choices: fc.Arbitrary<AxisArg>[] = [fc.constant(undefined), fc.subarray(all)];
    if (x.rank > 0) choices.push(fc.integer({ min: -x.rank, max: x.rank - 1 }));
    return fc.tuple(fc.constant(x), fc.oneof(...choices), fc.boolean());
  });
}
