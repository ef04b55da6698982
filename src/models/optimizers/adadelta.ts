import { readOptions, requireAtLeast, requireUnit } from './hyperparameters.js';
import { type ParameterSource, type Slots, Optimizer } from './optimizer.js';

/** Options of `adadelta`. */
export interface AdadeltaOptions {
  /** Learning rate γ, scaling the delta. @default 1 */
  lr?: number;
  /** Decay rate ρ of the running averages, in [0, 1]. @default 0.9 */
  rho?: number;
  /** Added inside both square roots for numerical stability. @default 1e-6 */
  eps?: number;
  /** L2 penalty λ, added to the gradient. @default 0 */
  weightDecay?: number;
}

/** Adadelta's hyperparameters other than `lr`. */
export type AdadeltaHyper = {
  rho: number;
  eps: number;
  weightDecay: number;
};

/**
 * Adadelta (Zeiler, 2012), following the algorithm in PyTorch's `torch.optim.Adadelta`
 * documentation. For each parameter θ with gradient g:
 *
 * ```
 * g ← g + λθ                       if λ ≠ 0
 * v ← ρv + (1 − ρ)g²
 * Δ = √(u + ε) / √(v + ε) · g
 * u ← ρu + (1 − ρ)Δ²
 * θ ← θ − γΔ
 * ```
 *
 * State per parameter: `step`, `square_avg` (v) and `acc_delta` (u).
 */
export class Adadelta extends Optimizer<AdadeltaHyper> {
  constructor(params: ParameterSource, options: AdadeltaOptions = {}) {
    const { lr, hyper } = readOptions<AdadeltaHyper>('adadelta', options, 1, { rho: 0.9, eps: 1e-6, weightDecay: 0 });
    super('adadelta', params, lr, hyper);
  }

  protected slotKeys(): readonly string[] {
    return ['step', 'square_avg', 'acc_delta'];
  }

  protected check(hyper: AdadeltaHyper): string[] {
    const problems: string[] = [];
    requireUnit(problems, 'rho', hyper.rho, true);
    requireAtLeast(problems, 'eps', hyper.eps);
    requireAtLeast(problems, 'weightDecay', hyper.weightDecay);
    return problems;
  }

  protected update(theta: Float32Array, grad: Float32Array, slots: Slots): void {
    const { rho, eps, weightDecay } = this.hyper;
    const lr = this.lr;
    const v = slots.square_avg;
    const u = slots.acc_delta;
    slots.step[0] += 1;
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (weightDecay !== 0) g += weightDecay * theta[i];
      v[i] = rho * v[i] + (1 - rho) * g * g;
      const delta = (Math.sqrt(u[i] + eps) / Math.sqrt(v[i] + eps)) * g;
      u[i] = rho * u[i] + (1 - rho) * delta * delta;
      theta[i] -= lr * delta;
    }
  }
}

/**
 * Adadelta (`torch.optim.Adadelta`): step sizes from the ratio of running RMS of updates and
 * of gradients, so `lr` = 1 works without tuning; see `Adadelta` for the update rule.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a negative `lr`, `eps` or `weightDecay`, `rho` outside [0, 1],
 *   or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, adadelta } from 'streamgrad/models';
 * const net = sequential([dense(1)], { inputShape: [20] });
 * const opt = adadelta(net);
 * ```
 */
export function adadelta(params: ParameterSource, options: AdadeltaOptions = {}): Adadelta {
  return new Adadelta(params, options);
}
