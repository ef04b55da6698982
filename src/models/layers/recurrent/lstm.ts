import { ArgumentError, Tensor, concat, slice } from '../../../ops/index.js';
import { type CellWeights, lstmCell } from './cells.js';
import { lstmSequence } from './lstm-sequence.js';
import { Recurrent, type RecurrentOptions } from './recurrent.js';
import type { SequenceResult } from './sequence-node.js';
import type { Mask } from './state-inputs.js';

/** Options of `lstm`. */
export interface LstmOptions extends RecurrentOptions {
  /**
   * The initial forget-gate bias: when set, `bias_ih`'s forget block (rows H…2H) starts at this
   * value and `bias_hh`'s at 0, so `b_if + b_hf = forgetBias` (1.0 is the usual choice,
   * Jozefowicz et al., 2015; Keras' `unit_forget_bias`). @default PyTorch's uniform init
   */
  forgetBias?: number;
}

/**
 * A long short-term memory layer over a batch-first sequence (`torch.nn.LSTM(batch_first=True)`),
 * gates stacked i, f, g, o:
 *
 * ```
 * i, f, o = σ(W_i· x_t + b_i· + W_h· h_{t−1} + b_h·)     g = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
 * c_t = f ⊙ c_{t−1} + i ⊙ g                               h_t = o ⊙ tanh(c_t)
 * ```
 *
 * Parameters `weight_ih_l{l}` `[4H, I]`, `weight_hh_l{l}` `[4H, H]`, `bias_ih_l{l}`,
 * `bias_hh_l{l}` `[4H]` (`_reverse` for the backward direction). The states are `h` and `c`;
 * unrolling, masks, stacking, directions, dropout and states are those of `Recurrent`.
 */
export class LSTM extends Recurrent {
  readonly kind = 'lstm';
  readonly forgetBias: number | undefined;

  constructor(options: LstmOptions) {
    super('lstm', options, 4, 2, ['forgetBias']);
    const bias = options.forgetBias;
    if (bias !== undefined && (typeof bias !== 'number' || !Number.isFinite(bias))) {
      throw new ArgumentError(`lstm: forgetBias must be a finite number, found ${String(bias)}`);
    }
    this.forgetBias = bias;
  }

  protected override initializeCell(cell: CellWeights): void {
    if (this.forgetBias === undefined) return;
    cell.biasIh.data.fill(this.forgetBias, this.units, 2 * this.units);
    cell.biasHh.data.fill(0, this.units, 2 * this.units);
  }


  protected fusedSequence(x: Tensor, initial: Tensor, cell: CellWeights, mask: Mask | null, reverse: boolean): SequenceResult {
    return lstmSequence(x, initial, cell, { mask: mask?.binary ?? null, reverse });
  }

  protected composedStep(x: Tensor, state: Tensor, weights: CellWeights): Tensor {
    const n = state.shape[0];
    const h = slice(state, [0, 0], [n, this.units]);
    const c = slice(state, [0, this.units], [n, 2 * this.units]);
    const next = lstmCell(x, h, c, weights);
    return concat([next.h, next.c], 1);
  }

  protected extraConfig(): Record<string, unknown> {
    return { forgetBias: this.forgetBias };
  }
}

/**
 * An LSTM layer, `torch.nn.LSTM` with `batch_first=True`: input `[N, T, F]`, output
 * `[N, T, H·dirs]` with `returnSequences`, else the final hidden state `[N, H·dirs]`;
 * `forwardWithState` also returns `h` and `c`, `[numLayers·dirs, N, H]`.
 *
 * @example
 * ```ts
 * import { sequential, lstm, dense, type LSTM } from 'streamgrad/models';
 * const net = sequential([lstm({ units: 64, numLayers: 2, dropout: 0.2, forgetBias: 1 }), dense(10)], {
 *   inputShape: [100, 8],
 * });
 * const layer = net.layers[0] as LSTM;
 * const { output, h, c } = layer.forwardWithState(batch.x, { mask: batch.mask }); // padded batches
 * ```
 */
export function lstm(options: LstmOptions): LSTM {
  return new LSTM(options);
}
