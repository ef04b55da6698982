import { ArgumentError, Rng, ShapeError, Tensor, reshape, slice, stack } from '../ops/index.js';
import { Layer } from './layer.js';
import { Module } from './module.js';
import { Recurrent } from './layers/recurrent/recurrent.js';

/**
 * A recurrent model's carried state as named tensors `[B, H]`, one `h` (and for an LSTM one
 * `c`) per layer and direction: `h_l0`, `c_l0`, `h_l1`, ..., with `_reverse` for the
 * backward direction (PyTorch's parameter suffixes). The batch is on axis 0, `tbptt`'s
 * default `stateBatchAxis`. Structurally the `RecurrentState` of `tbptt` and `generate`.
 */
export type SequenceState = Readonly<Record<string, Tensor>>;

/** Options of `sequenceModel`. */
export interface SequenceModelOptions {
  /** Maps token indices `[B, T]` to vectors `[B, T, E]` (an `embedding`); without it the input is `[B, T, F]`. */
  readonly embedding?: Layer;
  /** An `rnn`, `lstm` or `gru` layer with `returnSequences: true` (any `numLayers`, directions, dropout). */
  readonly recurrent: Recurrent;
  /** Applied to each time step's output `[B·T, H·dirs]`, e.g. `dense(vocabularySize)` for logits. */
  readonly head: Layer;
  /** Input shape without the batch: `[T]` with an embedding, `[T, F]` without; T is nominal (any length runs). */
  readonly inputShape: readonly number[];
  /** Seed of the RNG that draws the initial weights (embedding, recurrent, head, in that order). @default 0 */
  readonly seed?: number;
}

/** What `forwardWithState` returns: per-step outputs `[B, T, ...]` and the state after the last step. */
export interface SequenceOutput {
  readonly output: Tensor;
  readonly state: SequenceState;
}

/**
 * An optional embedding, a recurrent layer and a per-step head as one model with carried state,
 * the shape `tbptt` and `generate` need (their `StatefulModel`): `forwardWithState(x, state)`
 * runs a window from a given state and returns every step's output with the state after it.
 * Children are registered as `embedding`, the recurrent layer's kind (`lstm`, `gru`, `rnn`)
 * and `head`, so parameter names are PyTorch's for the same modules (`embedding.weight`,
 * `lstm.weight_ih_l0`, `head.weight`) and `stateDict`, checkpoints and `saveWeights` work.
 */
export class SequenceModel extends Module {
  readonly embedding: Layer | null;
  readonly recurrent: Recurrent;
  readonly head: Layer;
  /** The state keys, index `l·dirs + d` as in the layer's `[numLayers·dirs, B, H]`. */
  readonly hiddenNames: readonly string[];
  /** The cell-state keys of an LSTM, empty otherwise. */
  readonly cellNames: readonly string[];

  constructor(options: SequenceModelOptions) {
    super();
    const o = checkOptions(options);
    this.embedding = o.embedding ?? null;
    this.recurrent = o.recurrent;
    this.head = o.head;
    const rng = new Rng(o.seed ?? 0);
    let shape = [...o.inputShape];
    if (this.embedding !== null) {
      this.embedding.name = 'embedding';
      this.registerModule('embedding', this.embedding);
      shape = this.embedding.build(shape, { rng });
    }
    this.recurrent.name = this.recurrent.kind;
    this.registerModule(this.recurrent.kind, this.recurrent);
    shape = this.recurrent.build(shape, { rng });
    this.head.name = 'head';
    this.registerModule('head', this.head);
    this.head.build(shape.slice(1), { rng });
    const suffixes: string[] = [];
    for (let l = 0; l < this.recurrent.numLayers; l++) {
      for (let d = 0; d < this.recurrent.directions; d++) suffixes.push(`_l${l}${d === 1 ? '_reverse' : ''}`);
    }
    this.hiddenNames = suffixes.map((s) => `h${s}`);
    this.cellNames = this.recurrent.stateParts === 2 ? suffixes.map((s) => `c${s}`) : [];
  }

