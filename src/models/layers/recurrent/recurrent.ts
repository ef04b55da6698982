import {
  ArgumentError,
  Rng,
  type RngState,
  ShapeError,
  Tensor,
  add,
  concat,
  matmul,
  mul,
  noGrad,
  randu,
  reshape,
  stack,
  transpose,
  where,
} from '../../../ops/index.js';
import { type BuildContext, Layer } from '../../layer.js';
import { dropoutMask } from '../dropout.js';
import { checkBoolean, checkOptions, checkPositiveInt, requireOption } from '../conv2d.js';
import type { CellWeights } from './cells.js';
import type { StepWeights } from './fused-cells.js';
import type { FusedStep, ForwardWithStateOptions, RecurrentOptions, RecurrentResult, RecurrentState } from './recurrent-types.js';
import type { SequenceResult } from './sequence-node.js';
import { columnsOf } from './step-helpers.js';
import { type Mask, checkMask, initialStates } from './state-inputs.js';
import { stackTime, unstackTime } from './time-steps.js';

export type { FusedStep, ForwardWithStateOptions, RecurrentOptions, RecurrentResult, RecurrentState } from './recurrent-types.js';

const SHARED_OPTIONS = ['units', 'numLayers', 'bidirectional', 'dropout', 'returnSequences', 'returnState', 'fused'];

/**
 * The recurrent layer shared by `rnn`, `lstm` and `gru`: unrolls a cell over the time axis of
 * a batch-first input `[N, T, F]` (PyTorch's `batch_first=True`), with stacking, a reverse
 * direction, dropout between layers, initial states and masks. Parameters and layouts are
 * PyTorch's, so the state dict maps 1:1 onto `torch.nn.RNN/LSTM/GRU`: per layer l and
 * direction, `weight_ih_l{l}` `[gates·H, I]`, `weight_hh_l{l}` `[gates·H, H]`, `bias_ih_l{l}`,
 * `bias_hh_l{l}` `[gates·H]`, with the suffix `_reverse` for the backward direction; layer 0
 * reads F features, the others H·dirs. All start uniform on `[−1/√H, 1/√H]`, as in PyTorch.
 *
 * - Output: with `returnSequences`, `[N, T, H·dirs]` (the last layer's hidden state at each
 *   step, `[fwd, bwd]`); otherwise `[N, H·dirs]`, each direction's final hidden state (forward:
 *   after the last real step; backward: after step 0), which is PyTorch's `h_n` of the last
 *   layer and Keras' `Bidirectional` output.
 * - Masks (`forwardWithState(x, { mask })`, `[N, T]`): at a step whose mask is 0 the state is
 *   carried over unchanged (`h_t = h_{t−1}`, `c_t = c_{t−1}`) in every layer and direction, so
 *   the final output is the state after the last real step (for right padding the backward
 *   direction starts at the last real step, as with PyTorch's packed sequences), and the
 *   returned sequence is zeroed at padded steps so it adds nothing to a per-step loss.
 * - States: `forward(x)` returns the output only; `forwardWithState(x, { initialState, mask })`
 *   also returns `h` (and `c`), `[numLayers·dirs, N, H]` like PyTorch's `h_n`/`c_n`. With
 *   `returnState`, every `forward` keeps them in `lastState` too (for use inside `sequential`).
 * - The time length may differ from call to call; the built input shape `[T, F]` fixes only F
 *   (the reported output shape uses the built T).
 * - Dropout (training only) zeroes elements of every layer's output sequence but the last's,
 *   drawn from the layer's own `Rng`, seeded at build from the model's RNG after the weights;
 *   `rngState()`/`setRngState()` save and restore it. With one layer it has no effect.
 * - `fused` (default) runs an LSTM's or GRU's whole sequence, per layer and direction, as one
 *   autograd node with a hand-written VJP (`lstm-sequence.ts`, `gru-sequence.ts`), and an RNN's
 *   steps as one node each (`fused-cells.ts`); `fused: false` runs the composed cells
 *   (`cells.ts`), the same values and gradients within float32 rounding, slower.
 *
 * @example
 * ```ts
 * import { lstm } from 'streamgrad/models';
 * import { Rng } from 'streamgrad';
 * const layer = lstm({ units: 8, bidirectional: true, returnSequences: true });
 * layer.build([20, 3], { rng: new Rng(0) });         // or put it in sequential(..., { inputShape: [20, 3] })
 * const { output, h, c } = layer.forwardWithState(x, { mask }); // x [N, T, 3], mask [N, T]
 * // output [N, T, 16], zero at padded steps; h and c [2, N, 8]
 * ```
 */
