import type { Layer, MetricState, Optimizer } from '../../models/index.js';
import type { TrainDriftEvent } from '../online/drift.js';

/** Named numbers reported for an epoch or a batch: `loss`, `accuracy`, `val_loss`, ... */
export type Logs = Record<string, number>;

/**
 * What every training event carries, so callbacks can act on the run (Keras' `self.model`):
 * the model, the optimizer (its `lr` is writable), and a mutable bag where callbacks keep
 * state that a checkpoint saves.
 */
export interface TrainContext {
  readonly model: Layer;
  readonly optimizer: Optimizer;
  /** Callback state by callback name (best value, wait counters...); saved in checkpoints. */
  readonly callbackState: Record<string, unknown>;
  /** Where the run stands, for checkpoints: see `FitPosition`. */
  position(): FitPosition;
}

/**
 * Where a run stands between two batches: the epoch to continue and how many of its batches
 * are done, with the epoch's running loss and metric states, so that a run resumed from here
 * reports the same epoch logs as an uninterrupted one. After an epoch's end it points at
 * batch 0 of the next epoch.
 */
export interface FitPosition {
  readonly epoch: number;
  readonly batch: number;
  readonly lossSum: number;
  readonly samples: number;
  readonly metrics: Record<string, MetricState>;
}

interface EventBase {
  /** 0-based epoch. */
  readonly epoch: number;
  /** Optimizer steps taken so far in the whole run (after this event's step, for `batchEnd`). */
  readonly step: number;
  readonly context: TrainContext;
}

/** Emitted before an epoch's first batch; callbacks may change `context.optimizer.lr` here. */
export interface EpochStartEvent extends EventBase {
  readonly type: 'epochStart';
}

/** One optimizer step: what `trainStep` computes for a batch. */
export interface StepResult {
  /** The batch's mean loss (without the regularization penalty). */
  readonly loss: number;
  /** Samples in the batch. */
  readonly size: number;
  /** Learning rate used for this step. */
  readonly lr: number;
  /** Metrics on this batch alone (`accuracy`, ...). */
  readonly logs: Logs;
}

/** Emitted after each optimizer step. */
export interface BatchEndEvent extends EventBase, StepResult {
  readonly type: 'batchEnd';
  /** 0-based index of the batch within its epoch. */
  readonly batch: number;
}

/** Emitted after an epoch (and its validation pass): `logs` holds `loss`, metrics, `val_*`. */
export interface EpochEndEvent extends EventBase {
  readonly type: 'epochEnd';
  readonly logs: Logs;
}

/** Emitted by `checkpoint` after a checkpoint is durable on disk. */
export interface CheckpointEvent extends EventBase {
  readonly type: 'checkpoint';
  readonly path: string;
}

/** Emitted by a callback that ends training, just before the stream completes. */
export interface StopEvent extends EventBase {
  readonly type: 'stop';
  /** Why, e.g. `earlyStopping: val_loss did not improve by 0.001 for 3 epochs (best 0.0712 at epoch 4)`. */
  readonly reason: string;
}

/**
 * The stream `fit` returns: a discriminated union on `type`. `drift` events come from the
 * `driftDetector` callback, so callbacks after it (`onDrift`, checkpoints, loggers) see them.
 */
export type TrainEvent = EpochStartEvent | BatchEndEvent | EpochEndEvent | CheckpointEvent | StopEvent | TrainDriftEvent;
