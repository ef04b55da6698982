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
export { augment, type Transform, type AugmentOptions, type SampleOperator } from './augment.js';
export { fitNormalizer, type NormalizerStats } from './fit-normalizer.js';
export { randomFlip, type RandomFlipOptions } from './transforms/random-flip.js';
export { randomCrop, type RandomCropOptions } from './transforms/random-crop.js';
export { randomTranslate, type RandomTranslateOptions } from './transforms/random-translate.js';
export { randomRotate } from './transforms/random-rotate.js';
export { gaussianNoise } from './transforms/gaussian-noise.js';
export { normalize, type NormalizeOptions } from './transforms/normalize.js';
export { xor, type XorOptions } from './sources/xor.js';
export { spirals, type SpiralsOptions } from './sources/spirals.js';
export { blobs, type BlobsOptions } from './sources/blobs.js';
export { sineSequence, type SineSequenceOptions } from './sources/sine-sequence.js';
export { addingProblem, type AddingProblemOptions } from './sources/adding-problem.js';
export { mnist, type MnistOptions } from './sources/mnist.js';
export { fromArray } from './sources/from-array.js';
export { fromTensors } from './sources/from-tensors.js';
export { fromAsyncIterable } from './sources/from-async-iterable.js';
export { fromNodeStream, type FromNodeStreamOptions } from './sources/from-node-stream.js';
export { fromCsv, CsvError, type FromCsvOptions, type CsvSummary } from './sources/from-csv.js';
export { shuffle, type ShuffleOptions } from './shuffle.js';
export { batch, type BatchOptions } from './batch.js';
export { padBatch, type PadBatchOptions } from './pad-batch.js';
export { split, kFold, type Split, type SplitOptions, type KFoldOptions } from './split.js';
export { epochs, type Epoch, type EpochsOptions } from './epochs.js';
export { prefetch } from './prefetch.js';
export { parallelMap, type ParallelMapOptions } from './parallel-map.js';
export { prequential, type PrequentialOptions } from './online/prequential.js';
export { WindowedMean, type WindowedMeanOptions } from './online/windowed-mean.js';
export {
  sampleAccuracy,
  sampleMse,
  sampleMae,
  type SampleMetric,
  type SampleMetricSpec,
  type SampleAccuracyOptions,
} from './online/sample-metrics.js';
export { Vocabulary, vocabulary, tokenize, type VocabularyKind, type VocabularyOptions, type VocabularyJSON } from './sequences/tokenize.js';
export { windows, parallelWindows, type WindowsOptions, type ParallelWindowsOptions } from './sequences/windows.js';
export {
  tbptt,
  type TbpttOptions,
  type TbpttOperator,
  type TbpttState,
  type StatefulModel,
  type StatefulOutput,
  type RecurrentState,
  type SequenceBatch,
  type PlainTensor,
  type PlainPiece,
} from './sequences/tbptt.js';
export { generate, type GenerateOptions } from './sequences/generate.js';
export { detectDrift, type DriftDetector, type DriftSignal, type DriftEvent, type TrainDriftEvent, type DetectorFactory } from './online/drift.js';
export { pageHinkley, PageHinkley, type PageHinkleyOptions, type PageHinkleyState } from './online/page-hinkley.js';
export { adwin, Adwin, type AdwinOptions, type AdwinState } from './online/adwin.js';
export { ddm, Ddm, type DdmOptions, type DdmState } from './online/ddm.js';
export {
  onDrift,
  resetOptimizer,
  boostLearningRate,
  reinitialize,
  type DriftAction,
  type DriftFollowUp,
  type DriftTrainEvent,
  type BoostLearningRateOptions,
  type ReinitializeOptions,
} from './online/on-drift.js';
export { sea, type SeaOptions } from './online/generators/sea.js';
export { rotatingHyperplane, type RotatingHyperplaneOptions } from './online/generators/rotating-hyperplane.js';
export {
  fromRedisStream,
  streamBatch,
  readNumbers,
  StreamDecodeError,
  type StreamSample,
  type StreamBatch,
  type StreamDecoder,
  type FromRedisStreamOptions,
  type RedisStreamSource,
  type RedisStreamStats,
} from './redis/from-redis-stream.js';
export { toRedisStream, type ToRedisStreamOptions } from './redis/to-redis-stream.js';
export {
  ackOnCheckpoint,
  streamResume,
  lastAppliedId,
  compareStreamIds,
  type AckOnCheckpointOptions,
  type StreamSourceState,
} from './redis/exactly-once.js';
export { RedisConnectionError, type RedisConnectionOptions } from './redis/connection.js';
