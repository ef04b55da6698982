import { type AdamOptions, AdamBase } from './adam.js';
import type { ParameterSource } from './optimizer.js';

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019), following PyTorch's `torch.optim.AdamW`. The parameter
 * shrinks by γλθ before the Adam step instead of λθ being added to the gradient, so the
 * decay is not rescaled by the adaptive denominator:
 *
 * ```
 * θ ← θ − γλθ
 * m ← β₁m + (1 − β₁)g        v ← β₂v + (1 − β₂)g²
 * m̂ = m / (1 − β₁ᵗ)          v̂ = v / (1 − β₂ᵗ)   (AMSGrad: v̂ = max(v_max, v) / (1 − β₂ᵗ))
 * θ ← θ − γ m̂ / (√v̂ + ε)
 * ```
 *
 * State per parameter: `step`, `exp_avg`, `exp_avg_sq` and, with AMSGrad, `max_exp_avg_sq`.
 */
export class AdamW extends AdamBase {
  constructor(params: ParameterSource, options: AdamOptions = {}) {
    super('adamw', params, options, 1e-2, true);
  }
}

/**
 * Adam with decoupled weight decay (`torch.optim.AdamW`), `weightDecay` defaulting to 1e-2;
 * see `AdamW` for the update rule.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a negative `lr`, `eps` or `weightDecay`, `beta1` or `beta2`
 *   outside [0, 1), or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, adamw } from 'streamgrad/models';
 * const net = sequential([dense(10)], { inputShape: [784] });
 * const opt = adamw(net, { lr: 1e-3, weightDecay: 0.05 });
 * ```
 */
export function adamw(params: ParameterSource, options: AdamOptions = {}): AdamW {
  return new AdamW(params, options);
}
