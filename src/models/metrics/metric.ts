import { ArgumentError, type Tensor } from '../../ops/index.js';
import { CheckpointError } from '../errors.js';

/**
 * What a metric has accumulated so far, as plain JSON numbers, so a checkpoint can store a
 * metric in the middle of an epoch and `loadState` can resume it exactly.
 */
export type MetricState = { readonly [key: string]: number | readonly number[] };

/**
 * An incremental metric: `update` folds in one batch, `result` reports the value over every
 * sample seen since the last `reset`. Because the state is a sum over samples, updating with
 * batches b1..bk gives the same result as one update with their concatenation, so a metric
 * works on an unbounded stream of batches.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * const acc = metrics.accuracy();
 * for (const { x, y } of batches) acc.update(model.forward(x), y);
 * console.log(acc.name, acc.result()); // 'accuracy' 0.93
 * acc.reset();
 * ```
 */
export interface Metric<R = number> {
  /** The key used in training logs: `accuracy`, `top5_accuracy`, `precision`, ... */
  readonly name: string;
  /**
   * Folds one batch into the state. Runs under `noGrad` (never records a graph) and checks
   * shapes and labels before touching the state, so a bad batch throws and leaves it as it was.
   */
  update(prediction: Tensor, target: Tensor): void;
  /** The value over every sample seen since construction or the last `reset`. */
  result(): R;
  /** Returns to the empty state, as if freshly constructed. */
  reset(): void;
  /** The accumulated state as plain JSON numbers (a copy). */
  state(): MetricState;
  /** Restores a state returned by `state()`; a malformed state throws before anything changes. */
  loadState(state: MetricState): void;
}

/** Options every metric accepts. */
export interface MetricOptions {
  /** The key in training logs, to tell two metrics of one kind apart. @default the metric's own, e.g. `accuracy` */
  name?: string;
}

/** The metric's log key: `options.name` when given (a non-empty string), else `fallback`. @internal */
export function resolveName(metric: string, options: MetricOptions, fallback: string): string {
  const name = options.name;
  if (name === undefined) return fallback;
  if (typeof name !== 'string' || name.length === 0) {
    throw new ArgumentError(`${metric}: name must be a non-empty string, found ${JSON.stringify(name)}`);
  }
  return name;
}

/** Throws an `ArgumentError` naming the metric unless `value` is an integer `>= min`. @internal */
export function assertIntOption(metric: string, option: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${metric}: ${option} must be an integer >= ${min}, found ${String(value)}`);
  }
}

/** How `checkState` reads one key: a count (integer >= 0), any number, or counts of a fixed length. @internal */
export type StateField = 'count' | 'number' | { counts: number };

/**
 * Checks that `state` has exactly the keys of `fields`, each of the right kind, and throws a
 * `CheckpointError` naming the metric otherwise. Callers assign only after it returns, so a
 * malformed state never half-loads. @internal
 */
export function checkState(metric: string, state: MetricState, fields: Readonly<Record<string, StateField>>): void {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new CheckpointError(`${metric}: expected a state object, found ${JSON.stringify(state)}`);
  }
  const expected = Object.keys(fields);
  const found = Object.keys(state);
  const extra = found.filter((k) => !expected.includes(k));
  const missing = expected.filter((k) => !found.includes(k));
  if (extra.length > 0 || missing.length > 0) {
    throw new CheckpointError(
      `${metric}: expected state keys {${expected.join(', ')}}, found {${found.join(', ')}}`,
    );
  }
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  for (const key of expected) {
    const field = fields[key];
    const value = state[key];
    if (field === 'number') {
      if (typeof value !== 'number') {
        throw new CheckpointError(`${metric}: state.${key} must be a number, found ${JSON.stringify(value)}`);
      }
    } else if (field === 'count') {
      if (!isCount(value)) {
        throw new CheckpointError(`${metric}: state.${key} must be an integer >= 0, found ${JSON.stringify(value)}`);
      }
    } else {
      if (!Array.isArray(value) || value.length !== field.counts || !value.every(isCount)) {
        throw new CheckpointError(
          `${metric}: state.${key} must be ${field.counts} integers >= 0, found ${describe(value)}`,
        );
      }
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of length ${value.length}${value.every((v) => Number.isInteger(v) && v >= 0) ? '' : ' with a non-count entry'}`;
  return JSON.stringify(value) ?? String(value);
}
