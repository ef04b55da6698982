/**
 * streamgrad/models: layers, models, losses, optimizers, initializers, metrics and
 * safetensors checkpoints.
 * @packageDocumentation
 */
export { Module, type StateDict } from './module.js';
export { Layer, ElementwiseLayer, type BuildContext, type LayerConfig } from './layer.js';
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
export { conv2d, Conv2d, type Conv2dLayerOptions, type Size2d } from './layers/conv2d.js';
export { convTranspose2d, ConvTranspose2d, type ConvTranspose2dLayerOptions } from './layers/conv-transpose2d.js';
export { maxPool2d, MaxPool2d, type MaxPool2dLayerOptions } from './layers/max-pool2d.js';
export { avgPool2d, AvgPool2d, type AvgPool2dLayerOptions } from './layers/avg-pool2d.js';
export { globalAvgPool2d, GlobalAvgPool2d } from './layers/global-avg-pool2d.js';
export { upsample, Upsample, type UpsampleOptions } from './layers/upsample.js';
export { embedding, Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { leakyRelu, LeakyReLU, elu, ELU, sigmoid, Sigmoid, tanh, Tanh, softmax, Softmax, type LeakyReluOptions, type EluOptions, type SoftmaxOptions } from './layers/activations.js';
export { prelu, PReLU, type PreluOptions } from './layers/prelu.js';
export { maxout, Maxout, type MaxoutOptions } from './layers/maxout.js';
export { dropout, Dropout } from './layers/dropout.js';
export { batchNorm1d, batchNorm2d, BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batch-norm.js';
export { residual, Residual, Projection, type ResidualOptions } from './layers/residual.js';
export {
  metrics,
  type Metric,
  type MetricState,
  type MetricOptions,
  type Accuracy,
  type AccuracyOptions,
  type TopKAccuracy,
  type TopKAccuracyOptions,
  type ConfusionMatrix,
  type ConfusionMatrixOptions,
  type ClassificationScore,
  type ClassificationScoreOptions,
  type Average,
  type Perplexity,
  type PerplexityOptions,
} from './metrics/index.js';
export {
  mse,
  mae,
  huber,
  crossEntropy,
  binaryCrossEntropy,
  hinge,
  squaredHinge,
  klDivergence,
  type Reduction,
  type RegressionLossOptions,
  type HuberOptions,
  type CrossEntropyOptions,
  type BinaryCrossEntropyOptions,
  type HingeOptions,
  type KlDivergenceOptions,
  type KlReduction,
} from './losses/index.js';
export {
  l1,
  l2,
  elasticNet,
  Regularizer,
  weightsOnly,
  type RegularizerOptions,
  type ElasticNetOptions,
  type ParameterFilter,
  type PenaltyTarget,
} from './regularizers.js';
export {
  Optimizer,
  AdamBase,
  sgd,
  SGD,
  adam,
  Adam,
  adamw,
  AdamW,
  adagrad,
  Adagrad,
  rmsprop,
  RMSprop,
  adadelta,
  Adadelta,
  clipGradNorm,
  clipGradValue,
  type ParameterSource,
  type Hyperparameters,
  type OptimizerState,
  type Slots,
  type SgdOptions,
  type SgdHyper,
  type AdamOptions,
  type AdamHyper,
  type AdagradOptions,
  type AdagradHyper,
  type RmspropOptions,
  type RmspropHyper,
  type AdadeltaOptions,
  type AdadeltaHyper,
  type ClipGradNormOptions,
} from './optimizers/index.js';
export {
  readSafetensors,
  writeSafetensors,
  parseHeader,
  MAX_HEADER_BYTES,
  type ReadSafetensorsOptions,
  type SafetensorsContents,
  type SafetensorsHeader,
  type TensorEntry,
  type DType,
} from './safetensors/index.js';
export {
  saveWeights,
  loadWeights,
  writeFileAtomic,
  type SaveWeightsOptions,
  type LoadWeightsOptions,
} from './weights-file.js';
export { ngram, NgramModel, type NgramOptions, type NgramSmoothing, type NgramEvaluation, type NgramEvaluateOptions } from './baselines/ngram.js';
export { markovChain, MarkovChain, type MarkovChainOptions, type TransitionMatrixOptions, type MarkovSampleOptions } from './baselines/markov-chain.js';
export { rnn, RNN, type RnnOptions } from './layers/recurrent/rnn.js';
export { lstm, LSTM, type LstmOptions } from './layers/recurrent/lstm.js';
export { gru, GRU, type GruOptions } from './layers/recurrent/gru.js';
export {
  Recurrent,
  type RecurrentOptions,
  type RecurrentState as RecurrentLayerState,
  type RecurrentResult,
  type ForwardWithStateOptions,
} from './layers/recurrent/recurrent.js';
export { rnnCell, lstmCell, gruCell, type CellWeights, type LstmState, type RnnActivation } from './layers/recurrent/cells.js';
export { rnnStep, lstmStep, gruStep, fusedRnnCell, fusedLstmCell, fusedGruCell, type StepWeights, type StepOptions } from './layers/recurrent/fused-cells.js';
export { sequenceModel, SequenceModel, type SequenceModelOptions, type SequenceOutput, type SequenceState } from './sequence-model.js';
