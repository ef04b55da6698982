import { type OperatorFunction, Observable, type Subscription } from 'rxjs';
import { ArgumentError, ShapeError, Tensor, backward, concat } from '../../ops/index.js';
import { CheckpointError, type Layer, type Optimizer, clipGradNorm } from '../../models/index.js';
import { paced } from '../consume.js';
import { inEpoch } from '../epoch-context.js';
import type { Batch } from '../types.js';
import type { FitPosition, TrainContext, TrainEvent } from '../train/events.js';
import type { LossFunction } from '../train/train-step.js';
import {
  type Piece,
  checkOutput,
  detachState,
  flattenTime,
  fmt,
  fromPlain,
  pieceFromPlain,
  pieceToPlain,
  resetRows,
  splitAt,
  splitAtAll,
  stepsOf,
  toPlain,
} from './tbptt-pieces.js';

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

/**
 * Truncated back-propagation through time, TBPTT(k1, k2) (Williams & Peng 1990; Sutskever
 * 2013, §2.8.6), as a training operator: windows of B parallel streams in, training events
 * out. The time steps of consecutive windows form one sequence per row; the hidden state is
 * carried from step to step across windows, and
 *
 * - every **k1** steps there is one update: the loss is the mean over the k1 new steps'
 *   predictions of every row, then backward, optional clipping, `optimizer.step()`;
 * - a gradient flows back through at most **k2** steps of recurrence:
 *   - k2 = k1 (the usual case): the state is detached where each update's steps begin, so
 *     each update back-propagates through exactly its own k1 steps;
 *   - k2 > k1: the update re-runs the k2 − k1 steps before its own from the detached state
 *     saved there (with the current weights), without loss on them, so the loss of the
 *     update's first step reaches k2 − k1 + 1 steps back and its last step k2; the cost is
 *     a k2-step forward and backward every k1 steps. The state carried on is the one this
 *     re-run computes;
 *   - k2 < k1: the state is also detached every k2 steps counting back from the update's
 *     end (cuts at k1 − k2, k1 − 2·k2, ... steps into it), so no gradient crosses more than
 *     k2 steps.
 *
 * k1 need not match the window length T: windows are cut or joined into k1-step updates,
 * and the steps left when the stream completes (fewer than k1) make one last, shorter
 * update. `reset` on a window zeroes the state of the rows it marks. Each subscription of
 * the source is one epoch and starts every stream over (state zeroed); the operator
 * subscribes it `epochs` times.
 *
 * Events are `fit`'s (`epochStart`, `batchEnd` per update, `epochEnd` with `logs.loss`, the
 * epoch's mean loss per prediction), with a `context`, so the callbacks work on them:
 * `batchEnd.batch` counts updates, `size` is the predictions in the update (B × steps),
 * `step` is `optimizer.stepCount`. `context.model` is the model passed in; callbacks that
 * save or restore weights need it to be a `Module`.
 *
 * Checkpoints: the run's state (`state()`: position, carried state, held steps) is also the
 * live, enumerable property `context.callbackState[name]`, read when a checkpoint is taken,
 * so `checkpoint` saves it with the weights and `tbptt({ resume })` continues the sequence
 * exactly where it stopped: the windows already received are skipped, the state and the
 * steps held are restored, and the result is bit-for-bit the uninterrupted run.
 *
 * ```
 * windows:            --w--w--w--|            (each w: [B, T] with T = 2·k1)
 * tbptt({ k1 }):      S-bb-bb-bb-(E|)         S = epochStart, b = batchEnd (one per update), E = epochEnd
 * ```
 *
 * @example
 * ```ts
 * import { parallelWindows, tbptt } from 'streamgrad/streams';
 * import { checkpoint, resume } from 'streamgrad/callbacks';
 * const start = await resume('runs/char-lm', { model, optimizer });
 * parallelWindows(vocab.encode(text), { batchSize: 32, length: 100 })
 *   .pipe(
 *     tbptt({ model, loss: crossEntropy, optimizer, k1: 100, clipGradNorm: 5, epochs: 10, resume: start ?? undefined }),
 *     checkpoint({ dir: 'runs/char-lm', every: { steps: 200 } }),
 *   )
 *   .subscribe((e) => e.type === 'epochEnd' && console.log(e.epoch, e.logs.loss / Math.LN2, 'bits/char'));
 * ```
 * @throws ArgumentError at creation for bad options; the stream errors on a window whose
 *   shapes do not fit (naming the window and the shapes).
 */
