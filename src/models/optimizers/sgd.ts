import { readOptions, requireAtLeast } from './hyperparameters.js';
import { type ParameterSource, type Slots, Optimizer } from './optimizer.js';

/** Options of `sgd`. */
export interface SgdOptions {
  /** Learning rate γ (required). */
  lr: number;
  /** Momentum factor μ. @default 0 */
  momentum?: number;
  /** Dampening τ of the momentum. @default 0 */
  dampening?: number;
  /** Use Nesterov momentum (needs momentum > 0 and dampening 0). @default false */
  nesterov?: boolean;
  /** L2 penalty λ, added to the gradient. @default 0 */
  weightDecay?: number;
}

/** SGD's hyperparameters other than `lr`, as `opt.hyper` and `state().hyper` hold them. */
export type SgdHyper = {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
};

/**
 * Stochastic gradient descent with optional momentum and Nesterov momentum, following the
 * algorithm in PyTorch's `torch.optim.SGD` documentation. At step t, for each parameter θ
 * with gradient g:
 *
 * ```
 * g ← g + λθ                        if λ ≠ 0
 * b ← g                             if μ ≠ 0, at the first step
 * b ← μb + (1 − τ)g                 if μ ≠ 0, later
 * g ← g + μb (Nesterov)  or  g ← b  if μ ≠ 0
 * θ ← θ − γg
 * ```
 *
 * State per parameter: `momentum_buffer` (only when μ ≠ 0).
 */
export class SGD extends Optimizer<SgdHyper> {
  constructor(params: ParameterSource, options: SgdOptions) {
    const { lr, hyper } = readOptions<SgdHyper>('sgd', options, undefined, {
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
    });
    super('sgd', params, lr, hyper);
  }

  protected slotKeys(hyper: SgdHyper): readonly string[] {
    return hyper.momentum !== 0 ? ['momentum_buffer'] : [];
  }

  protected check(hyper: SgdHyper): string[] {
    const problems: string[] = [];
    requireAtLeast(problems, 'momentum', hyper.momentum);
    requireAtLeast(problems, 'dampening', hyper.dampening);
    requireAtLeast(problems, 'weightDecay', hyper.weightDecay);
    if (hyper.nesterov && (!(hyper.momentum > 0) || hyper.dampening !== 0)) {
      problems.push(
        `nesterov momentum requires momentum > 0 and dampening 0, found momentum ${hyper.momentum}, dampening ${hyper.dampening}`,
      );
    }
    return problems;
  }

  protected update(theta: Float32Array, grad: Float32Array, slots: Slots, fresh: boolean): void {
    const { momentum, dampening, nesterov, weightDecay } = this.hyper;
    const lr = this.lr;
    if (momentum === 0 && weightDecay === 0) {
      // Plain SGD, the same arithmetic as the loop below without its per-element branches.
      for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
      return;
    }
    const b = slots.momentum_buffer;
    for (let i = 0; i < theta.length; i++) {
      let g = grad[i];
      if (weightDecay !== 0) g += weightDecay * theta[i];
      if (momentum !== 0) {
        b[i] = fresh ? g : momentum * b[i] + (1 - dampening) * g;
        g = nesterov ? g + momentum * b[i] : b[i];
      }
      theta[i] -= lr * g;
    }
  }
}

/**
 * Stochastic gradient descent (`torch.optim.SGD`): plain, with momentum, or with Nesterov
 * momentum; see `SGD` for the update rule.
 *
 * @param params - the tensors to update, or a model (its `parameters()`).
 * @throws ArgumentError for a missing or negative `lr`, negative `momentum`, `dampening` or
 *   `weightDecay`, Nesterov without momentum or with dampening, or an unknown option.
 *
 * @example
 * ```ts
 * import { sequential, dense, relu, sgd } from 'streamgrad/models';
 * const net = sequential([dense(32), relu(), dense(1)], { inputShape: [4] });
 * const opt = sgd(net, { lr: 0.1, momentum: 0.9, nesterov: true });
 * // after backward(loss):
 * opt.step();
 * opt.zeroGrad();
 * ```
 */
export function sgd(params: ParameterSource, options: SgdOptions): SGD {
  return new SGD(params, options);
}