  /**
   * Runs a window from `state` (`null`: zeros) and returns the head's output at every step
   * with the state after the last step. Gradients flow through the state, in and out.
   *
   * @param x - `[B, T]` token indices with an embedding, else `[B, T, F]`.
   * @param state - what a previous call returned (or `tbptt` carried), `null` for zeros.
   * @returns `output` `[B, T, ...head output]` and `state` (see `SequenceState`).
   * @throws ShapeError when `x` has the wrong rank or a state tensor is not `[B, H]`;
   *   ArgumentError when the state's keys are not this model's.
   */
  forwardWithState(x: Tensor, state: SequenceState | null): SequenceOutput {
    const rank = this.embedding === null ? 3 : 2;
    if (!(x instanceof Tensor) || x.rank !== rank) {
      const expected = this.embedding === null ? '[B,T,F] (no embedding)' : '[B,T] of token indices (with an embedding)';
      const found = x instanceof Tensor ? `[${x.shape.join(',')}]` : typeof x;
      throw new ShapeError(`sequenceModel: expected input ${expected}, found ${found}`);
    }
    const [batch, steps] = x.shape;
    const input = this.embedding === null ? x : this.embedding.forward(x);
    const initialState = state === null ? null : this.toLayerState(state, batch);
    const result = this.recurrent.forwardWithState(input, { initialState });
    const width = result.output.shape[2];
    const flat = this.head.forward(reshape(result.output, [batch * steps, width]));
    const output = reshape(flat, [batch, steps, ...flat.shape.slice(1)]);
    const out: Record<string, Tensor> = {};
    this.hiddenNames.forEach((name, k) => (out[name] = pick(result.h, k)));
    this.cellNames.forEach((name, k) => (out[name] = pick(result.c!, k)));
    return { output, state: out };
  }

  /** `forwardWithState(x, null).output`: every step's output from the zero state. */
  forward(x: Tensor): Tensor {
    return this.forwardWithState(x, null).output;
  }

  /** The state names this model reads and returns, hidden states first. */
  get stateNames(): readonly string[] {
    return [...this.hiddenNames, ...this.cellNames];
  }

  /** `{ h_l0: [B, H], ... }` to the layer's `{ h, c }` `[numLayers·dirs, B, H]`, checked. */
  private toLayerState(state: SequenceState, batch: number): { h: Tensor; c: Tensor | null } {
    if (state === null || typeof state !== 'object') {
      throw new ArgumentError(`sequenceModel: state must be null or { ${this.stateNames.join(', ')} }, found ${typeof state}`);
    }
    const names = this.stateNames;
    const keys = Object.keys(state);
    const missing = names.filter((n) => !(state[n] instanceof Tensor));
    const extra = keys.filter((k) => !names.includes(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new ArgumentError(
        `sequenceModel: expected state { ${names.join(', ')} } (tensors), found { ${keys.join(', ')} }` +
          (missing.length > 0 ? `; missing ${missing.join(', ')}` : '') +
          (extra.length > 0 ? `; unknown ${extra.join(', ')}` : ''),
      );
    }
    const units = this.recurrent.units;
    for (const name of names) {
      const t = state[name];
      if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== units) {
        throw new ShapeError(`sequenceModel: state '${name}' must be [B,H] = [${batch},${units}] for input of ${batch} rows, found [${t.shape.join(',')}]`);
      }
    }
    const h = stack(this.hiddenNames.map((n) => state[n]));
    const c = this.cellNames.length === 0 ? null : stack(this.cellNames.map((n) => state[n]));
    return { h, c };
  }
}

/** Row `k` of `[K, B, H]` as `[B, H]`. */
function pick(t: Tensor, k: number): Tensor {
  return reshape(slice(t, [k], [k + 1]), t.shape.slice(1));
}

