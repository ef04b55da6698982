import { ArgumentError } from '../ops/index.js';
import type { Logs, TrainContext } from '../streams/index.js';

/**
 * Shared by the callbacks that watch a value in the epoch logs (`earlyStopping`,
 * `reduceLROnPlateau`) or keep resumable state (`lrSchedule`): which direction is better,
 * what counts as an improvement, reading the value, and claiming the callback's slot in
 * `context.callbackState`.
 */

/** Which direction of the monitored value is better; `'auto'` infers it from the name. */
export type MonitorMode = 'min' | 'max' | 'auto';

/** Name fragments of values where higher is better, as Keras' `auto` mode guesses them. */
const HIGHER_IS_BETTER = ['acc', 'auc', 'precision', 'recall', 'f1'];

/**
 * Resolves `'auto'` to a direction by Keras' rule: `'max'` when the name contains `acc`
 * (so `accuracy`, `val_acc`), `auc`, `precision`, `recall` or `f1`; `'min'` otherwise
 * (`loss`, `val_loss`, `mse`, `perplexity`...).
 */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = monitor.toLowerCase();
  return HIGHER_IS_BETTER.some((fragment) => name.includes(fragment)) ? 'max' : 'min';
}

/**
 * Keras' improvement test, with `minDelta` as an absolute change: `current − minDelta > best`
 * in `'max'` mode, `current + minDelta < best` in `'min'` mode. No best yet (`null`) stands
 * for ∓∞, so any finite value improves on it; `NaN` never improves.
 */
export function isImprovement(current: number, best: number | null, minDelta: number, mode: 'min' | 'max'): boolean {
  if (mode === 'max') return current - minDelta > (best ?? -Infinity);
  return current + minDelta < (best ?? Infinity);
}

/**
 * The monitored value in an epoch's logs. A missing key is an error (Keras only warns, and
 * then the callback silently does nothing): it names the key and the keys that are there.
 */
export function readMonitored(caller: string, monitor: string, logs: Logs): number {
  const value = logs[monitor];
  if (typeof value === 'number') return value;
  const found = Object.keys(logs);
  const hint = monitor.startsWith('val_') ? '; val_* values need validation data in fit' : '';
  throw new ArgumentError(
    `${caller}: the monitored value "${monitor}" is not in the epoch logs (found: ${found.length > 0 ? found.join(', ') : 'none'})${hint}`,
  );
}

/** Validates the options every monitoring callback shares; returns the resolved direction. */
export function checkMonitorOptions(caller: string, monitor: unknown, mode: unknown, minDelta: unknown): 'min' | 'max' {
  if (typeof monitor !== 'string' || monitor.length === 0) {
    throw new ArgumentError(`${caller}: monitor must be a non-empty string such as 'val_loss', found ${String(monitor)}`);
  }
  if (mode !== 'min' && mode !== 'max' && mode !== 'auto') {
    throw new ArgumentError(`${caller}: mode must be 'min', 'max' or 'auto', found ${String(mode)}`);
  }
  checkNumber(caller, 'minDelta', minDelta, 0);
  return resolveMode(monitor, mode);
}

/** Throws an `ArgumentError` unless `value` is a finite number `>= min` (an integer when asked). */
export function checkNumber(caller: string, name: string, value: unknown, min: number, integer = false): asserts value is number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
  if (!ok) {
    const what = integer ? 'an integer' : 'a finite number';
    throw new ArgumentError(`${caller}: ${name} must be ${what} >= ${min}, found ${String(value)}`);
  }
}

/** Throws an `ArgumentError` unless `name` is a non-empty string. */
export function checkName(caller: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ArgumentError(`${caller}: name must be a non-empty string, found ${String(name)}`);
  }
}

/** Marks a state object as held by a running callback; not enumerable, so JSON skips it. */
const HOLDER = Symbol('streamgrad.callbackStateHolder');

type Held = { [HOLDER]?: object };

/**
 * Returns this callback's state, `context.callbackState[name]`: the saved one when the run
 * was resumed (checked with `isState`), otherwise `fresh()`, stored there so checkpoints
 * save it. The state is marked as held by `holder` (one subscription of the callback) until
 * `releaseState`; a second running callback claiming the same name is an error, since the
 * two would silently share counters.
 */
export function claimState<S extends object>(
  caller: string,
  name: string,
  context: TrainContext,
  holder: object,
  fresh: () => S,
  isState: (value: unknown) => value is S,
): S {
  const bag = context.callbackState as Record<string, unknown>;
  const saved = bag[name];
  if (saved === undefined) {
    bag[name] = fresh();
  } else if (!isState(saved)) {
    throw new ArgumentError(`${caller}: callbackState["${name}"] is not ${caller} state, found ${JSON.stringify(saved)}`);
  }
  const state = bag[name] as S & Held;
  const current = state[HOLDER];
  if (current !== undefined && current !== holder) {
    throw new ArgumentError(
      `${caller}: two running callbacks keep state under the name "${name}"; give each a distinct name option`,
    );
  }
  Object.defineProperty(state, HOLDER, { value: holder, enumerable: false, configurable: true, writable: true });
  return state;
}

/** Ends `holder`'s claim on a state object (when its subscription ends). */
export function releaseState(state: object | undefined, holder: object): void {
  if (state !== undefined && (state as Held)[HOLDER] === holder) delete (state as Held)[HOLDER];
}

/** A number for messages: up to 4 significant digits, no trailing zeros (`0.0712`, `1e-7`). */
export function fmtNumber(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for a number or null (how state stores "no best value yet"). */
export function isNumberOrNull(value: unknown): value is number | null {
  return value === null || typeof value === 'number';
}
