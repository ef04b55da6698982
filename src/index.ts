/**
 * streamgrad: a TypeScript training framework for Node.js where training is a dataflow of
 * RxJS operators.
 *
 * The root entry re-exports the functional ops (`streamgrad/ops`), the stream operators
 * (`streamgrad/streams`) and the callbacks (`streamgrad/callbacks`) by name. Layers share
 * names with the ops they wrap (`relu` the op, `relu()` the layer), so the model-building
 * API is the namespace `nn` here, and flat in `streamgrad/models`:
 *
 * ```ts
 * import { nn, relu } from 'streamgrad';                    // nn.dense(10), relu(x)
 * import { sequential, dense, relu } from 'streamgrad/models'; // the same layers, by name
 * ```
 *
 * `streamgrad/testing` is separate because it needs fast-check.
 * @packageDocumentation
 */
export * from './ops/index.js';
export * from './streams/index.js';
export * from './callbacks/index.js';
export * as nn from './models/index.js';
