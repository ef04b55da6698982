/**
 * streamgrad/streams: datasets as cold Observables, data operators, and (later) training
 * operators, with back-pressure from the consumer to the sources.
 * @packageDocumentation
 */
export type { Sample, Batch } from './types.js';
export { Demand, currentDemand, subscribeWithDemand } from './demand.js';
export { fromPull, fromAsyncPull } from './sources/pull.js';
export { paced } from './consume.js';
export * from './train/index.js';
export { currentEpoch, inEpoch } from './epoch-context.js';