export function tbptt(opts: TbpttOptions): TbpttOperator {
  const settings = checkOptions(opts);
  const runner = new Runner(settings);
  const { name } = settings;
  const saved = opts.resume?.callbackState;
  if (saved !== undefined) {
    if (saved === null || typeof saved !== 'object') throw new ArgumentError('tbptt: resume.callbackState must be an object');
    if (saved[name] === undefined) throw new ArgumentError(`tbptt: resume.callbackState has no "${name}" entry (was the run trained with tbptt?)`);
    runner.loadState(saved[name]);
  }
  const callbackState: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(saved ?? {})) if (key !== name) callbackState[key] = structuredClone(value);
  Object.defineProperty(callbackState, name, { enumerable: true, configurable: true, get: () => runner.state() });
  const context: TrainContext = {
    // A StatefulModel need not be a Layer; callbacks that need more (stateDict) document it.
    model: settings.model as unknown as Layer,
    optimizer: settings.optimizer,
    callbackState,
    position: () => runner.position(),
  };

  const operator = (source: Observable<SequenceBatch>): Observable<TrainEvent> =>
    new Observable<TrainEvent>((subscriber) => {
      if (runner.running) {
        subscriber.error(new ArgumentError('tbptt: this operator is already running; one run (subscription) at a time shares its carried state'));
        return undefined;
      }
      runner.running = true;
      let current: Subscription | null = null;
      const emit = (event: TrainEvent): void => subscriber.next(event);
      const closed = (): boolean => subscriber.closed;
      const runEpoch = (): void => {
        if (closed()) return;
        if (runner.epoch >= settings.epochs) {
          subscriber.complete();
          return;
        }
        const epoch = runner.epoch;
        const skip = runner.windows;
        if (skip === 0) runner.startEpoch();
        emit({ type: 'epochStart', epoch, step: settings.optimizer.stepCount, context });
        if (closed()) return;
        current = inEpoch(
          epoch,
          paced(source, (window, index) => {
            if (index >= skip && !closed()) runner.receive(window, context, emit, closed);
          }),
        ).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            try {
              runner.finishEpoch(context, emit, closed);
            } catch (error) {
              subscriber.error(error);
              return;
            }
            runEpoch();
          },
        });
      };
      runEpoch();
      return () => {
        current?.unsubscribe();
        runner.running = false;
      };
    });
  return Object.assign(operator, {
    k1: settings.k1,
    k2: settings.k2,
    state: () => runner.state(),
    loadState: (state: unknown) => runner.loadState(state),
  });
}

interface Settings {
  readonly model: StatefulModel;
  readonly loss: LossFunction;
  readonly optimizer: Optimizer;
  readonly k1: number;
  readonly k2: number;
  readonly clipGradNorm: number | undefined;
  readonly epochs: number;
  readonly stateBatchAxis: number;
  readonly name: string;
}

function checkOptions(opts: TbpttOptions): Settings {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('tbptt: expected an options object { model, loss, optimizer, k1 }');
  const model = opts.model as Partial<StatefulModel> | undefined;
  if (typeof model?.forwardWithState !== 'function' || typeof model.parameters !== 'function' || typeof model.train !== 'function') {
    throw new ArgumentError('tbptt: model must have forwardWithState(x, state), parameters() and train() (a StatefulModel)');
  }
  if (typeof opts.loss !== 'function') throw new ArgumentError('tbptt: loss must be a function (prediction, target) => Tensor');
  if (typeof opts.optimizer?.step !== 'function') throw new ArgumentError('tbptt: optimizer must be an optimizer such as adam(model)');
  const k1 = opts.k1;
  const k2 = opts.k2 ?? k1;
  for (const [key, value] of [['k1', k1], ['k2', k2]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ArgumentError(`tbptt: ${key} must be an integer >= 1 (time steps), found ${String(value)}`);
    }
  }
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) {
    throw new ArgumentError(`tbptt: clipGradNorm must be a positive number, found ${String(opts.clipGradNorm)}`);
  }
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`tbptt: epochs must be an integer >= 0, found ${String(epochs)}`);
  const stateBatchAxis = opts.stateBatchAxis ?? 0;
  if (!Number.isInteger(stateBatchAxis) || stateBatchAxis < 0) {
    throw new ArgumentError(`tbptt: stateBatchAxis must be an integer >= 0, found ${String(stateBatchAxis)}`);
  }
  const name = opts.name ?? 'tbptt';
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`tbptt: name must be a non-empty string, found ${String(name)}`);
  return { model: opts.model, loss: opts.loss, optimizer: opts.optimizer, k1, k2, clipGradNorm: opts.clipGradNorm, epochs, stateBatchAxis, name };
}