function checkOptions(options: SequenceModelOptions): SequenceModelOptions {
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError('sequenceModel: expected an options object { recurrent, head, inputShape }');
  }
  const known = ['embedding', 'recurrent', 'head', 'inputShape', 'seed'];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new ArgumentError(`sequenceModel: unknown option(s) ${unknown.join(', ')}; expected ${known.join(', ')}`);
  if (!(options.recurrent instanceof Recurrent)) {
    throw new ArgumentError(`sequenceModel: recurrent must be an rnn, lstm or gru layer, found ${describe(options.recurrent)}`);
  }
  if (!options.recurrent.returnSequences) {
    throw new ArgumentError(`sequenceModel: the ${options.recurrent.kind} layer must return every step; create it with returnSequences: true`);
  }
  if (!(options.head instanceof Layer)) throw new ArgumentError(`sequenceModel: head must be a layer such as dense(vocabularySize), found ${describe(options.head)}`);
  if (options.embedding !== undefined && !(options.embedding instanceof Layer)) {
    throw new ArgumentError(`sequenceModel: embedding must be a layer such as embedding({ numEmbeddings, embeddingDim }), found ${describe(options.embedding)}`);
  }
  const layers = [options.embedding, options.recurrent, options.head].filter((l) => l !== undefined);
  if (new Set(layers).size !== layers.length) throw new ArgumentError('sequenceModel: the same layer appears twice; create a new layer instead');
  const shape = options.inputShape;
  const rank = options.embedding === undefined ? 2 : 1;
  if (!Array.isArray(shape) || shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    const expected = rank === 2 ? '[T, F] (no embedding)' : '[T] (token indices into the embedding)';
    throw new ShapeError(`sequenceModel: inputShape must be ${expected} of sizes >= 1, found ${JSON.stringify(shape)}`);
  }
  if (options.seed !== undefined && !Number.isFinite(options.seed)) throw new ArgumentError(`sequenceModel: seed must be a finite number, found ${String(options.seed)}`);
  return options;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function; call it, e.g. lstm({ units }) rather than lstm';
  if (value instanceof Layer) return `a ${value.kind} layer`;
  return typeof value;
}

/**
 * A language-model-shaped network with carried state for `tbptt` and `generate`: an optional
 * embedding, an `rnn`/`lstm`/`gru` layer (`returnSequences: true`; stacked layers allowed) and
 * a head applied at every step. Built at once from `inputShape` and `seed`. The state is
 * `{ h_l0, c_l0, h_l1, ... }` with tensors `[B, H]` (batch on axis 0, so `tbptt`'s default
 * `stateBatchAxis` resets rows); `state: null` starts from zeros.
 *
 * @example
 * ```ts
 * import { sequenceModel, embedding, lstm, dense, adam, crossEntropy } from 'streamgrad/models';
 * import { parallelWindows, tbptt, generate } from 'streamgrad/streams';
 * const model = sequenceModel({
 *   embedding: embedding({ numEmbeddings: vocab.size, embeddingDim: 32 }),
 *   recurrent: lstm({ units: 128, numLayers: 2, returnSequences: true }),
 *   head: dense(vocab.size),
 *   inputShape: [64],
 *   seed: 1,
 * });
 * model.namedParameters().map(([n]) => n); // ['embedding.weight', 'lstm.weight_ih_l0', ..., 'head.weight', 'head.bias']
 * parallelWindows(ids, { batchSize: 32, length: 64 })
 *   .pipe(tbptt({ model, loss: crossEntropy, optimizer: adam(model, { lr: 2e-3 }), k1: 64 }))
 *   .subscribe();
 * ```
 * @throws ArgumentError for a missing or wrong layer, a recurrent layer without
 *   `returnSequences`; ShapeError for an `inputShape` of the wrong rank.
 */
export function sequenceModel(options: SequenceModelOptions): SequenceModel {
  return new SequenceModel(options);
}
