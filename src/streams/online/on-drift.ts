import { type MonoTypeOperatorFunction, defer, finalize, tap } from 'rxjs';
import { ArgumentError, Rng, deriveSeed } from '../../ops/index.js';
import { assertFinite } from '../../ops/errors.js';
import { Layer, type LayerConfig, type Optimizer, fromJSON } from '../../models/index.js';
import type { TrainContext, TrainEvent } from '../train/events.js';
import { type TrainDriftEvent, checkRange, formatValue } from './drift.js';

/** What `onDrift` passes along: the training events and the drift events inserted among them. */
export type DriftTrainEvent = TrainEvent | TrainDriftEvent;

/**
 * Returned by a `DriftAction` that must keep acting after the drift (a temporary learning
 * rate): it sees every later event until `next` returns `true`.
 */
export interface DriftFollowUp {
  /** Sees the next event (drift events included); returns `true` when done. */
  next(event: DriftTrainEvent): boolean;
  /** The stream ended (completed, failed or was unsubscribed) before `next` returned `true`. */
  end?(): void;
}

/** A reaction to a drift: runs synchronously, before the next optimizer step. */
export type DriftAction = (event: TrainDriftEvent, context: TrainContext) => void | DriftFollowUp;

/**
 * Reacts to the drift events that `driftDetector` inserts into a training-event stream:
 * `action(event, event.context)` runs when a drift event passes, before the next batch is
 * trained, and every event is passed on unchanged. An action may return a `DriftFollowUp`
 * that then sees the later events (how `boostLearningRate` counts its steps); follow-ups
 * still running when the stream ends get `end()`. An error thrown by an action errors the
 * stream, naming the step. Ready actions: `resetOptimizer()`, `boostLearningRate(...)`,
 * `reinitialize(layer)`.
 *
 * ```
 * source:             -b-b-D-b-b-|    D = drift event
 * onDrift(action):    -b-b-D-b-b-|    the same events; action(D, context) runs as D passes
 * ```
 *
 * @example
 * ```ts
 * import { fit, onDrift, resetOptimizer, Adwin } from 'streamgrad/streams';
 * import { driftDetector } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train: stream, epochs: 1 })
 *   .pipe(driftDetector(() => new Adwin(), { on: 'loss' }), onDrift(resetOptimizer()))
 *   .subscribe();
 * ```
 */
export function onDrift(action: DriftAction): MonoTypeOperatorFunction<DriftTrainEvent> {
  if (typeof action !== 'function') {
    throw new ArgumentError(`onDrift: expected an action (event, context) => void, found ${formatValue(action)}`);
  }
  return (source) =>
    defer(() => {
      const running: DriftFollowUp[] = [];
      return source.pipe(
        tap((event) => {
          for (let i = 0; i < running.length; ) {
            if (running[i].next(event)) running.splice(i, 1);
            else i += 1;
          }
          if (event.type !== 'drift') return;
          let followUp: void | DriftFollowUp;
          try {
            followUp = action(event, event.context);
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new Error(`onDrift: the action failed on the drift at step ${event.step} (epoch ${event.epoch}): ${reason}`, { cause: error });
          }
          if (followUp !== undefined) running.push(followUp);
        }),
        finalize(() => {
          for (const followUp of running.splice(0)) followUp.end?.();
        }),
      );
    });
}

/**
 * An action that forgets the optimizer's per-parameter state (momentum, Adam's moments and
 * its bias-correction step), as if it were created afresh: `optimizer.loadState` of its own
 * state with no buffers, so the learning rate, the hyperparameters and the run's step count
 * stay. Statistics of the old concept then no longer steer the updates.
 *
 * @example
 * ```ts
 * events.pipe(driftDetector(() => new Adwin()), onDrift(resetOptimizer()));
 * ```
 */
export function resetOptimizer(): DriftAction {
  return (_event, context) => {
    const optimizer = context.optimizer;
    optimizer.loadState({ kind: optimizer.kind, lr: optimizer.lr, step: optimizer.stepCount, hyper: { ...optimizer.hyper }, buffers: {} });
  };
}

/** Options of `boostLearningRate`. */
export interface BoostLearningRateOptions {
  /** The rate is multiplied by `factor` (> 0; above 1 to learn the new concept faster). */
  factor: number;
  /** For this many optimizer steps after the drift. */
  steps: number;
}

interface Boost {
  base: number;
  boosted: number;
  remaining: number;
  done: boolean;
}

/**
 * An action that multiplies the learning rate by `factor` for the next `steps` optimizer
 * steps after a drift, then gives the rate back. If another callback sets the rate meanwhile
 * (a schedule), the boost applies on top of the new rate, and that new rate is the one given
 * back. A drift during a boost restarts the count instead of compounding the factor. If the
 * stream ends during a boost the rate is given back at once. A boost is not saved in
 * checkpoints: a run resumed in the middle of one continues at the saved (boosted) rate.
 *
 * ```
 * batchEnd lr:  -a-a-D-b-b-b-a-a-|    factor f, steps 3: b = f·a for the 3 steps after the drift D
 * ```
 *
 * @example
 * ```ts
 * events.pipe(driftDetector(() => new PageHinkley({ lambda: 5 })), onDrift(boostLearningRate({ factor: 10, steps: 50 })));
 * ```
 */
