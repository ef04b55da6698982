import type { Tensor } from '../ops/index.js';

/** One example: an input and its target (a class index as a scalar tensor, or any tensor). */
export interface Sample {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * Samples stacked along a new first axis: `x` is `[size, ...sample x shape]`, `y` likewise.
 * `mask` marks real (1) versus padded (0) steps when sequences of different lengths were
 * padded to one length (`padBatch`).
 */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly size: number;
  readonly mask?: Tensor;
}
