import { type MonoTypeOperatorFunction, defer, map, takeWhile } from 'rxjs';
import type { StopEvent, TrainEvent } from '../streams/index.js';

/**
 * Stops training at the first batch whose loss is not finite (`NaN` or ±`Infinity`), as
 * Keras' `TerminateOnNaN`. That `batchEnd` is replaced by a `stop` event, e.g.
 * `terminateOnNaN: loss is NaN at step 37 (epoch 2, batch 5)`, and the stream completes,
 * which unsubscribes from training. `step` is the run's step count after the failing step,
 * as in `batchEnd`; epochs and batches are 0-based.
 *
 * ```
 * source:           -S-b-b-n-b-E-|   n = batchEnd with loss NaN
 * terminateOnNaN(): -S-b-b-(s|)      s = stop
 * ```
 *
 * Nothing after the failing step reaches the callbacks placed after this one: not the
 * `batchEnd` with the bad loss, nor an `epochEnd`. So put `terminateOnNaN()` first in the
 * callbacks list, before `checkpoint` (which then never writes the broken weights, unless it
 * saves on `stop`) and before `earlyStopping` (which sees training complete and can restore
 * its best weights).
 *
 * @example
 * ```ts
 * import { fit } from 'streamgrad/streams';
 * import { terminateOnNaN, earlyStopping } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, validation, epochs: 10,
 *   callbacks: [terminateOnNaN(), earlyStopping({ restoreBestWeights: true })], // then checkpoint, if any
 * }).subscribe((e) => e.type === 'stop' && console.log(e.reason));
 * ```
 *
 * @returns an operator over training events.
 */
export function terminateOnNaN(): MonoTypeOperatorFunction<TrainEvent> {
  return (source) =>
    defer(() => {
      let stop: StopEvent | undefined;
      return source.pipe(
        map((event): TrainEvent => {
          if (event.type !== 'batchEnd' || Number.isFinite(event.loss)) return event;
          const reason = `terminateOnNaN: loss is ${String(event.loss)} at step ${event.step} (epoch ${event.epoch}, batch ${event.batch})`;
          stop = { type: 'stop', epoch: event.epoch, step: event.step, context: event.context, reason };
          return stop;
        }),
        takeWhile((event) => event !== stop, true),
      );
    });
}