export function boostLearningRate(opts: BoostLearningRateOptions): DriftAction {
  if (typeof opts !== 'object' || opts === null) {
    throw new ArgumentError(`boostLearningRate: expected options { factor, steps }, found ${formatValue(opts)}`);
  }
  const { factor, steps } = opts;
  checkRange('boostLearningRate', 'factor', factor, 0, Infinity, { lowOpen: true });
  checkRange('boostLearningRate', 'steps', steps, 1, Infinity, { integer: true });
  // Per run: a second drift during a boost must find the boost in progress.
  const boosts = new WeakMap<TrainContext, Boost>();
  return (_event, context) => {
    const optimizer = context.optimizer;
    const current = boosts.get(context);
    if (current !== undefined && !current.done) {
      current.remaining = steps;
      return;
    }
    const boost: Boost = { base: optimizer.lr, boosted: optimizer.lr * factor, remaining: steps, done: false };
    boosts.set(context, boost);
    optimizer.lr = boost.boosted;
    return {
      next: (event) => {
        if (optimizer.lr !== boost.boosted) {
          // Someone else set the rate for the coming step: boost that one instead.
          boost.base = optimizer.lr;
          boost.boosted = optimizer.lr * factor;
          optimizer.lr = boost.boosted;
        }
        if (event.type !== 'batchEnd') return false;
        boost.remaining -= 1;
        if (boost.remaining > 0) return false;
        optimizer.lr = boost.base;
        boost.done = true;
        return true;
      },
      end: () => {
        optimizer.lr = boost.base;
        boost.done = true;
      },
    };
  };
}

/** Options of `reinitialize`. */
export interface ReinitializeOptions {
  /** Seed of the new weights, mixed with the drift's step: each drift draws other weights. @default 0 */
  seed?: number;
  /** Also forget the optimizer state of the layer's parameters (their momentum). @default true */
  resetOptimizerState?: boolean;
}

/**
 * An action that draws fresh initial weights for `layer` (typically the head of a model),
 * through the layer's own initializers: a twin of the layer is rebuilt from its `toJSON()`
 * for the same input shape with `Rng(deriveSeed(seed, event.step))`, and its state dict is
 * copied into the layer in place, so the optimizer keeps the same parameter tensors. When
 * the layer is a direct child of `context.model`, the kind of the layer after it picks the
 * default initializer as in the model (He before a ReLU). Buffers (batch norm's running
 * statistics) are reset too, and with `resetOptimizerState` the optimizer's buffers of these
 * parameters are dropped. Layers that `fromJSON` cannot rebuild (functional models) are
 * refused when the action runs.
 *
 * @example
 * ```ts
 * const head = dense(2);
 * const net = sequential([dense(32), relu(), head], { inputShape: [10] });
 * events.pipe(driftDetector(() => new Ddm(), { on: (e) => 1 - e.logs.accuracy }), onDrift(reinitialize(head, { seed: 1 })));
 * ```
 */
export function reinitialize(layer: Layer, opts: ReinitializeOptions = {}): DriftAction {
  if (!(layer instanceof Layer)) {
    throw new ArgumentError(`reinitialize: expected a layer, found ${formatValue(layer)}`);
  }
  const { seed = 0, resetOptimizerState = true } = opts;
  assertFinite('reinitialize', 'seed', seed);
  if (typeof resetOptimizerState !== 'boolean') {
    throw new ArgumentError(`reinitialize: resetOptimizerState must be a boolean, found ${formatValue(resetOptimizerState)}`);
  }
  return (event, context) => {
    if (!layer.built || layer.inputShape === null) {
      throw new ArgumentError(`reinitialize: ${layer.label} is not built, so it has no weights to draw again`);
    }
    const config = layer.toJSON();
    let twin: Layer;
    try {
      // A sequential model builds itself when given an input shape; build it here instead, from our generator.
      twin = fromJSON(config.kind === 'sequential' ? ({ ...config, inputShape: undefined } as LayerConfig) : config);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ArgumentError(`reinitialize: cannot rebuild ${layer.label} from its toJSON(): ${reason}`, { cause: error });
    }
    twin.build(layer.inputShape, { rng: new Rng(deriveSeed(seed, event.step)), next: nextKind(context.model, layer) });
    layer.loadStateDict(twin.stateDict());
    if (resetOptimizerState) forgetSlots(context.optimizer, layer);
  };
}

/** The kind of the layer after `layer` when it is a direct child of `model`. */
function nextKind(model: Layer, layer: Layer): string | undefined {
  const children = model.namedChildren().map(([, child]) => child);
  const index = children.indexOf(layer);
  if (index < 0) return undefined;
  const next = children[index + 1];
  return next instanceof Layer ? next.kind : undefined;
}

/** Drops the optimizer buffers (`<index>.<key>`) of the layer's parameters. */
function forgetSlots(optimizer: Optimizer, layer: Layer): void {
  const own = new Set(layer.parameters());
  const indices = new Set(optimizer.params.flatMap((p, i) => (own.has(p) ? [String(i)] : [])));
  if (indices.size === 0) return;
  const state = optimizer.state();
  const buffers = Object.fromEntries(Object.entries(state.buffers).filter(([name]) => !indices.has(name.split('.')[0])));
  optimizer.loadState({ ...state, buffers });
}
