import type { Tensor } from '../../../ops/index.js';
import { type CellWeights, gruCell } from './cells.js';
import { gruSequence } from './gru-sequence.js';
import { Recurrent, type RecurrentOptions } from './recurrent.js';
import type { SequenceResult } from './sequence-node.js';
import type { Mask } from './state-inputs.js';

/** Options of `gru`: those shared by the recurrent layers. */
export type GruOptions = RecurrentOptions;

/**
 * A gated recurrent unit layer over a batch-first sequence (`torch.nn.GRU(batch_first=True)`),
 * gates stacked r, z, n, with PyTorch's placement of the reset gate:
 *
 * ```
 * r = σ(W_ir x_t + b_ir + W_hr h + b_hr)     z = σ(W_iz x_t + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x_t + b_in + r ⊙ (W_hn h + b_hn))     h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * ```
 *
 * Parameters `weight_ih_l{l}` `[3H, I]`, `weight_hh_l{l}` `[3H, H]`, `bias_ih_l{l}`,
 * `bias_hh_l{l}` `[3H]` (`_reverse` for the backward direction). Unrolling, masks, stacking,
 * directions, dropout and states are those of `Recurrent`.
 */
export class GRU extends Recurrent {
  readonly kind = 'gru';

  constructor(options: GruOptions) {
    super('gru', options, 3, 1, []);
  }

  protected fusedSequence(x: Tensor, initial: Tensor, cell: CellWeights, mask: Mask | null, reverse: boolean): SequenceResult {
    return gruSequence(x, initial, cell, { mask: mask?.binary ?? null, reverse });
  }

  protected composedStep(x: Tensor, state: Tensor, weights: CellWeights): Tensor {
    return gruCell(x, state, weights);
  }

  protected extraConfig(): Record<string, unknown> {
    return {};
  }
}

/**
 * A GRU layer, `torch.nn.GRU` with `batch_first=True`: input `[N, T, F]`, output
 * `[N, T, H·dirs]` with `returnSequences`, else the final hidden state `[N, H·dirs]`.
 *
 * @example
 * ```ts
 * import { sequential, gru, dense } from 'streamgrad/models';
 * const net = sequential([gru({ units: 32, bidirectional: true }), dense(2)], { inputShape: [20, 4] });
 * net.layers[0].outputShape; // [64]
 * ```
 */
export function gru(options: GruOptions): GRU {
  return new GRU(options);
}
