/**
 * streamgrad: a TypeScript training framework for Node.js where training is a dataflow of
 * RxJS operators. The root entry re-exports `streamgrad/ops`, `streamgrad/models`,
 * `streamgrad/streams` and `streamgrad/callbacks`; `streamgrad/testing` is separate because
 * it needs fast-check.
 * @packageDocumentation
 */
export * from './ops/index.js';
export * from './models/index.js';
export * from './streams/index.js';
export * from './callbacks/index.js';
