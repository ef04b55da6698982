import { type MonoTypeOperatorFunction, defer, finalize, tap } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { EpochEndEvent, TrainEvent } from '../streams/index.js';
import {
  type MonitorMode,
  checkMonitorOptions,
  checkName,
  checkNumber,
  claimState,
  isImprovement,
  isNumberOrNull,
  isRecord,
  readMonitored,
  releaseState,
} from './monitor.js';

/** Options of `reduceLROnPlateau` (Keras' `ReduceLROnPlateau`). */
export interface ReduceLROnPlateauOptions {
  /** The epoch-log value to watch. @default 'val_loss' */
  readonly monitor?: string;
  /** What the rate is multiplied by on a plateau, in [0, 1). @default 0.1 */
  readonly factor?: number;
  /** Epochs without improvement before the rate is reduced. @default 10 */
  readonly patience?: number;
  /** Epochs after a reduction during which the wait stays at 0. @default 0 */
  readonly cooldown?: number;
  /** The rate is never reduced below this. @default 0 */
  readonly minLr?: number;
  /** The smallest absolute change that counts as an improvement. @default 1e-4 */
  readonly minDelta?: number;
  /** Whether lower (`'min'`) or higher (`'max'`) is better; `'auto'` guesses from the name. @default 'auto' */
  readonly mode?: MonitorMode;
  /** Key of this callback's state in `context.callbackState`. @default 'reduceLROnPlateau' */
  readonly name?: string;
}

/** What `reduceLROnPlateau` keeps in `context.callbackState[name]` (plain JSON). */
export interface ReduceLROnPlateauState {
  /** The best monitored value so far, `null` before the first epoch. */
  best: number | null;
  /** Epochs since the last improvement (outside cooldown). */
  wait: number;
  /** Cooldown epochs left after the last reduction. */
  cooldownCounter: number;
}

const isPlateauState = (value: unknown): value is ReduceLROnPlateauState =>
  isRecord(value) && isNumberOrNull(value.best) && typeof value.wait === 'number' && typeof value.cooldownCounter === 'number';

/**
 * Multiplies the learning rate by `factor` when the monitored value has not improved for
 * `patience` epochs, with the semantics of Keras' `ReduceLROnPlateau`. On each `epochEnd`:
 * if cooling down, the cooldown counter drops by one and the wait is reset to 0; an
 * improvement (`current + minDelta < best` in `'min'` mode, `current − minDelta > best` in
 * `'max'` mode) records the best and resets the wait; otherwise, outside cooldown, the wait
 * grows and at `wait >= patience` the rate becomes `max(lr · factor, minLr)` (only if
 * `lr > minLr`), the cooldown starts and the wait is reset. The new rate applies from the
 * next epoch's first batch; every event passes on unchanged.
 *
 * ```
 * source:                              -E1-E2-E3-E4-E5-|   E = epochEnd; val_loss 1, 1, 1, 1, 1
 * reduceLROnPlateau({ patience: 2 }):  -E1-E2-E3-E4-E5-|   lr × 0.1 after E3 and after E5
 * ```
 *
 * Differences from Keras: `'auto'` mode uses the shared rule of `earlyStopping` (higher is
 * better for names containing acc, auc, precision, recall or f1; Keras' version of this
 * callback checks only `acc`), and a monitored key missing from the logs is an error naming
 * the keys that are there (Keras warns). The rate is not added to the epoch logs; `batchEnd`
 * events carry it as `lr`.
 *
 * Resuming: the best value, the wait and the cooldown counter live in
 * `context.callbackState[name]`; the reduced rate itself is in the optimizer's state.
 *
 * @example
 * ```ts
 * import { reduceLROnPlateau } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, validation, epochs: 100,
 *   callbacks: [reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 3, cooldown: 2, minLr: 1e-5 })],
 * });
 * ```
 *
 * @returns an operator over training events that passes every event on.
 * @throws ArgumentError when created with a bad option. The stream errors with an
 *   `ArgumentError` when the monitored key is not in an epoch's logs.
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  const caller = 'reduceLROnPlateau';
  const {
    monitor = 'val_loss',
    factor = 0.1,
    patience = 10,
    cooldown = 0,
    minLr = 0,
    minDelta = 1e-4,
    mode = 'auto',
    name = caller,
  } = options;
  const direction = checkMonitorOptions(caller, monitor, mode, minDelta);
  checkNumber(caller, 'factor', factor, 0);
  if (factor >= 1) throw new ArgumentError(`${caller}: factor must be below 1 to reduce the rate, found ${factor}`);
  checkNumber(caller, 'patience', patience, 0, true);
  checkNumber(caller, 'cooldown', cooldown, 0, true);
  checkNumber(caller, 'minLr', minLr, 0);
  checkName(caller, name);

  return (source) =>
    defer(() => {
      const holder = {};
      let state: ReduceLROnPlateauState | undefined;
      const onEpochEnd = (event: EpochEndEvent, s: ReduceLROnPlateauState): void => {
        const current = readMonitored(caller, monitor, event.logs);
        if (s.cooldownCounter > 0) {
          s.cooldownCounter -= 1;
          s.wait = 0;
        }
        if (isImprovement(current, s.best, minDelta, direction)) {
          s.best = current;
          s.wait = 0;
          return;
        }
        if (s.cooldownCounter > 0) return;
        s.wait += 1;
        if (s.wait < patience) return;
        const optimizer = event.context.optimizer;
        if (optimizer.lr > minLr) {
          optimizer.lr = Math.max(optimizer.lr * factor, minLr);
          s.cooldownCounter = cooldown;
          s.wait = 0;
        }
      };
      return source.pipe(
        tap((event) => {
          state ??= claimState(caller, name, event.context, holder, () => ({ best: null, wait: 0, cooldownCounter: 0 }), isPlateauState);
          if (event.type === 'epochEnd') onEpochEnd(event, state);
        }),
        finalize(() => releaseState(state, holder)),
      );
    });
}
