/**
 * streamgrad/models: layers, models, losses, optimizers, initializers, metrics and
 * safetensors checkpoints.
 * @packageDocumentation
 */
export { Module, type StateDict } from './module.js';
export { Layer, type BuildContext, type LayerConfig } from './layer.js';
export { CheckpointError } from './errors.js';
export { sequential, Sequential, type SequentialOptions } from './sequential.js';
export { model, FunctionalModel, type ModelOptions, type ModelFunction } from './model.js';
export { fromJSON } from './from-json.js';
export { countParameters, type ParameterCount } from './summary.js';
export {
  initializers,
  fans,
  type Initializer,
  type InitializerConfig,
  type InitializerSpec,
  type Fans,
} from './initializers.js';
export { dense, Dense, type DenseOptions } from './layers/dense.js';
export { relu, ReLU } from './layers/relu.js';
export { flatten, Flatten } from './layers/flatten.js';
