export type {
  Logs,
  TrainContext,
  TrainEvent,
  EpochStartEvent,
  BatchEndEvent,
  EpochEndEvent,
  CheckpointEvent,
  StopEvent,
  StepResult,
  FitPosition,
} from './events.js';
export { trainStep, type TrainStepOptions, type StepEvent, type LossFunction } from './train-step.js';
export { evaluate, type EvaluateOptions } from './evaluate.js';
export { predict } from './predict.js';
export { fit, type FitOptions } from './fit.js';
export type { MetricSpec } from './metric-specs.js';
