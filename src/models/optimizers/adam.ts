import { readOptions, requireAtLeast, requireUnit } from './hyperparameters.js';
import { type ParameterSource, type Slots, Optimizer } from './optimizer.js';
import { kernels } from '../../ops/kernels/backend.js';

/** Options of `adam` and `adamw`. */
export interface AdamOptions {
  /** Learning rate γ. @default 1e-3 */
  lr?: number;
  /** Decay rate β₁ of the first-moment (mean) estimate, in [0, 1). @default 0.9 */
  beta1?: number;
  /** Decay rate β₂ of the second-moment (uncentered variance) estimate, in [0, 1). @default 0.999 */
  beta2?: number;
  /** Added to the denominator for numerical stability. @default 1e-8 */
  eps?: number;
  /** Weight decay λ: an L2 penalty added to the gradient for `adam`, decoupled for `adamw`. @default 0 (adam), 1e-2 (adamw) */
  weightDecay?: number;
  /** Use the AMSGrad variant (Reddi et al., 2018), which keeps the running maximum of v. @default false */
  amsgrad?: boolean;
}

/** Adam's and AdamW's hyperparameters other than `lr`. */
export type AdamHyper = {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
};

/**
 * The update rule shared by `Adam` and `AdamW`, which differ only in how weight decay is
 * applied (`decoupled`). See `Adam` for the formula.
 */
export abstract class AdamBase extends Optimizer<AdamHyper> {
  protected constructor(
    kind: string,
    params: ParameterSource,
    options: AdamOptions,
    defaultWeightDecay: number,
    private readonly decoupled: boolean,
  ) {
    const { lr, hyper } = readOptions<AdamHyper>(kind, options, 1e-3, {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: defaultWeightDecay,
      amsgrad: false,
    });
    super(kind, params, lr, hyper);
  }

  protected slotKeys(hyper: AdamHyper): readonly string[] {
    return hyper.amsgrad ? ['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] : ['step', 'exp_avg', 'exp_avg_sq'];
  }

  protected check(hyper: AdamHyper): string[] {
    const problems: string[] = [];
    requireUnit(problems, 'beta1', hyper.beta1);
    requireUnit(problems, 'beta2', hyper.beta2);
    requireAtLeast(problems, 'eps', hyper.eps);
    requireAtLeast(problems, 'weightDecay', hyper.weightDecay);
    return problems;
  }

  protected update(theta: Float32Array, grad: Float32Array, slots: Slots): void {
    const { beta1, beta2, eps, weightDecay, amsgrad } = this.hyper;
    slots.step[0] += 1;
    const t = slots.step[0];
    const rule: AdamRule = {
      lr: this.lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      decoupled: this.decoupled,
      biasCorrection1: 1 - beta1 ** t,
      biasCorrection2: 1 - beta2 ** t,
    };
    if (weightDecay === 0 && !amsgrad) adamPlainUpdate(theta, grad, slots.exp_avg, slots.exp_avg_sq, rule);
    else adamUpdate(theta, grad, slots.exp_avg, slots.exp_avg_sq, amsgrad ? slots.max_exp_avg_sq : null, rule);
  }
}

/** The numbers one Adam update of one parameter needs. @internal */
export interface AdamRule {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Decoupled weight decay (AdamW) rather than an L2 term in the gradient (Adam). */
  decoupled: boolean;
  /** `1 − β₁ᵗ` */
  biasCorrection1: number;
  /** `1 − β₂ᵗ` */
  biasCorrection2: number;
}

/**
 * One Adam or AdamW update of `theta` in place: the formula in `Adam`'s documentation, with the
 * last line evaluated as PyTorch's implementation does (`stepScales`); `vMax` is the AMSGrad
 * buffer, or null without AMSGrad. @internal
 */
export function adamUpdate(
  theta: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  rule: AdamRule,
): void {
  const { lr, beta1, beta2, eps, weightDecay, decoupled } = rule;
  const { stepSize, inverseRoot2 } = stepScales(rule);
  for (let i = 0; i < theta.length; i++) {
    let g = grad[i];
    if (weightDecay !== 0) {
      if (decoupled) theta[i] *= 1 - lr * weightDecay;
      else g += weightDecay * theta[i];
    }
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    let second = v[i];
    if (vMax !== null) {
      vMax[i] = Math.max(vMax[i], v[i]);
      second = vMax[i];
    }
    theta[i] -= (stepSize * m[i]) / (Math.sqrt(second) * inverseRoot2 + eps);
  }
}

/**
 * `adamUpdate` without weight decay and AMSGrad, the common case, on the kernel backend's
 * `adamPlain` loop (TypeScript, or WASM SIMD on the fast backend); it gives the same float32
 * results as `adamUpdate`, bit for bit. @internal
 */
export function adamPlainUpdate(
  theta: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  rule: AdamRule,
): void {
  const { beta1, beta2, eps } = rule;
  const { stepSize, inverseRoot2 } = stepScales(rule);
  kernels().adamPlain(theta, grad, m, v, { beta1, beta2, eps, stepSize, inverseRoot2 });
}

/**
 * The per-step constants of PyTorch's implementation of the update: `γ m̂ / (√v̂ + ε)` is
 * computed as `stepSize · m / (√v · inverseRoot2 + ε)` with `stepSize = γ / (1 − β₁ᵗ)` and
 * `inverseRoot2 = 1 / √(1 − β₂ᵗ)`, the same value up to rounding, with one division per
 * element instead of three.
 */
function stepScales(rule: AdamRule): { stepSize: number; inverseRoot2: number } {
  return { stepSize: rule.lr / rule.biasCorrection1, inverseRoot2: 1 / Math.sqrt(rule.biasCorrection2) };
}

/**
 * Adam (Kingma & Ba, 2015), following the algorithm in PyTorch's `torch.optim.Adam`
 * documentation. At step t (counted per parameter), for each parameter θ with gradient g:
 *
 * ```
 * g ← g + λθ                          if λ ≠ 0 (coupled L2 penalty)
 * m ← β₁m + (1 − β₁)g
 * v ← β₂v + (1 − β₂)g²
 * m̂ = m / (1 − β₁ᵗ)     v̂ = v / (1 − β₂ᵗ)
 * with AMSGrad: v_max ← max(v_max, v), v̂ = v_max / (1 − β₂ᵗ)
 * θ ← θ − γ m̂ / (√v̂ + ε)
 * ```
 *
 * The last line is computed as PyTorch's code does, `θ ← θ − (γ/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)`:
 * the same value up to rounding, with one division per element.
 *
 * State per parameter: `step`, `exp_avg` (m), `exp_avg_sq` (v) and, with AMSGrad,
 * `max_exp_avg_sq`. (The AMSGrad maximum is taken over the raw v, as PyTorch's code does.)
 */
export class Adam extends AdamBase {
  constructor(params: ParameterSource, options: AdamOptions = {}) {
    super('adam', params, options, 0, false);
  }
}

/**
 * Adam with bias-corrected moment estimates (`torch.optim.Adam`); weight decay is an L2
 * penalty added to the gradient. See `Adam` for the update rule; use `adamw` for decoupled
 * weight decay.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a negative `lr`, `eps` or `weightDecay`, `beta1` or `beta2`
 *   outside [0, 1), or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, adam } from 'streamgrad/models';
 * const net = sequential([dense(10)], { inputShape: [784] });
 * const opt = adam(net, { lr: 1e-3 });
 * ```
 */
export function adam(params: ParameterSource, options: AdamOptions = {}): Adam {
  return new Adam(params, options);
}