type Emit = (event: TrainEvent) => void;

/** The run's mutable state and the update itself. */
class Runner {
  running = false;
  epoch = 0;
  windows = 0;
  private updates = 0;
  private lossSum = 0;
  private samples = 0;
  private rows: number | null = null;
  private carried: RecurrentState | null = null;
  private history: Piece[] = [];
  private pending: Piece[] = [];

  constructor(private readonly settings: Settings) {}

  position(): FitPosition {
    return { epoch: this.epoch, batch: this.windows, lossSum: this.lossSum, samples: this.samples, metrics: {} };
  }

  startEpoch(): void {
    this.windows = 0;
    this.updates = 0;
    this.lossSum = 0;
    this.samples = 0;
    this.rows = null;
    this.carried = null;
    this.history = [];
    this.pending = [];
  }

  /** Takes one window: checks it, queues its steps, and runs every update that k1 steps complete. */
  receive(window: SequenceBatch, context: TrainContext, emit: Emit, closed: () => boolean): void {
    const piece = this.toPiece(window);
    this.rows = piece.x.shape[0];
    this.windows++;
    this.pending.push(piece);
    while (this.pendingSteps() >= this.settings.k1 && !closed()) this.update(this.take(this.settings.k1), context, emit);
  }

  /** Trains the steps left (fewer than k1), then ends the epoch: state zeroed, `epochEnd` emitted. */
  finishEpoch(context: TrainContext, emit: Emit, closed: () => boolean): void {
    const rest = this.pendingSteps();
    if (rest > 0 && !closed()) this.update(this.take(rest), context, emit);
    if (closed()) return;
    const epoch = this.epoch;
    const loss = this.samples === 0 ? Number.NaN : this.lossSum / this.samples;
    this.epoch++;
    this.startEpoch();
    emit({ type: 'epochEnd', epoch, step: this.settings.optimizer.stepCount, context, logs: { loss } });
  }

  private toPiece(window: SequenceBatch): Piece {
    const where = `tbptt: window ${this.windows}`;
    if (window === null || typeof window !== 'object' || !(window.x instanceof Tensor) || !(window.y instanceof Tensor)) {
      throw new ArgumentError(`${where}: expected a batch { x, y, reset? } of tensors`);
    }
    const { x, y } = window;
    if (x.rank < 2) throw new ShapeError(`${where}: x must be [B, T, ...], found ${fmt(x.shape)}`);
    if (y.rank < 2 || y.shape[0] !== x.shape[0] || y.shape[1] !== x.shape[1]) {
      throw new ShapeError(`${where}: y must start with x's [B, T] = ${fmt(x.shape.slice(0, 2))}, found y ${fmt(y.shape)}`);
    }
    const rows = x.shape[0];
    if (this.rows !== null && rows !== this.rows) {
      throw new ShapeError(`${where}: has ${rows} rows (x ${fmt(x.shape)}) but the windows before it had ${this.rows}; each row must continue one stream`);
    }
    if (x.shape[1] === 0) throw new ShapeError(`${where}: has no time steps (x ${fmt(x.shape)})`);
    if (window.mask !== undefined) {
      throw new ArgumentError(`${where}: has a padding mask; tbptt trains full windows only (use windows of equal length, e.g. parallelWindows)`);
    }
    let reset: Float32Array | null = null;
    if (window.reset !== undefined) {
      const flags = window.reset instanceof Tensor ? Array.from(window.reset.data) : window.reset;
      if (!Array.isArray(flags) || flags.length !== rows) {
        throw new ShapeError(`${where}: reset must have one flag per row (${rows}), found ${window.reset instanceof Tensor ? fmt(window.reset.shape) : String(flags)}`);
      }
      reset = Float32Array.from(flags, (f) => (f === true || f === 1 ? 1 : 0));
      if (!reset.some((f) => f === 1)) reset = null;
    }
    return { x, y, reset, steps: x.shape[1] };
  }

