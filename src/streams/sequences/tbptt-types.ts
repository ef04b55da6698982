/**
 * The types of `tbptt`: the model it trains, the windows it takes, its options and its
 * checkpointable state.
 * @packageDocumentation
 */
import type { OperatorFunction } from 'rxjs';
import type { Tensor } from '../../ops/index.js';
import type { Optimizer } from '../../models/index.js';
import type { Batch } from '../types.js';
import type { TrainEvent } from '../train/events.js';
import type { LossFunction } from '../train/train-step.js';

/**
 * A recurrent model's hidden state: named tensors (`{ h }` for an RNN or GRU, `{ h, c }` for
 * an LSTM), each with the batch on the same axis, so `tbptt` can reset rows: the first
 * (`[B, H]`) by default, or `stateBatchAxis: 1` for PyTorch's `[layers·directions, B, H]`
 * (what `rnn`, `lstm` and `gru`'s `forwardWithState` return).
 */
export type RecurrentState = Readonly<Record<string, Tensor>>;

/** What `forwardWithState` returns: the outputs of every step and the state after the last. */
export interface StatefulOutput {
  /** `[B, T, ...]`: one output per row and time step (logits for a language model). */
  readonly output: Tensor;
  readonly state: RecurrentState;
}

/**
 * The least a model needs for `tbptt` and `generate`: a forward over a window `x: [B, T, ...]`
 * that starts from a given state (`null`: the model's initial state, zeros for rnn/lstm/gru)
 * and returns the state after the window. A model built from `streamgrad/models` layers is a
 * `Module`, which checkpoints and `earlyStopping`'s `restoreBestWeights` also need.
 */
export interface StatefulModel {
  forwardWithState(x: Tensor, state: RecurrentState | null): StatefulOutput;
  parameters(): Tensor[];
  /** Training mode (dropout on). */
  train(): void;
  /** Evaluation mode; `generate` uses it when present. */
  eval?(): void;
  /** True in training mode; `generate` restores it when present. */
  readonly training?: boolean;
}

/**
 * A window of B parallel streams: `x: [B, T, ...]`, `y: [B, T, ...]` (targets, e.g. next
 * token indices `[B, T]`), where row b continues row b of the previous window. `reset[b]`
 * true (or 1) marks that row b starts a new stream with this window: its carried state is
 * zeroed first, which also stops gradients from flowing into the old stream.
 */
export interface SequenceBatch extends Batch {
  readonly reset?: Tensor | readonly (boolean | number)[];
}

/** Options of `tbptt`. */
export interface TbpttOptions {
  readonly model: StatefulModel;
  /** Called as `loss(prediction [B·T, ...], target [B·T, ...])`: batch and time flattened, so `crossEntropy` and `mse` fit. */
  readonly loss: LossFunction;
  readonly optimizer: Optimizer;
  /** Time steps between two updates (one update = one `batchEnd`). */
  readonly k1: number;
  /** Time steps a gradient flows back through the recurrence, at most. @default k1 */
  readonly k2?: number;
  /** Clip the global gradient norm to this value before each update. */
  readonly clipGradNorm?: number;
  /** The epoch to train up to, as in `fit`: the source is subscribed once per epoch. @default 1 */
  readonly epochs?: number;
  /**
   * The axis of the batch in every state tensor: 0 for `[B, ...]`, 1 for PyTorch's
   * `[layers·directions, B, H]` as the `rnn`/`lstm`/`gru` layers keep it. Used to reset rows.
   * @default 0
   */
  readonly stateBatchAxis?: number;
  /** Key of the carried state in `context.callbackState`. @default 'tbptt' */
  readonly name?: string;
  /** Continue from a checkpoint: what `resume(dir, { model, optimizer })` returns (its `callbackState`). */
  readonly resume?: { readonly callbackState: Readonly<Record<string, unknown>> };
}

/** A tensor as plain JSON. */
export interface PlainTensor {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

/** A stretch of time steps of every row, as plain JSON. */
export interface PlainPiece {
  readonly x: PlainTensor;
  readonly y: PlainTensor;
  /** Rows that start a new stream at this piece's first step (1), or null. */
  readonly reset: readonly number[] | null;
}

/**
 * Everything a run of `tbptt` needs to continue exactly: where it is, the carried state and
 * the steps it holds. Plain JSON (floats round-trip exactly through `JSON`).
 */
export interface TbpttState {
  readonly format: 'streamgrad.tbptt';
  readonly version: 1;
  readonly k1: number;
  readonly k2: number;
  /** The epoch in progress (or the next one, between epochs). */
  readonly epoch: number;
  /** Windows of this epoch already received (a resumed run skips them). */
  readonly windows: number;
  /** Updates done in this epoch. */
  readonly updates: number;
  /** Σ loss · predictions and Σ predictions of this epoch, for its mean loss. */
  readonly lossSum: number;
  readonly samples: number;
  /** Rows B of this epoch's windows, null before the first. */
  readonly rows: number | null;
  /** The detached state the next update starts from (at the start of `history`), null for the initial state. */
  readonly carried: Readonly<Record<string, PlainTensor>> | null;
  /** The k2 − k1 steps before the next update's steps, re-run for their gradient path (empty when k2 ≤ k1). */
  readonly history: readonly PlainPiece[];
  /** Steps received but not trained yet (fewer than k1 between windows). */
  readonly pending: readonly PlainPiece[];
}

/** The operator `tbptt` returns, with its run's state for checkpoints. */
export interface TbpttOperator extends OperatorFunction<SequenceBatch, TrainEvent> {
  readonly k1: number;
  readonly k2: number;
  /** A plain-JSON snapshot of the run (also readable as `context.callbackState[name]`). */
  state(): TbpttState;
  /** Restores `state()`'s output, checked whole first: nothing changes when it does not fit. */
  loadState(state: unknown): void;
}
