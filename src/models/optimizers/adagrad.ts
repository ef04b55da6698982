import { readOptions, requireAtLeast } from './hyperparameters.js';
import { type ParameterSource, type Slots, Optimizer } from './optimizer.js';

/** Options of `adagrad`. */
export interface AdagradOptions {
  /** Learning rate γ. @default 1e-2 */
  lr?: number;
  /** Learning-rate decay η: the step t uses γ / (1 + (t − 1)η). @default 0 */
  lrDecay?: number;
  /** L2 penalty λ, added to the gradient. @default 0 */
  weightDecay?: number;
  /** The starting value of the accumulated squared gradients. @default 0 */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability. @default 1e-10 */
  eps?: number;
}

/** Adagrad's hyperparameters other than `lr`. */
export type AdagradHyper = {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
};

/**
 * Adagrad (Duchi, Hazan & Singer, 2011), following the algorithm in PyTorch's
 * `torch.optim.Adagrad` documentation. At step t (counted per parameter), for each
 * parameter θ with gradient g:
 *
 * ```
 * γ̃ = γ / (1 + (t − 1)η)
 * g ← g + λθ                if λ ≠ 0
 * s ← s + g²                (s starts at initialAccumulatorValue)
 * θ ← θ − γ̃ g / (√s + ε)
 * ```
 *
 * State per parameter: `step` and `sum` (s).
 */
export class Adagrad extends Optimizer<AdagradHyper> {
  constructor(params: ParameterSource, options: AdagradOptions = {}) {
    const { lr, hyper } = readOptions<AdagradHyper>('adagrad', options, 1e-2, {
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
    });
    super('adagrad', params, lr, hyper);
  }

  protected slotKeys(): readonly string[] {
    return ['step', 'sum'];
  }

  protected check(hyper: AdagradHyper): string[] {
    const problems: string[] = [];
    requireAtLeast(problems, 'lrDecay', hyper.lrDecay);
    requireAtLeast(problems, 'weightDecay', hyper.weightDecay);
    requireAtLeast(problems, 'initialAccumulatorValue', hyper.initialAccumulatorValue);
    requireAtLeast(problems, 'eps', hyper.eps);
    return problems;
  }

  protected override initSlots(slots: Slots): void {
    slots.sum.fill(this.hyper.initialAccumulatorValue);
  }

  protected update(theta: Float32Array, grad: Float32Array, slots: Slots): void {
    const { lrDecay, weightDecay, eps } = this.hyper;
    const sum = slots.sum;
    slots.step[0] += 1;
    const clr = this.lr / (1 + (slots.step[0] - 1) * lrDecay);
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (weightDecay !== 0) g += weightDecay * theta[i];
      sum[i] += g * g;
      theta[i] -= (clr * g) / (Math.sqrt(sum[i]) + eps);
    }
  }
}

/**
 * Adagrad (`torch.optim.Adagrad`): per-element step sizes that shrink with the accumulated
 * squared gradients; see `Adagrad` for the update rule.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a negative `lr`, `lrDecay`, `weightDecay`,
 *   `initialAccumulatorValue` or `eps`, or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, adagrad } from 'streamgrad/models';
 * const net = sequential([dense(1)], { inputShape: [20] });
 * const opt = adagrad(net, { lr: 0.05 });
 * ```
 */
export function adagrad(params: ParameterSource, options: AdagradOptions = {}): Adagrad {
  return new Adagrad(params, options);
}