  private pendingSteps(): number {
    return this.pending.reduce((n, p) => n + p.steps, 0);
  }

  /** Removes the first `steps` steps from `pending`, cutting a piece when needed. */
  private take(steps: number): Piece[] {
    const [head, tail] = splitAt(this.pending, steps);
    this.pending = tail;
    return head;
  }

  /** One TBPTT update on `segment` (its steps are new); see `tbptt` for the gradient paths. */
  private update(segment: Piece[], context: TrainContext, emit: Emit): void {
    const { model, optimizer, k1, k2 } = this.settings;
    const historySteps = stepsOf(this.history);
    const newSteps = stepsOf(segment);
    const total = historySteps + newSteps;
    const keep = Math.max(0, k2 - k1);
    const anchorAt = Math.max(0, total - keep);
    const cuts = new Set<number>();
    if (k2 < k1) for (let at = total - k2; at > 0; at -= k2) cuts.add(at);
    const pieces = splitAtAll([...this.history, ...segment], [...cuts, anchorAt]);

    model.train();
    optimizer.zeroGrad();
    let state = this.carried;
    let anchor: RecurrentState | null = null;
    const outputs: Tensor[] = [];
    const targets: Tensor[] = [];
    let at = 0;
    for (const piece of pieces) {
      if (state !== null && cuts.has(at)) state = detachState(state);
      if (at === anchorAt) anchor = state === null ? null : detachState(state);
      if (state !== null && piece.reset !== null) state = resetRows(state, piece.reset, this.settings.stateBatchAxis);
      const result = model.forwardWithState(piece.x, state);
      checkOutput(result, piece);
      state = result.state;
      if (at >= historySteps) {
        outputs.push(result.output);
        targets.push(piece.y);
      }
      at += piece.steps;
    }
    if (anchorAt === total) anchor = state === null ? null : detachState(state);

    const rows = segment[0].x.shape[0];
    const count = rows * newSteps;
    const prediction = flattenTime(outputs.length === 1 ? outputs[0] : concat(outputs, 1));
    const target = flattenTime(targets.length === 1 ? targets[0] : concat(targets, 1));
    const loss = this.settings.loss(prediction, target);
    if (!(loss instanceof Tensor) || loss.size !== 1) {
      throw new ArgumentError(`tbptt: the loss must be one number per update, found ${loss instanceof Tensor ? fmt(loss.shape) : typeof loss} (use reduction 'mean')`);
    }
    backward(loss);
    if (this.settings.clipGradNorm !== undefined) clipGradNorm(optimizer.params, this.settings.clipGradNorm);
    const lr = optimizer.lr;
    optimizer.step();

    this.carried = anchor;
    this.history = splitAt(pieces, anchorAt)[1];
    const value = loss.item();
    this.lossSum += value * count;
    this.samples += count;
    const batch = this.updates++;
    emit({ type: 'batchEnd', epoch: this.epoch, batch, step: optimizer.stepCount, context, loss: value, size: count, lr, logs: {} });
  }

  state(): TbpttState {
    const { k1, k2 } = this.settings;
    return {
      format: 'streamgrad.tbptt',
      version: 1,
      k1,
      k2,
      epoch: this.epoch,
      windows: this.windows,
      updates: this.updates,
      lossSum: this.lossSum,
      samples: this.samples,
      rows: this.rows,
      carried: this.carried === null ? null : Object.fromEntries(Object.entries(this.carried).map(([k, t]) => [k, toPlain(t)])),
      history: this.history.map(pieceToPlain),
      pending: this.pending.map(pieceToPlain),
    };
  }