export abstract class Recurrent extends Layer {
  abstract override readonly kind: 'rnn' | 'lstm' | 'gru';
  readonly units: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly fused: boolean;
  /** The final states of the last `forward` when `returnState` is set; `null` otherwise. */
  lastState: RecurrentState | null = null;
  /** The weights of each layer and direction, index `l·dirs + d`. */
  protected readonly cells: CellWeights[] = [];
  private rng: Rng | null = null;
  private pending: { options: ForwardWithStateOptions; result: RecurrentResult | null } | null = null;

  /**
   * @param name - the factory's name, for messages.
   * @param gates - gate blocks per weight (1 RNN, 4 LSTM, 3 GRU).
   * @param stateParts - blocks of H in the carried state (2 for an LSTM's `[h | c]`).
   * @param extraOptions - option names the subclass accepts besides the shared ones.
   */
  protected constructor(
    name: string,
    options: RecurrentOptions,
    readonly gates: number,
    readonly stateParts: number,
    extraOptions: readonly string[],
  ) {
    super();
    const o = checkOptions(name, options, [...SHARED_OPTIONS, ...extraOptions]);
    this.units = checkPositiveInt(name, 'units', requireOption(name, 'units', o.units));
    this.numLayers = checkPositiveInt(name, 'numLayers', o.numLayers ?? 1);
    this.bidirectional = checkBoolean(name, 'bidirectional', o.bidirectional ?? false);
    this.returnSequences = checkBoolean(name, 'returnSequences', o.returnSequences ?? false);
    this.returnState = checkBoolean(name, 'returnState', o.returnState ?? false);
    this.fused = checkBoolean(name, 'fused', o.fused ?? true);
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      throw new ArgumentError(`${name}: dropout must be a number in [0, 1), found ${String(p)}`);
    }
    this.dropout = p;
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * One layer and direction of the fused path: the hidden sequence `[N, T, H]` and the final
   * carried state. LSTM and GRU run the whole sequence as one node (`lstmSequence`,
   * `gruSequence`); an RNN runs one fused node per step through `unrollSteps`.
   */
  protected abstract fusedSequence(x: Tensor, initial: Tensor, cell: CellWeights, mask: Mask | null, reverse: boolean): SequenceResult;

  /** One step of the composed cell from `x_t` (`[N, I]`); returns the next state `[N, stateParts·H]`. */
  protected abstract composedStep(x: Tensor, state: Tensor, weights: CellWeights): Tensor;

  /** Options of the subclass (activation, forgetBias) for `config()`. */
  protected abstract extraConfig(): Record<string, unknown>;

  /** Adjusts a freshly initialized cell (the LSTM's forget-gate bias). */
  protected initializeCell(_cell: CellWeights): void {}

