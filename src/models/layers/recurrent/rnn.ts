import { ArgumentError, Tensor } from '../../../ops/index.js';
import { type CellWeights, type RnnActivation, rnnCell } from './cells.js';
import { rnnStep } from './fused-cells.js';
import { Recurrent, type RecurrentOptions } from './recurrent.js';
import type { SequenceResult } from './sequence-node.js';
import type { Mask } from './state-inputs.js';

/** Options of `rnn`. */
export interface RnnOptions extends RecurrentOptions {
  /** The nonlinearity (PyTorch's `nonlinearity`). @default 'tanh' */
  activation?: RnnActivation;
}

/**
 * An Elman RNN over a batch-first sequence (`torch.nn.RNN(batch_first=True)`):
 * `h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)` with act tanh or relu. Parameters
 * `weight_ih_l{l}` `[H, I]`, `weight_hh_l{l}` `[H, H]`, `bias_ih_l{l}`, `bias_hh_l{l}` `[H]`
 * (`_reverse` for the backward direction). Unrolling, masks, stacking, directions, dropout and
 * states are those of `Recurrent`.
 */
export class RNN extends Recurrent {
  readonly kind = 'rnn';
  readonly activation: RnnActivation;

  constructor(options: RnnOptions) {
    super('rnn', options, 1, 1, ['activation']);
    const activation = options.activation ?? 'tanh';
    if (activation !== 'tanh' && activation !== 'relu') {
      throw new ArgumentError(`rnn: activation must be 'tanh' or 'relu', found ${JSON.stringify(activation)}`);
    }
    this.activation = activation;
  }

  protected fusedSequence(x: Tensor, initial: Tensor, cell: CellWeights, mask: Mask | null, reverse: boolean): SequenceResult {
    return this.unrollSteps(x, initial, cell, mask, reverse, (xp, state, weights, m) => rnnStep(xp, state, weights, this.activation, { mask: m }));
  }

  protected composedStep(x: Tensor, state: Tensor, weights: CellWeights): Tensor {
    return rnnCell(x, state, weights, this.activation);
  }

  protected extraConfig(): Record<string, unknown> {
    return { activation: this.activation };
  }
}

/**
 * A plain (Elman) recurrent layer, `torch.nn.RNN` with `batch_first=True`: input `[N, T, F]`,
 * output `[N, T, H·dirs]` with `returnSequences`, else the final hidden state `[N, H·dirs]`.
 *
 * @example
 * ```ts
 * import { sequential, rnn, dense } from 'streamgrad/models';
 * const net = sequential([rnn({ units: 32 }), dense(1)], { inputShape: [50, 1] }); // 50 steps of 1 feature
 * const y = net.forward(x); // x [N, 50, 1] -> y [N, 1]
 * ```
 */
export function rnn(options: RnnOptions): RNN {
  return new RNN(options);
}
