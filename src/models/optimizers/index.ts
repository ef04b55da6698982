/**
 * Optimizers (after `torch.optim`) and gradient clipping (after `torch.nn.utils`).
 * @packageDocumentation
 */
export {
  Optimizer,
  type ParameterSource,
  type Hyperparameters,
  type OptimizerState,
  type Slots,
} from './optimizer.js';
export { sgd, SGD, type SgdOptions, type SgdHyper } from './sgd.js';
export { adam, Adam, AdamBase, type AdamOptions, type AdamHyper } from './adam.js';
export { adamw, AdamW } from './adamw.js';
export { adagrad, Adagrad, type AdagradOptions, type AdagradHyper } from './adagrad.js';
export { rmsprop, RMSprop, type RmspropOptions, type RmspropHyper } from './rmsprop.js';
export { adadelta, Adadelta, type AdadeltaOptions, type AdadeltaHyper } from './adadelta.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