  protected setup(inputShape: number[], { rng }: BuildContext): number[] {
    if (inputShape.length !== 2) {
      throw new ShapeError(
        `${this.label}: expected a sequence input [N,T,F] (batch first), so a built shape [T,F], found [N,${inputShape.join(',')}]`,
      );
    }
    const [time, features] = inputShape;
    const bound = 1 / Math.sqrt(this.units);
    const init = (shape: number[]) => randu(shape, rng, { low: -bound, high: bound });
    for (let l = 0; l < this.numLayers; l++) {
      const inputSize = l === 0 ? features : this.units * this.directions;
      for (let d = 0; d < this.directions; d++) {
        const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const rows = this.gates * this.units;
        const cell: CellWeights = {
          weightIh: this.registerParameter(`weight_ih${suffix}`, init([rows, inputSize])),
          weightHh: this.registerParameter(`weight_hh${suffix}`, init([rows, this.units])),
          biasIh: this.registerParameter(`bias_ih${suffix}`, init([rows])),
          biasHh: this.registerParameter(`bias_hh${suffix}`, init([rows])),
        };
        this.initializeCell(cell);
        this.cells.push(cell);
      }
    }
    this.rng = new Rng(rng.nextUint32());
    const width = this.units * this.directions;
    return this.returnSequences ? [time, width] : [width];
  }

  protected override checkInput(shape: readonly number[]): void {
    const features = this.inputShape![1];
    if (shape.length !== 3 || shape[2] !== features || shape[1] < 1) {
      throw new ShapeError(
        `${this.label}: expected input [N,T,${features}] (batch first, T >= 1 steps of ${features} features), found [${shape.join(',')}]`,
      );
    }
  }

  /**
   * Runs the layer and returns its output with the final states, `h` (and `c` for an LSTM)
   * `[numLayers·dirs, N, H]` as PyTorch's `h_n`/`c_n`; `forward(x)` is `forwardWithState(x).output`.
   *
   * @param x - `[N, T, F]`, batch first.
   * @param options.initialState - `{ h, c }`, `[numLayers·dirs, N, H]` each; zeros by default.
   * @param options.mask - `[N, T]` of 0/1 (from `padBatch`): padded steps keep the state and
   *   give zero outputs.
   * @throws ShapeError naming the layer when a state or the mask does not fit `x`.
   * @example
   * ```ts
   * const { output, h, c } = layer.forwardWithState(batch.x, { mask: batch.mask });
   * const next = layer.forwardWithState(x2, { initialState: { h: h.detach(), c: c!.detach() } }); // truncated BPTT
   * ```
   */
  forwardWithState(x: Tensor, options: ForwardWithStateOptions = {}): RecurrentResult {
    checkOptions(`${this.label}: forwardWithState`, options, ['initialState', 'mask']);
    this.pending = { options, result: null };
    try {
      this.forward(x);
      return this.pending.result!;
    } finally {
      this.pending = null;
    }
  }

  protected call(x: Tensor): Tensor {
    const result = this.run(x, this.pending?.options ?? {});
    if (this.pending !== null) this.pending.result = result;
    if (this.returnState) this.lastState = { h: result.h, c: result.c };
    return result.output;
  }

  private run(x: Tensor, options: ForwardWithStateOptions): RecurrentResult {
    const [n, time] = x.shape;
    const mask = checkMask(this.label, options.mask ?? null, n, time);
    const initial = initialStates(this, options.initialState ?? null, n);
    const finals: Tensor[] = [];
    let input = x;
    for (let l = 0; l < this.numLayers; l++) {
      const needSequence = l < this.numLayers - 1 || this.returnSequences;
      const sequences: Tensor[] = [];
      for (let d = 0; d < this.directions; d++) {
        const k = l * this.directions + d;
        const { hidden, final } = this.unroll(input, this.cells[k], d === 1, initial[k], mask);
        finals.push(final);
        if (needSequence) sequences.push(hidden);
      }
      if (!needSequence) break;
      input = sequences.length === 1 ? sequences[0] : concat(sequences, 2);
      if (l < this.numLayers - 1 && this.training && this.dropout > 0) {
        input = mul(input, dropoutMask(this.rng!, this.dropout, input.shape));
      }
    }
    const lastLayer = finals.slice(-this.directions).map((s) => this.hidden(s));
    let output: Tensor;
    if (this.returnSequences) output = mask === null ? input : mul(input, reshape(mask.binary, [n, time, 1]));
    else output = lastLayer.length === 1 ? lastLayer[0] : concat(lastLayer, 1);
    const h = stack(finals.map((s) => this.hidden(s)));
    const c = this.stateParts === 2 ? stack(finals.map((s) => columnsOf(s, this.units, this.units))) : null;
    return { output, h, c };
  }

