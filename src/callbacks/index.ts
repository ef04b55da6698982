/**
 * streamgrad/callbacks: operators over the training-event stream (`MonoTypeOperatorFunction<TrainEvent>`).
 * @packageDocumentation
 */
export { earlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from './early-stopping.js';
export { lrSchedule, type LrScheduleFunction, type LrScheduleOptions, type LrScheduleState } from './lr-schedule.js';
export {
  stepDecay,
  exponentialDecay,
  cosineDecay,
  type Schedule,
  type StepDecayOptions,
  type ExponentialDecayOptions,
  type CosineDecayOptions,
} from './schedules.js';
export { reduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './reduce-lr-on-plateau.js';
export { terminateOnNaN } from './terminate-on-nan.js';
export { resolveMode, isImprovement, type MonitorMode } from './monitor.js';
export { progress, type ProgressOptions, type ProgressStream } from './progress.js';
export { csvLogger, type CsvLoggerOptions } from './csv-logger.js';
export { jsonlLogger, type JsonlLoggerOptions } from './jsonl-logger.js';
export { checkpoint, type CheckpointOptions, type CheckpointEvery, type CheckpointState } from './checkpoint.js';
export { resume, loadCheckpoint, type ResumePoint, type ResumeTarget } from './resume.js';
export {
  listCheckpoints,
  readCheckpoint,
  type CheckpointEntry,
  type LoadedCheckpoint,
  type CheckpointStateFile,
  type CheckpointManifest,
} from './checkpoint-format.js';
export { driftDetector, type DriftDetectorOptions, type DriftDetectorState } from './drift-detector.js';
