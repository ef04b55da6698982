import type { TrainContext } from '../train/events.js';

/**
 * What a `prequential` run tells the operators that follow it about how it consumes its
 * source, so that `ackOnCheckpoint` can map its position onto the source's entries: the
 * source is subscribed once, in epoch `sourceEpoch`, and `position().samples` counts from
 * `startSamples` (the samples the resumed model held already). @internal
 */
export interface PrequentialRun {
  /** `position().samples` when the run started: what a resumed model already held. */
  readonly startSamples: number;
  /** `position().batch` when the run started. */
  readonly startBatches: number;
  /** The run's `resumeSource`: with `'replay'` the first `startBatches` batches of the source are read but not trained. */
  readonly resumeSource: 'replay' | 'continue';
  /** `currentEpoch()` seen by the source: prequential subscribes it once, in epoch 0. */
  readonly sourceEpoch: number;
}

/** Key of the `PrequentialRun` on a prequential run's context. @internal */
export const PREQUENTIAL_RUN = Symbol('streamgrad.prequentialRun');

/** Marks `context` as a prequential run's (a non-enumerable property, so copies and JSON ignore it). @internal */
export function markPrequentialRun(context: TrainContext, run: PrequentialRun): void {
  Object.defineProperty(context, PREQUENTIAL_RUN, { value: Object.freeze({ ...run }), enumerable: false });
}

/** The `PrequentialRun` of a prequential run's context; `undefined` for `fit` and others. @internal */
export function prequentialRun(context: TrainContext): PrequentialRun | undefined {
  return (context as TrainContext & { readonly [PREQUENTIAL_RUN]?: PrequentialRun })[PREQUENTIAL_RUN];
}