  /**
   * Runs one layer and direction over the sequence: the hidden state after each step `[N, T, H]`
   * and the carried state after the last step taken `[N, stateParts·H]` (after step 0 when reversed).
   */
  private unroll(input: Tensor, cell: CellWeights, reverse: boolean, initial: Tensor, mask: Mask | null): SequenceResult {
    if (this.fused) return this.fusedSequence(input, initial, cell, mask, reverse);
    const time = input.shape[1];
    const steps = unstackTime(input);
    const states = new Array<Tensor>(time);
    let state = initial;
    for (let s = 0; s < time; s++) {
      const t = reverse ? time - 1 - s : s;
      const next = this.composedStep(steps[t], state, cell);
      state = mask === null ? next : where(mask.columns[t], next, state);
      states[t] = state;
    }
    return this.sequenceResult(states, reverse);
  }

  /**
   * The fused path of an RNN: one input-projection product over all steps, then `step`
   * (one autograd node with a hand-written VJP, `fused-cells.ts`) at each step.
   */
  protected unrollSteps(input: Tensor, initial: Tensor, cell: CellWeights, mask: Mask | null, reverse: boolean, step: FusedStep): SequenceResult {
    const [n, time, features] = input.shape;
    const projected = add(matmul(reshape(input, [n * time, features]), transpose(cell.weightIh)), cell.biasIh);
    const steps = unstackTime(reshape(projected, [n, time, this.gates * this.units]));
    const weights: StepWeights = { ...cell, weightHhT: noGrad(() => transpose(cell.weightHh)) };
    const states = new Array<Tensor>(time);
    let state = initial;
    for (let s = 0; s < time; s++) {
      const t = reverse ? time - 1 - s : s;
      state = step(steps[t], state, weights, mask?.steps[t] ?? null);
      states[t] = state;
    }
    return this.sequenceResult(states, reverse);
  }

  /** The hidden sequence and the final state out of the states after each step (indexed by time). */
  private sequenceResult(states: Tensor[], reverse: boolean): SequenceResult {
    return { hidden: this.hiddenSequence(stackTime(states)), final: reverse ? states[0] : states[states.length - 1] };
  }

  /** h out of a carried state (the first H columns). */
  private hidden(state: Tensor): Tensor {
    return this.stateParts === 1 ? state : columnsOf(state, 0, this.units);
  }

  /** The hidden part of a sequence of carried states `[N, T, stateParts·H]`. */
  private hiddenSequence(states: Tensor): Tensor {
    if (this.stateParts === 1) return states;
    const [n, time, width] = states.shape;
    return reshape(columnsOf(reshape(states, [n * time, width]), 0, this.units), [n, time, this.units]);
  }

  /** The state of the RNG behind the dropout masks, a plain JSON-able object for checkpoints. */
  rngState(): RngState {
    return this.builtRng('rngState').state();
  }

  /** Restores a state from `rngState()`: the following dropout masks repeat those drawn after it was saved. */
  setRngState(state: RngState): void {
    this.builtRng('setRngState').setState(state);
  }

  private builtRng(method: string): Rng {
    if (this.rng === null) {
      throw new ArgumentError(`${this.label}: ${method} needs a built layer (its RNG is created when it is built)`);
    }
    return this.rng;
  }

  config(): Record<string, unknown> {
    return {
      units: this.units,
      ...this.extraConfig(),
      numLayers: this.numLayers,
      bidirectional: this.bidirectional,
      dropout: this.dropout,
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      fused: this.fused,
    };
  }
}
