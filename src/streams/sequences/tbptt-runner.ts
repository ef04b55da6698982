/**
 * The mutable side of one `tbptt` operator: the epoch's position, the carried state, the steps
 * waiting for an update, and the update itself.
 * @internal
 * @packageDocumentation
 */
import { ArgumentError, ShapeError, Tensor, backward, concat } from '../../ops/index.js';
import { clipGradNorm } from '../../models/index.js';
import type { FitPosition, TrainContext, TrainEvent } from '../train/events.js';
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
import type { Settings } from './tbptt-settings.js';
import { checkState } from './tbptt-state.js';
import type { RecurrentState, SequenceBatch, TbpttState } from './tbptt-types.js';

/** Sends one event downstream. @internal */
export type Emit = (event: TrainEvent) => void;

/** The run's mutable state and the update itself. @internal */
export class Runner {
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
