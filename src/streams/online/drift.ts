import { type OperatorFunction, Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import type { TrainContext } from '../train/events.js';

/**
 * What a detector reports for one observation when its test fires: `'drift'` when the
 * change is confirmed, `'warning'` when it is suspected (only DDM has a warning zone).
 * `statistic` is the test statistic at this observation and `threshold` the value it
 * crossed, so `statistic > threshold` (PH: `m_t − M_t` vs `λ`; ADWIN: `|μ̂₀ − μ̂₁|` vs
 * `ε_cut`; DDM: `p_i + s_i` vs `p_min + k·s_min`).
 */
export interface DriftSignal {
  readonly level: 'warning' | 'drift';
  readonly statistic: number;
  readonly threshold: number;
}

/**
 * A sequential change detector over a stream of numbers: it sees one value at a time and
 * keeps O(1) (Page-Hinkley, DDM) or O(log W) (ADWIN) memory. `state()` returns plain JSON
 * that `loadState` restores exactly, so a detector can live in a checkpoint.
 *
 * After a `'drift'` signal a detector has already adapted (Page-Hinkley and DDM start
 * afresh, ADWIN has dropped the old part of its window): the next value belongs to the new
 * concept.
 */
export interface DriftDetector<S = unknown> {
  /** The detector's kind, as in its operator's name (`'pageHinkley'`, `'adwin'`, `'ddm'`). */
  readonly kind: string;
  /** Takes the next value; returns a signal when the test fires on it, otherwise `null`. */
  update(x: number): DriftSignal | null;
  /** A JSON copy of everything `update` depends on (not the options). */
  state(): S;
  /** Restores a `state()`; throws an `ArgumentError` naming the detector and the bad field, changing nothing. */
  loadState(state: S): void;
}

/**
 * Emitted by the drift operators (`pageHinkley`, `adwin`, `ddm`, `detectDrift`) when a
 * detector confirms a change. `position` is the 0-based index, in the stream the detector
 * watched, of the value on which the test fired.
 */
export interface DriftEvent {
  readonly type: 'drift';
  /** The detector's kind: `'pageHinkley'`, `'adwin'`, `'ddm'`, or a custom detector's. */
  readonly detector: string;
  readonly position: number;
  /** The test statistic when the detector fired (see `DriftSignal`). */
  readonly statistic: number;
  /** The threshold it crossed. */
  readonly threshold: number;
}

/**
 * A drift found in a training run by the `driftDetector` callback: a `DriftEvent` with the
 * fields every `TrainEvent` carries (`epoch`, `step`, `context`) and the batch whose value
 * fired the test. It follows that batch's `batchEnd` in the event stream, before the next
 * optimizer step, so a reaction (`onDrift`) applies from the next step on.
 */
export interface TrainDriftEvent extends DriftEvent {
  /** 0-based epoch of the batch that fired the test. */
  readonly epoch: number;
  /** Optimizer steps taken so far (as in that batch's `batchEnd`). */
  readonly step: number;
  /** 0-based index of that batch within its epoch. */
  readonly batch: number;
  readonly context: TrainContext;
  /** The value the detector saw for that batch (the loss, a metric, an error indicator). */
  readonly value: number;
}

/** Makes a detector for one subscription: `() => new Adwin({ delta: 0.01 })`. */
export type DetectorFactory = () => DriftDetector;

/**
 * Runs a change detector over a stream of numbers and emits a `DriftEvent` each time it
 * confirms a drift; the numbers themselves are not passed on (share the source to use them
 * too). Each subscription gets a fresh detector from `create`, so the operator is cold like
 * any RxJS operator. A value that is not a finite number errors the stream, naming its
 * position. Warnings (DDM) are not emitted: call the detector's `update` directly for them.
 *
 * ```
 * source:                 -a-b-c-d-e-f-|     the change happens around d
 * detectDrift(create):    -----------D-|     D = { type: 'drift', position: 5, ... }
 * ```
 *
 * @example
 * ```ts
 * import { detectDrift, Adwin } from 'streamgrad/streams';
 * errors$.pipe(detectDrift(() => new Adwin({ delta: 0.01 }))).subscribe((d) => console.log(d.position));
 * ```
 * @param create - called once per subscription.
 */
export function detectDrift(create: DetectorFactory): OperatorFunction<number, DriftEvent> {
  if (typeof create !== 'function') {
    throw new ArgumentError(`detectDrift: expected a function that creates a detector, found ${formatValue(create)}`);
  }
  return (source) =>
    new Observable<DriftEvent>((subscriber) => {
      const detector = create();
      let position = -1;
      return source.subscribe({
        next: (x) => {
          position += 1;
          let signal: DriftSignal | null;
          try {
            checkObservation(detector.kind, x, position);
            signal = detector.update(x);
          } catch (error) {
            const located = error instanceof ArgumentError && !error.message.includes(' at position ');
            subscriber.error(located ? new ArgumentError(`${error.message} at position ${position}`) : error);
            return;
          }
          if (signal?.level !== 'drift') return;
          const { statistic, threshold } = signal;
          subscriber.next({ type: 'drift', detector: detector.kind, position, statistic, threshold });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** Throws unless `x` is a finite number, naming the detector and the value's position. @internal */
export function checkObservation(kind: string, x: unknown, position: number): asserts x is number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new ArgumentError(`${kind}: expected a finite number at position ${position}, found ${formatValue(x)}`);
  }
}

/** A value for messages: numbers as they are, strings and objects as JSON. @internal */
export function formatValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Throws an `ArgumentError` unless `value` is a finite number within `[low, high]` (an open end when asked). @internal */
export function checkRange(
  op: string,
  name: string,
  value: unknown,
  low: number,
  high: number,
  opts: { lowOpen?: boolean; highOpen?: boolean; integer?: boolean } = {},
): asserts value is number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (opts.lowOpen ? value > low : value >= low) &&
    (opts.highOpen ? value < high : value <= high) &&
    (!opts.integer || Number.isInteger(value));
  if (ok) return;
  const what = opts.integer ? 'an integer' : 'a number';
  const range =
    high === Infinity
      ? `${opts.lowOpen ? '>' : '>='} ${low}`
      : `in ${opts.lowOpen ? '(' : '['}${low}, ${high}${opts.highOpen ? ')' : ']'}`;
  throw new ArgumentError(`${op}: ${name} must be ${what} ${range}, found ${formatValue(value)}`);
}

/**
 * Checks a detector state read back from JSON: an object whose `fields` are numbers, or
 * `null` for those listed in `nullable` (a minimum not set yet). Throws an `ArgumentError`
 * naming the detector and the first bad field. @internal
 */
export function checkState(
  kind: string,
  state: unknown,
  fields: readonly string[],
  nullable: readonly string[] = [],
): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ArgumentError(`${kind}.loadState: expected a state object from ${kind}.state(), found ${formatValue(state)}`);
  }
  const record = state as Record<string, unknown>;
  for (const field of fields) {
    const v = record[field];
    if (v === null && nullable.includes(field)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const expected = nullable.includes(field) ? 'a finite number or null' : 'a finite number';
      throw new ArgumentError(`${kind}.loadState: ${field} must be ${expected}, found ${formatValue(v)}`);
    }
  }
  return record;
}
