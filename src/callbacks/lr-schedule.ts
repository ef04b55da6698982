import { type MonoTypeOperatorFunction, defer, finalize, tap } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { TrainEvent } from '../streams/index.js';
import { checkName, claimState, isNumberOrNull, isRecord, releaseState } from './monitor.js';

/**
 * A learning-rate schedule: the rate for epoch or step `index` (0-based), given the current
 * rate `lr` (ignore it for a schedule of the index alone, use it for a relative rule).
 */
export type LrScheduleFunction = (index: number, lr: number) => number;

/** Options of `lrSchedule`. */
export interface LrScheduleOptions {
  /** Whether `index` counts epochs or optimizer steps. @default 'epoch' */
  readonly per?: 'epoch' | 'step';
  /** Key of this callback's state in `context.callbackState`. @default 'lrSchedule' */
  readonly name?: string;
}

/** What `lrSchedule` keeps in `context.callbackState[name]` (plain JSON). */
export interface LrScheduleState {
  /** The last epoch (or step) whose rate was set, so a resumed run does not apply it twice. */
  lastIndex: number | null;
}

const isLrScheduleState = (value: unknown): value is LrScheduleState => isRecord(value) && isNumberOrNull(value.lastIndex);

/**
 * Sets the optimizer's learning rate from a schedule, as Keras' `LearningRateScheduler`:
 * `context.optimizer.lr = fn(index, context.optimizer.lr)`.
 *
 * When it applies, exactly:
 * - `per: 'epoch'`: on each `epochStart`, with `index` the epoch (0-based, counting from
 *   `initialEpoch` on a resumed run). `fit` runs callbacks synchronously, so the rate is in
 *   place before the epoch's first batch.
 * - `per: 'step'`: the rate of optimizer step `t` (0-based, counted over the whole run) is
 *   `fn(t, lr)`. It is set on the first `epochStart` for step 0 (or for the resumed step),
 *   and on each `batchEnd` for the next step (`event.step` is the number of steps taken,
 *   which is the next step's index). Each index is applied once, so a relative rule such as
 *   `(t, lr) => lr * 0.99` compounds once per step.
 *
 * The rate of a `batchEnd` event (`event.lr`) is the one its step used.
 *
 * ```
 * source:                    -S0-b-b-E-S1-b-b-E-|    S = epochStart (epoch), b = batchEnd
 * lrSchedule(stepDecay(...)): -S0-b-b-E-S1-b-b-E-|    lr set at S0 and at S1, before their batches
 * ```
 *
 * Resuming: the last index applied is kept in `context.callbackState[name]`; the rate itself
 * is in the optimizer's state.
 *
 * @example
 * ```ts
 * import { lrSchedule, cosineDecay } from 'streamgrad/callbacks';
 * // linear warmup to 1e-3 over 500 steps, then cosine decay to 0 over 10,000 steps
 * const schedule = cosineDecay({ initialLr: 0, warmupSteps: 500, warmupTarget: 1e-3, decaySteps: 10_000 });
 * fit({ model, loss, optimizer, train, epochs: 20, callbacks: [lrSchedule(schedule, { per: 'step' })] });
 * // or per epoch, relative: halve after epoch 10
 * lrSchedule((epoch, lr) => (epoch < 10 ? lr : lr / 2));
 * ```
 *
 * @param fn - the schedule; it must return a finite number >= 0.
 * @returns an operator over training events that passes every event on.
 * @throws ArgumentError when created with a bad option. The stream errors with an
 *   `ArgumentError` when `fn` returns something that is not a valid learning rate.
 */
export function lrSchedule(fn: LrScheduleFunction, options: LrScheduleOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  const caller = 'lrSchedule';
  if (typeof fn !== 'function') throw new ArgumentError(`${caller}: fn must be a function (index, lr) => lr, found ${String(fn)}`);
  const { per = 'epoch', name = caller } = options;
  if (per !== 'epoch' && per !== 'step') throw new ArgumentError(`${caller}: per must be 'epoch' or 'step', found ${String(per)}`);
  checkName(caller, name);

  return (source) =>
    defer(() => {
      const holder = {};
      let state: LrScheduleState | undefined;
      const apply = (event: TrainEvent, index: number): void => {
        if (state!.lastIndex === index) return;
        const optimizer = event.context.optimizer;
        const lr = fn(index, optimizer.lr);
        if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
          throw new ArgumentError(`${caller}: the schedule returned ${String(lr)} for ${per} ${index}; a learning rate must be a finite number >= 0`);
        }
        optimizer.lr = lr;
        state!.lastIndex = index;
      };
      return source.pipe(
        tap((event) => {
          state ??= claimState(caller, name, event.context, holder, () => ({ lastIndex: null }), isLrScheduleState);
          if (event.type === 'epochStart') apply(event, per === 'epoch' ? event.epoch : event.step);
          if (event.type === 'batchEnd' && per === 'step') apply(event, event.step);
        }),
        finalize(() => releaseState(state, holder)),
      );
    });
}