  loadState(value: unknown): void {
    if (this.running) throw new ArgumentError('tbptt.loadState: the operator is running; load a state before subscribing');
    const s = checkState(value, this.settings);
    this.epoch = s.epoch;
    this.windows = s.windows;
    this.updates = s.updates;
    this.lossSum = s.lossSum;
    this.samples = s.samples;
    this.rows = s.rows;
    this.carried = s.carried === null ? null : Object.fromEntries(Object.entries(s.carried).map(([k, p]) => [k, fromPlain(p)]));
    this.history = s.history.map(pieceFromPlain);
    this.pending = s.pending.map(pieceFromPlain);
  }
}

/** Checks a `TbpttState` whole; throws a `CheckpointError` naming the first problem. */
function checkState(value: unknown, settings: Settings): TbpttState {
  const fail = (problem: string): never => {
    throw new CheckpointError(`tbptt.loadState: ${problem}`);
  };
  if (value === null || typeof value !== 'object') return fail(`expected a tbptt state object, found ${String(value)}`);
  const s = value as Record<string, unknown>;
  if (s.format !== 'streamgrad.tbptt' || s.version !== 1) return fail(`expected format 'streamgrad.tbptt' version 1, found ${String(s.format)} version ${String(s.version)}`);
  if (s.k1 !== settings.k1 || s.k2 !== settings.k2) {
    fail(`the state was saved with k1 = ${String(s.k1)}, k2 = ${String(s.k2)} but this operator has k1 = ${settings.k1}, k2 = ${settings.k2}`);
  }
  for (const key of ['epoch', 'windows', 'updates', 'samples']) {
    if (!Number.isInteger(s[key]) || (s[key] as number) < 0) fail(`${key} must be an integer >= 0, found ${String(s[key])}`);
  }
  if (typeof s.lossSum !== 'number') fail(`lossSum must be a number, found ${String(s.lossSum)}`);
  if (s.rows !== null && (!Number.isInteger(s.rows) || (s.rows as number) < 1)) fail(`rows must be null or an integer >= 1, found ${String(s.rows)}`);
  const rows = s.rows as number | null;
  const checkTensor = (where: string, t: unknown, axis: number): void => {
    const p = t as PlainTensor | null;
    if (p === null || typeof p !== 'object' || !Array.isArray(p.shape) || !Array.isArray(p.data)) return fail(`${where} must be { shape, data }`);
    if (!p.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`${where}.shape must be sizes, found ${JSON.stringify(p.shape)}`);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (p.data.length !== size || !p.data.every((v) => typeof v === 'number')) fail(`${where} has ${p.data.length} values for shape ${fmt(p.shape)}`);
    if (rows !== null && p.shape[axis] !== rows) fail(`${where} has shape ${fmt(p.shape)} but the run has ${rows} rows (on axis ${axis})`);
  };
  if (s.carried !== null) {
    if (typeof s.carried !== 'object' || Array.isArray(s.carried)) fail('carried must be null or { name: { shape, data } }');
    for (const [key, t] of Object.entries(s.carried as object)) checkTensor(`carried.${key}`, t, settings.stateBatchAxis);
  }
  for (const list of ['history', 'pending'] as const) {
    if (!Array.isArray(s[list])) fail(`${list} must be an array of pieces`);
    (s[list] as unknown[]).forEach((piece, i) => {
      const p = piece as PlainPiece | null;
      if (p === null || typeof p !== 'object') return fail(`${list}[${i}] must be { x, y, reset }`);
      checkTensor(`${list}[${i}].x`, p.x, 0);
      checkTensor(`${list}[${i}].y`, p.y, 0);
      if (p.x.shape.length < 2 || p.y.shape.length < 2 || p.x.shape[1] !== p.y.shape[1] || p.x.shape[1] === 0) {
        fail(`${list}[${i}]: x ${fmt(p.x.shape)} and y ${fmt(p.y.shape)} must be [B, T, ...] with the same T >= 1`);
      }
      if (p.reset !== null && (!Array.isArray(p.reset) || p.reset.length !== p.x.shape[0])) fail(`${list}[${i}].reset must be null or one flag per row`);
    });
  }
  return s as unknown as TbpttState;
}
