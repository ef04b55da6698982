import { type OperatorFunction, defer, finalize, mergeMap } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { BatchEndEvent, TrainEvent } from '../streams/index.js';
import type { DetectorFactory, DriftDetector, TrainDriftEvent } from '../streams/online/drift.js';
import { checkName, claimState, isRecord, releaseState } from './monitor.js';

/** Options of `driftDetector`. */
export interface DriftDetectorOptions {
  /**
   * The value watched at each `batchEnd`: `'loss'`, the name of a batch metric
   * (`'accuracy'`), or a function of the event, such as `(e) => 1 - e.logs.accuracy`, an
   * error indicator when batches hold one sample. @default 'loss'
   */
  on?: string | ((event: BatchEndEvent) => number);
  /** Key of the state in `context.callbackState`; give each driftDetector of a run its own. @default 'driftDetector' */
  name?: string;
}

/** What `driftDetector` keeps in `context.callbackState`, so a resumed run continues its test. */
export interface DriftDetectorState {
  /** The detector's kind. */
  kind: string;
  /** The detector's `state()`, after the last value it saw. */
  detector: unknown;
  /** Values seen in the run. */
  seen: number;
  /** Drifts signalled in the run. */
  drifts: number;
}

/**
 * Watches a value of every `batchEnd` (the loss by default) with a change detector and
 * inserts a `drift` event right after the batch on which it fires. Every training event
 * passes on unchanged, and the drift event comes before the next optimizer step, so an
 * `onDrift` reaction placed after it applies from the next step on.
 *
 * ```
 * source:                 S-a-a-a-a-b----E|    losses 0, 0, 0, 0, 5
 * driftDetector(create):  S-a-a-a-a-(bD)-E|    create = () => new PageHinkley({ delta: 0, lambda: 3, alpha: 1, minInstances: 1 })
 *                                              D = { type: 'drift', detector: 'pageHinkley', position: 4, statistic: 4,
 *                                                    threshold: 3, value: 5, and b's epoch, step, batch, context }
 * ```
 *
 * `create` makes a detector for each subscription (`() => new Adwin()`). The detector's
 * state, the count of values seen and of drifts live in `context.callbackState[name]`, so
 * checkpoints save them and a resumed run continues the test; `position` counts the
 * values seen in the whole run (0-based). A value that is not a finite number errors the
 * stream, naming the step (put `terminateOnNaN()` first to stop on a NaN loss instead).
 *
 * `fit`'s `callbacks` take `MonoTypeOperatorFunction<TrainEvent>`, and `TrainEvent` has no
 * drift member: pipe this operator after `fit(...)` (the events still pass synchronously,
 * between two steps). Drift events from an earlier detector pass through unchanged, so
 * several detectors (with distinct `name`s) can be chained.
 *
 * @example
 * ```ts
 * import { fit, onDrift, resetOptimizer, PageHinkley } from 'streamgrad/streams';
 * import { driftDetector } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train: stream, epochs: 1 })
 *   .pipe(driftDetector(() => new PageHinkley({ lambda: 5 }), { on: 'loss' }), onDrift(resetOptimizer()))
 *   .subscribe((e) => e.type === 'drift' && console.log('drift at step', e.step));
 * ```
 * @param create - makes a `DriftDetector`; called once now to check it, then once per subscription.
 */
export function driftDetector(
  create: DetectorFactory,
  opts: DriftDetectorOptions = {},
): OperatorFunction<TrainEvent | TrainDriftEvent, TrainEvent | TrainDriftEvent> {
  const kind = checkFactory(create);
  const { on = 'loss', name = 'driftDetector' } = opts;
  if (!(typeof on === 'function' || (typeof on === 'string' && on.length > 0))) {
    throw new ArgumentError(`driftDetector: on must be 'loss', a metric name or a function of the batchEnd event, found ${String(on)}`);
  }
  checkName('driftDetector', name);
  const read = (event: BatchEndEvent): number => {
    if (typeof on === 'function') return on(event);
    if (on === 'loss') return event.loss;
    const value = event.logs[on];
    if (typeof value === 'number') return value;
    const found = Object.keys(event.logs);
    throw new ArgumentError(
      `driftDetector: the batch logs have no "${on}" (found: ${found.length > 0 ? found.join(', ') : 'none'}); ` +
        "pass it in fit's metrics, or watch 'loss'",
    );
  };
  const isState = (value: unknown): value is DriftDetectorState =>
    isRecord(value) && value.kind === kind && Number.isInteger(value.seen) && Number.isInteger(value.drifts) && 'detector' in value;

  return (source) =>
    defer(() => {
      const detector = create();
      const holder = {};
      let state: DriftDetectorState | undefined;
      const claim = (event: TrainEvent | TrainDriftEvent): DriftDetectorState => {
        const fresh: DriftDetectorState = { kind, detector: detector.state(), seen: 0, drifts: 0 };
        const claimed = claimState('driftDetector', name, event.context, holder, () => fresh, isState);
        if (claimed !== fresh) detector.loadState(claimed.detector); // a resumed run
        return claimed;
      };
      return source.pipe(
        mergeMap((event: TrainEvent | TrainDriftEvent): (TrainEvent | TrainDriftEvent)[] => {
          state ??= claim(event);
          if (event.type !== 'batchEnd') return [event];
          const where = `at step ${event.step} (epoch ${event.epoch}, batch ${event.batch})`;
          const value = read(event);
          if (typeof value !== 'number' || !Number.isFinite(value)) {
            const what = typeof on === 'string' ? on : 'the watched value';
            throw new ArgumentError(`driftDetector: ${what} is ${String(value)} ${where}; a detector needs finite numbers`);
          }
          let signal;
          try {
            signal = detector.update(value);
          } catch (error) {
            if (!(error instanceof ArgumentError)) throw error;
            throw new ArgumentError(`driftDetector: ${error.message} ${where}`, { cause: error });
          }
          state.seen += 1;
          state.detector = detector.state();
          if (signal?.level !== 'drift') return [event];
          state.drifts += 1;
          const drift: TrainDriftEvent = {
            type: 'drift',
            detector: kind,
            position: state.seen - 1,
            statistic: signal.statistic,
            threshold: signal.threshold,
            epoch: event.epoch,
            step: event.step,
            batch: event.batch,
            context: event.context,
            value,
          };
          return [event, drift];
        }),
        finalize(() => releaseState(state, holder)),
      );
    });
}

/** Calls the factory once to check it makes a detector; returns the detector's kind. */
function checkFactory(create: unknown): string {
  if (typeof create !== 'function') {
    throw new ArgumentError(`driftDetector: expected a function that creates a detector, such as () => new Adwin(), found ${String(create)}`);
  }
  const detector = create() as Partial<DriftDetector> | null;
  const ok =
    typeof detector === 'object' &&
    detector !== null &&
    typeof detector.kind === 'string' &&
    typeof detector.update === 'function' &&
    typeof detector.state === 'function' &&
    typeof detector.loadState === 'function';
  if (!ok) {
    throw new ArgumentError('driftDetector: the factory must return a detector { kind, update, state, loadState }, such as new Adwin()');
  }
  return detector.kind as string;
}
