import { readOptions, requireAtLeast, requireUnit } from './hyperparameters.js';
import { type ParameterSource, type Slots, Optimizer } from './optimizer.js';

/** Options of `rmsprop`. */
export interface RmspropOptions {
  /** Learning rate γ. @default 1e-2 */
  lr?: number;
  /** Smoothing constant α of the squared-gradient average, in [0, 1]. @default 0.99 */
  alpha?: number;
  /** Added to the denominator for numerical stability. @default 1e-8 */
  eps?: number;
  /** Momentum factor μ. @default 0 */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment. @default false */
  centered?: boolean;
  /** L2 penalty λ, added to the gradient. @default 0 */
  weightDecay?: number;
}

/** RMSprop's hyperparameters other than `lr`. */
export type RmspropHyper = {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
  weightDecay: number;
};

/**
 * RMSprop (Hinton, Lecture 6e of "Neural Networks for Machine Learning", 2012), following
 * the algorithm in PyTorch's `torch.optim.RMSprop` documentation. For each parameter θ with
 * gradient g:
 *
 * ```
 * g ← g + λθ                     if λ ≠ 0
 * v ← αv + (1 − α)g²
 * ṽ = v
 * if centered: a ← αa + (1 − α)g,  ṽ = v − a²
 * if μ > 0:    b ← μb + g / (√ṽ + ε),  θ ← θ − γb
 * else:        θ ← θ − γ g / (√ṽ + ε)
 * ```
 *
 * State per parameter: `step`, `square_avg` (v), `momentum_buffer` (b, when μ > 0) and
 * `grad_avg` (a, when centered).
 */
export class RMSprop extends Optimizer<RmspropHyper> {
  constructor(params: ParameterSource, options: RmspropOptions = {}) {
    const { lr, hyper } = readOptions<RmspropHyper>('rmsprop', options, 1e-2, {
      alpha: 0.99,
      eps: 1e-8,
      momentum: 0,
      centered: false,
      weightDecay: 0,
    });
    super('rmsprop', params, lr, hyper);
  }

  protected slotKeys(hyper: RmspropHyper): readonly string[] {
    const keys = ['step', 'square_avg'];
    if (hyper.momentum > 0) keys.push('momentum_buffer');
    if (hyper.centered) keys.push('grad_avg');
    return keys;
  }

  protected check(hyper: RmspropHyper): string[] {
    const problems: string[] = [];
    requireUnit(problems, 'alpha', hyper.alpha, true);
    requireAtLeast(problems, 'eps', hyper.eps);
    requireAtLeast(problems, 'momentum', hyper.momentum);
    requireAtLeast(problems, 'weightDecay', hyper.weightDecay);
    return problems;
  }

  protected update(theta: Float32Array, grad: Float32Array, slots: Slots): void {
    const { alpha, eps, momentum, centered, weightDecay } = this.hyper;
    const lr = this.lr;
    const v = slots.square_avg;
    const b = slots.momentum_buffer;
    const a = slots.grad_avg;
    slots.step[0] += 1;
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (weightDecay !== 0) g += weightDecay * theta[i];
      v[i] = alpha * v[i] + (1 - alpha) * g * g;
      let variance = v[i];
      if (centered) {
        a[i] = alpha * a[i] + (1 - alpha) * g;
        // v ≥ a² in exact arithmetic; float32 rounding can cross zero, which would give NaN.
        variance = Math.max(v[i] - a[i] * a[i], 0);
      }
      const denominator = Math.sqrt(variance) + eps;
      if (momentum > 0) {
        b[i] = momentum * b[i] + g / denominator;
        theta[i] -= lr * b[i];
      } else {
        theta[i] -= (lr * g) / denominator;
      }
    }
  }
}

/**
 * RMSprop (`torch.optim.RMSprop`): divides the gradient by a running root mean square of
 * recent gradients; see `RMSprop` for the update rule.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a negative `lr`, `eps`, `momentum` or `weightDecay`, `alpha`
 *   outside [0, 1], or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, rmsprop } from 'streamgrad/models';
 * const net = sequential([dense(1)], { inputShape: [20] });
 * const opt = rmsprop(net, { lr: 1e-3, momentum: 0.9 });
 * ```
 */
export function rmsprop(params: ParameterSource, options: RmspropOptions = {}): RMSprop {
  return new RMSprop(params, options);
}
