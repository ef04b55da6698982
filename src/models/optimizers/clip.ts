import { ArgumentError, Tensor } from '../../ops/index.js';
import { type ParameterSource, resolveParameters } from './parameters.js';

/** Options of `clipGradNorm`. */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any number > 0, or `Infinity` for the largest absolute value. @default 2 */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. @default false */
  errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `params` together so that their global norm is at most
 * `maxNorm`, in place, and returns the global norm measured before clipping
 * (`torch.nn.utils.clip_grad_norm_`):
 *
 * ```
 * ‖g‖ₚ = (Σ over every element of every gradient |gᵢ|ᵖ)^(1/p)      (p = ∞: max |gᵢ|)
 * c = min(maxNorm / (‖g‖ₚ + 1e-6), 1)
 * g ← c · g     for every gradient
 * ```
 *
 * Parameters without a gradient or frozen (`requiresGrad` false) are left out, as the
 * optimizers leave them out. The norm is accumulated in float64. As in PyTorch, a NaN
 * norm makes every gradient NaN and an infinite one sets finite elements to 0, unless
 * `errorIfNonfinite` is set.
 *
 * @param params - the tensors whose `.grad` to clip, or a model (its `parameters()`).
 * @param maxNorm - the largest allowed global norm, a finite number >= 0.
 * @returns the global norm of the gradients before clipping (0 when none has a gradient).
 * @throws ArgumentError for a bad `maxNorm` or `normType`, an unknown option, or a
 *   non-finite norm with `errorIfNonfinite`.
 *
 * @example
 * ```ts
 * import { backward } from 'streamgrad/ops';
 * import { clipGradNorm } from 'streamgrad/models';
 * backward(loss);
 * const norm = clipGradNorm(net, 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm(params: ParameterSource, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const where = 'clipGradNorm';
  checkOptions(where, options, ['normType', 'errorIfNonfinite']);
  const normType = options.normType ?? 2;
  const errorIfNonfinite = options.errorIfNonfinite ?? false;
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm < 0) {
    throw new ArgumentError(`${where}: maxNorm must be a finite number >= 0, found ${String(maxNorm)}`);
  }
  if (typeof normType !== 'number' || Number.isNaN(normType) || normType <= 0) {
    throw new ArgumentError(`${where}: normType must be a number > 0 or Infinity, found ${String(normType)}`);
  }
  const grads = gradients(where, params);
  let total = 0;
  if (normType === Infinity) {
    for (const g of grads) for (const v of g.data) total = Math.max(total, Math.abs(v));
  } else {
    for (const g of grads) for (const v of g.data) total += Math.abs(v) ** normType;
    total = total ** (1 / normType);
  }
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new ArgumentError(
      `${where}: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped (errorIfNonfinite is set)`,
    );
  }
  const coefficient = Math.min(maxNorm / (total + 1e-6), 1);
  if (coefficient !== 1) {
    for (const g of grads) for (let i = 0; i < g.data.length; i++) g.data[i] *= coefficient;
  }
  return total;
}

/**
 * Clamps every gradient element of `params` into `[−clipValue, clipValue]`, in place
 * (`torch.nn.utils.clip_grad_value_`): `gᵢ ← min(max(gᵢ, −c), c)`. NaN stays NaN.
 *
 * @param params - the tensors whose `.grad` to clip, or a model (its `parameters()`).
 * @param clipValue - the bound c, a finite number >= 0.
 * @throws ArgumentError for a bad `clipValue`.
 *
 * @example
 * ```ts
 * import { backward } from 'streamgrad/ops';
 * import { clipGradValue } from 'streamgrad/models';
 * backward(loss);
 * clipGradValue(net, 0.5);
 * opt.step();
 * ```
 */
export function clipGradValue(params: ParameterSource, clipValue: number): void {
  const where = 'clipGradValue';
  if (typeof clipValue !== 'number' || !Number.isFinite(clipValue) || clipValue < 0) {
    throw new ArgumentError(`${where}: clipValue must be a finite number >= 0, found ${String(clipValue)}`);
  }
  for (const g of gradients(where, params)) {
    for (let i = 0; i < g.data.length; i++) g.data[i] = Math.min(Math.max(g.data[i], -clipValue), clipValue);
  }
}

/** The distinct gradients of the trainable parameters (a tensor shared as two grads is clipped once). */
function gradients(where: string, params: ParameterSource): Tensor[] {
  const grads = new Set<Tensor>();
  for (const p of resolveParameters(where, params, true)) if (p.requiresGrad && p.grad !== null) grads.add(p.grad);
  return [...grads];
}

function checkOptions(where: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${where}: options must be an object, found ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${where}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
  }
}
