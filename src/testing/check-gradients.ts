import { backward } from '../ops/autograd.js';
import { noGrad } from '../ops/autograd.js';
import { Rng } from '../ops/rng.js';
import { Tensor } from '../ops/tensor.js';

/** Options for `checkGradients`. */
export interface CheckGradientsOptions {
  /** Finite-difference step. @default 1e-2 */
  h?: number;
  /** Relative tolerance. @default 1e-2 */
  rtol?: number;
  /** Absolute tolerance. @default 1e-3 */
  atol?: number;
  /** Seed of the random output projection. @default 0 */
  seed?: number;
  /** Indices of the inputs to check. @default every input */
  wrt?: readonly number[];
  /** Throw a `GradientCheckError` on failure. @default true */
  throwOnFailure?: boolean;
}

/** The worst element of one input's gradient check. */
export interface InputGradientReport {
  /** Position of the input in the `inputs` array (for layers: 0 is the input, then the parameters in order). */
  readonly input: number;
  /** How messages name it: `input 0 [2,3]`, or a parameter name such as `weight [4,3]`. */
  readonly name: string;
  readonly maxAbsError: number;
  readonly maxRelError: number;
  /** Flat index of the element with the largest error relative to tolerance. */
  readonly worstIndex: number;
  readonly analytic: number;
  readonly numeric: number;
  readonly passed: boolean;
}

/** The result of `checkGradients`: one entry per checked input. */
export interface GradientReport {
  readonly passed: boolean;
  readonly inputs: readonly InputGradientReport[];
}

/** Thrown by `checkGradients` when an analytic gradient disagrees with finite differences. */
export class GradientCheckError extends Error {
  override name = 'GradientCheckError';
  constructor(
    message: string,
    readonly report: GradientReport,
  ) {
    super(message);
  }
}

/**
 * Checks the gradients autograd computes for `fn` against centered finite differences.
 *
 * The output is projected onto a fixed random direction `r` (seeded), so one scalar
 * `L(x) = Σ r·fn(x)` tests the whole Jacobian: the analytic side is `backward(y, r)`, the
 * numeric side is `(L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h` for every element `i` of every input.
 *
 * Precision: tensors are float32 (about 7 digits), so `h` cannot be tiny. `L` is summed in
 * float64 and the denominator is the step actually taken in float32
 * (`fround(x+h) − fround(x−h)`), leaving two errors: float32 round-off in `fn`, about
 * `6e-8·Σ|y| / 2h`, and truncation, about `h²·|f'''| / 6`. With `h = 1e-2` both stay near
 * 1e-4 for values of order 1, while a wrong gradient is off by O(1); hence the defaults
 * `rtol = 1e-2`, `atol = 1e-3`, with an element passing when
 * `|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)`.
 *
 * Keep inputs at least `h` away from kinks (0 for `relu`, ties for `max`): there the two
 * one-sided derivatives differ and no gradient is right. `arbTensor`'s `awayFrom` and
 * `distinct` options do this.
 *
 * @example
 * ```ts
 * import { tensor, mul, sin } from 'streamgrad';       // any op, or your own
 * import { checkGradients } from 'streamgrad/testing';
 * const report = checkGradients((a, b) => mul(a, b), [tensor([1, 2]), tensor([3, 4])]);
 * report.passed; // true (it throws with the worst element otherwise)
 * ```
 */
export function checkGradients(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  opts: CheckGradientsOptions = {},
): GradientReport {
  const h = opts.h ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const atol = opts.atol ?? 1e-3;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);

  const leaves = inputs.map((x, i) => new Tensor(x.data.slice(), x.shape, wrt.includes(i)));
  const y = fn(...leaves);
  const r = projectionDirection(y.size, opts.seed ?? 0);
  if (y.requiresGrad) backward(y, new Tensor(r, y.shape));

  const base = inputs.map((x) => new Tensor(x.data.slice(), x.shape));
  const project = projection(() => fn(...base), r);
  const tolerance = { h, rtol, atol };
  const reports = wrt.map((index) =>
    compareWithFiniteDifferences(
      index,
      `input ${index} ${fmt(inputs[index].shape)}`,
      base[index].data,
      leaves[index].grad?.data ?? new Float32Array(leaves[index].size),
      project,
      tolerance,
    ),
  );

  return finishReport('checkGradients', reports, tolerance, opts.throwOnFailure ?? true);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** `L = Σ r·fn()`, summed in float64, evaluated without recording a graph. @internal */
export function projection(fn: () => Tensor, r: Float32Array): () => number {
  return () =>
    noGrad(() => {
      const out = fn();
      let total = 0;
      for (let i = 0; i < out.size; i++) total += r[i] * out.data[i];
      return total;
    });
}

/**
 * Perturbs each element of `values` in place by ±h (restoring it after), takes the centered
 * difference of `project`, and compares it with `analytic`. @internal
 */
export function compareWithFiniteDifferences(
  input: number,
  name: string,
  values: Float32Array,
  analytic: Float32Array,
  project: () => number,
  { h, rtol, atol }: { h: number; rtol: number; atol: number },
): InputGradientReport {
  let maxAbs = 0;
  let maxRel = 0;
  let worst = { index: -1, ratio: -1, analytic: 0, numeric: 0 };
  for (let i = 0; i < values.length; i++) {
    const original = values[i];
    values[i] = original + h;
    const plus = values[i];
    const lPlus = project();
    values[i] = original - h;
    const minus = values[i];
    const lMinus = project();
    values[i] = original;
    const numeric = (lPlus - lMinus) / (plus - minus);
    const a = analytic[i];
    const abs = Math.abs(a - numeric);
    const scale = Math.max(Math.abs(a), Math.abs(numeric));
    const ratio = Number.isNaN(abs) ? Infinity : abs / (atol + rtol * scale);
    maxAbs = Math.max(maxAbs, abs);
    maxRel = Math.max(maxRel, scale === 0 ? 0 : abs / scale);
    if (ratio > worst.ratio) worst = { index: i, ratio, analytic: a, numeric };
  }
  return {
    input,
    name,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worstIndex: worst.index,
    analytic: worst.analytic,
    numeric: worst.numeric,
    passed: worst.ratio <= 1,
  };
}

/** Collects the per-input reports and throws a `GradientCheckError` naming each failure. @internal */
export function finishReport(
  caller: string,
  reports: InputGradientReport[],
  { h, rtol, atol }: { h: number; rtol: number; atol: number },
  throwOnFailure: boolean,
): GradientReport {
  const report: GradientReport = { passed: reports.every((r) => r.passed), inputs: reports };
  if (!report.passed && throwOnFailure) {
    const lines = reports
      .filter((r) => !r.passed)
      .map(
        (r) =>
          `${r.name}: element ${r.worstIndex} analytic ${r.analytic} ` +
          `vs numeric ${r.numeric} (max abs error ${r.maxAbsError.toExponential(3)}, ` +
          `max rel error ${r.maxRelError.toExponential(3)})`,
      );
    throw new GradientCheckError(
      `${caller}: gradient differs from centered finite differences (h=${h}, rtol=${rtol}, atol=${atol}):\n  ` +
        lines.join('\n  '),
      report,
    );
  }
  return report;
}

/** Seeded projection direction in [−1, 1) for an output of `size` elements. @internal */
export function projectionDirection(size: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const r = new Float32Array(size);
  for (let i = 0; i < r.length; i++) r[i] = rng.uniform() * 2 - 1;
  return r;
}
