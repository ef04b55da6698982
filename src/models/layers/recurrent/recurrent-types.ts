/**
 * The options, states and results of the recurrent layers (`rnn`, `lstm`, `gru`).
 * @packageDocumentation
 */
import type { Tensor } from '../../../ops/index.js';
import type { StepWeights } from './fused-cells.js';

/** One fused step from the projected input `xp_t` (`[N, gates·H]`) and a row mask `[N]`; returns the next state `[N, stateParts·H]`. */
export type FusedStep = (xp: Tensor, state: Tensor, weights: StepWeights, mask: Tensor | null) => Tensor;

/** Options shared by `rnn`, `lstm` and `gru`. */
export interface RecurrentOptions {
  /** H, the size of the hidden state (PyTorch's `hidden_size`). */
  units: number;
  /** Stacked layers; layer l + 1 reads the output sequence of layer l. @default 1 */
  numLayers?: number;
  /** Add a second direction that reads the sequence backwards; outputs are concatenated `[fwd, bwd]`. @default false */
  bidirectional?: boolean;
  /** Dropout probability on the output of every layer except the last, in training only (PyTorch's `dropout`). @default 0 */
  dropout?: number;
  /** Return the whole output sequence `[N, T, H·dirs]` instead of the final output `[N, H·dirs]`. @default false */
  returnSequences?: boolean;
  /** Keep the final states of every `forward` call in `layer.lastState` (see `forwardWithState`). @default false */
  returnState?: boolean;
  /** Use the fused nodes (hand-written VJPs: the whole sequence for LSTM and GRU, one per step for RNN) rather than the composed cells. @default true */
  fused?: boolean;
}

/** The states of a recurrent layer, PyTorch's layout: `[numLayers·dirs, N, H]`, index `l·dirs + d`. */
export interface RecurrentState {
  /** Hidden states (PyTorch's `h_n`, or `h_0` as an initial state). */
  readonly h: Tensor;
  /** Cell states of an LSTM (PyTorch's `c_n` / `c_0`); `null` for RNN and GRU. */
  readonly c: Tensor | null;
}

/** Options of `forwardWithState`. */
export interface ForwardWithStateOptions {
  /** `{ h, c }`, each `[numLayers·dirs, N, H]` (`c` for an LSTM only). @default zeros */
  readonly initialState?: { readonly h: Tensor; readonly c?: Tensor | null } | null;
  /** `[N, T]`, 1 at real steps and 0 at padded ones (as `padBatch` makes it). @default every step real */
  readonly mask?: Tensor | null;
}

/** What `forwardWithState` returns: the layer's output and the final states. */
export interface RecurrentResult extends RecurrentState {
  /** What `forward` returns: `[N, T, H·dirs]` with `returnSequences`, else `[N, H·dirs]`. */
  readonly output: Tensor;
}
