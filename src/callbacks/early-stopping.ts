import { type MonoTypeOperatorFunction, concatMap, defer, finalize, takeWhile, tap } from 'rxjs';
import { ArgumentError, Tensor } from '../ops/index.js';
import type { StateDict } from '../models/index.js';
import type { EpochEndEvent, StopEvent, TrainContext, TrainEvent } from '../streams/index.js';
import {
  type MonitorMode,
  checkMonitorOptions,
  checkName,
  checkNumber,
  claimState,
  fmtNumber,
  isImprovement,
  isNumberOrNull,
  isRecord,
  readMonitored,
  releaseState,
} from './monitor.js';

/** Options of `earlyStopping` (Keras' `EarlyStopping`). */
export interface EarlyStoppingOptions {
  /** The epoch-log value to watch. @default 'val_loss' */
  readonly monitor?: string;
  /** The smallest absolute change that counts as an improvement. @default 0 */
  readonly minDelta?: number;
  /** Epochs without improvement after which training stops. @default 0 */
  readonly patience?: number;
  /** Whether lower (`'min'`) or higher (`'max'`) is better; `'auto'` guesses from the name. @default 'auto' */
  readonly mode?: MonitorMode;
  /** A value the model must beat within `patience` epochs, or training stops. */
  readonly baseline?: number;
  /** Put back the weights of the best epoch when training ends. @default false */
  readonly restoreBestWeights?: boolean;
  /** Epochs before this one are a warm-up and are not watched. @default 0 */
  readonly startFromEpoch?: number;
  /** Key of this callback's state in `context.callbackState`. @default 'earlyStopping' */
  readonly name?: string;
}

/** What `earlyStopping` keeps in `context.callbackState[name]` (plain JSON). */
export interface EarlyStoppingState {
  /** The best monitored value so far, `null` before the first watched epoch. */
  best: number | null;
  /** The epoch of `best`, `null` before the first watched epoch. */
  bestEpoch: number | null;
  /** Watched epochs since the last improvement that also beat the baseline. */
  wait: number;
}

const isEarlyStoppingState = (value: unknown): value is EarlyStoppingState =>
  isRecord(value) && isNumberOrNull(value.best) && isNumberOrNull(value.bestEpoch) && typeof value.wait === 'number';

