/**
 * Losses: regression (`mse`, `mae`, `huber`), classification (`crossEntropy`,
 * `binaryCrossEntropy`, `hinge`, `squaredHinge`) and `klDivergence`. Each takes the
 * prediction first, the target second and an options object last, with PyTorch's semantics
 * and a `reduction` of `'mean'` (default), `'sum'` or `'none'`.
 */
export { mse, mae, huber, type RegressionLossOptions, type HuberOptions } from './mse.js';
export { crossEntropy, type CrossEntropyOptions } from './cross-entropy.js';
export { binaryCrossEntropy, type BinaryCrossEntropyOptions } from './binary-cross-entropy.js';
export { hinge, squaredHinge, type HingeOptions } from './hinge.js';
export { klDivergence, type KlDivergenceOptions, type KlReduction } from './kl-divergence.js';
export { type Reduction } from './reduction.js';