/**
 * Stops training when the monitored value has stopped improving, with the semantics of
 * Keras' `EarlyStopping`. After each watched `epochEnd` the wait counter grows by one; an
 * improvement on the best value (`current − minDelta > best` in `'max'` mode,
 * `current + minDelta < best` in `'min'` mode) records a new best and, if it also improves on
 * `baseline` (or there is none), resets the wait to 0. Otherwise, once `wait >= patience`,
 * the callback passes the `epochEnd` on, emits a `stop` event with the reason and completes,
 * which unsubscribes from training (and so from the sources).
 *
 * ```
 * source:                        -S-b-E1-S-b-E2-S-b-E3-S-b-E4-|   E = epochEnd (val_loss)
 * earlyStopping({ patience: 2 }): -S-b-E1-S-b-E2-S-b-E3-(s|)      E2, E3 do not beat E1; s = stop
 * ```
 *
 * With `restoreBestWeights`, a copy of the model's state dict is taken at each improvement and
 * loaded back, bit for bit, when this callback stops (before the `stop` event, so whatever
 * handles `stop` sees the best weights) and when training ends by completing (as Keras 3
 * does). It is not restored on an error or when unsubscribed from downstream: place
 * `earlyStopping` after callbacks that may stop training (such as `terminateOnNaN`), so
 * their stop reaches it as a completion.
 *
 * Epochs are 0-based, as in the events. A monitored key missing from the logs is an error
 * naming the keys that are there (Keras warns and does nothing).
 *
 * Resuming: the best value, its epoch and the wait counter live in
 * `context.callbackState[name]`, so a run restored from a checkpoint continues counting. The
 * weights snapshot is not saved there; after a resume, restoring needs a new best epoch.
 *
 * Difference from Keras 3: an epoch that improves on the best value but not on `baseline`
 * can stop training (as in tf.keras 2), so a model that never beats the baseline stops after
 * `patience` epochs even while it improves; Keras 3 would wait for a non-improving epoch.
 *
 * @example
 * ```ts
 * import { fit } from 'streamgrad/streams';
 * import { earlyStopping } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, validation, epochs: 100,
 *   callbacks: [earlyStopping({ monitor: 'val_loss', minDelta: 1e-3, patience: 3, restoreBestWeights: true })],
 * }).subscribe((e) => e.type === 'stop' && console.log(e.reason));
 * // earlyStopping: val_loss did not improve by more than 0.001 for 3 epochs (best 0.0712 at epoch 4); restored the weights of epoch 4
 * ```
 *
 * @returns an operator over training events.
 * @throws ArgumentError when created with a bad option. The stream errors with an
 *   `ArgumentError` when the monitored key is not in an epoch's logs.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  const caller = 'earlyStopping';
  const {
    monitor = 'val_loss',
    minDelta = 0,
    patience = 0,
    mode = 'auto',
    baseline,
    restoreBestWeights = false,
    startFromEpoch = 0,
    name = caller,
  } = options;
  const direction = checkMonitorOptions(caller, monitor, mode, minDelta);
  checkNumber(caller, 'patience', patience, 0, true);
  checkNumber(caller, 'startFromEpoch', startFromEpoch, 0, true);
  if (baseline !== undefined && (typeof baseline !== 'number' || !Number.isFinite(baseline))) {
    throw new ArgumentError(`${caller}: baseline must be a finite number or undefined, found ${String(baseline)}`);
  }
  if (typeof restoreBestWeights !== 'boolean') {
    throw new ArgumentError(`${caller}: restoreBestWeights must be a boolean, found ${String(restoreBestWeights)}`);
  }
  checkName(caller, name);

  return (source) =>
    defer(() => {
      const holder = {};
      let state: EarlyStoppingState | undefined;
      let context: TrainContext | undefined;
      let snapshot: { epoch: number; weights: StateDict } | undefined;
      let stop: StopEvent | undefined;

      const restore = (): string => {
        if (!restoreBestWeights || state === undefined || state.bestEpoch === null) return '';
        if (snapshot === undefined || snapshot.epoch !== state.bestEpoch) {
          return `; weights not restored: epoch ${state.bestEpoch} was before the resume`;
        }
        context!.model.loadStateDict(snapshot.weights);
        return `; restored the weights of epoch ${snapshot.epoch}`;
      };

      const onEpochEnd = (event: EpochEndEvent): TrainEvent[] => {
        const current = readMonitored(caller, monitor, event.logs);
        if (event.epoch < startFromEpoch) return [event];
        const s = state!;
        s.wait += 1;
        if (isImprovement(current, s.best, minDelta, direction)) {
          s.best = current;
          s.bestEpoch = event.epoch;
          if (restoreBestWeights) snapshot = { epoch: event.epoch, weights: copyStateDict(event.context.model.stateDict()) };
          if (baseline === undefined || isImprovement(current, baseline, minDelta, direction)) {
            s.wait = 0;
            return [event];
          }
        }
        if (s.wait < patience) return [event];
        const restored = restore();
        stop = { type: 'stop', epoch: event.epoch, step: event.step, context: event.context, reason: reason(s) + restored };
        return [event, stop];
      };

      const reason = (s: EarlyStoppingState): string => {
        const best = s.best === null ? '(no finite value yet)' : `(best ${fmtNumber(s.best)} at epoch ${s.bestEpoch})`;
        const epochs = `${s.wait} epoch${s.wait === 1 ? '' : 's'}`;
        const beatBaseline = baseline === undefined || (s.best !== null && isImprovement(s.best, baseline, minDelta, direction));
        if (!beatBaseline) return `${caller}: ${monitor} did not improve on the baseline ${fmtNumber(baseline!)} for ${epochs} ${best}`;
        const by = minDelta > 0 ? ` by more than ${fmtNumber(minDelta)}` : '';
        return `${caller}: ${monitor} did not improve${by} for ${epochs} ${best}`;
      };

      return source.pipe(
        tap({ complete: () => restore() }),
        concatMap((event) => {
          if (state === undefined) {
            context = event.context;
            state = claimState(caller, name, event.context, holder, () => ({ best: null, bestEpoch: null, wait: 0 }), isEarlyStoppingState);
          }
          return event.type === 'epochEnd' ? onEpochEnd(event) : [event];
        }),
        takeWhile((event) => event !== stop, true),
        finalize(() => releaseState(state, holder)),
      );
    });
}

/** A deep copy of a state dict: each tensor's values copied, so later training leaves it alone. */
function copyStateDict(weights: StateDict): StateDict {
  const copy: StateDict = {};
  for (const [key, value] of Object.entries(weights)) copy[key] = new Tensor(value.data.slice(), value.shape);
  return copy;
}
