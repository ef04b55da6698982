import { ArgumentError, ShapeError, type Tensor } from '../../ops/index.js';

/** How classification metrics read predictions. @internal */
export interface DecodeOptions {
  /** Cut-off for binary predictions `[N]` / `[N, 1]`: class 1 when `p > threshold`. */
  threshold: number;
  /** The number of classes the metric was built for; the prediction must agree. */
  numClasses?: number;
}

/** Predicted and true class of each sample of a batch. @internal */
export interface ClassLabels {
  readonly predicted: Int32Array;
  readonly actual: Int32Array;
  readonly numClasses: number;
}

/** `(prediction [4,3], target [4])`: both shapes, for the end of every message. @internal */
export function shapes(prediction: Tensor, target: Tensor, first = 'prediction'): string {
  return `(${first} [${prediction.shape.join(',')}], target [${target.shape.join(',')}])`;
}

/**
 * Index of the largest of `data[offset .. offset + n)`, the first one on ties; a NaN counts
 * as the largest value, as in NumPy's and PyTorch's `argmax`. @internal
 */
export function argmaxRow(data: Float32Array, offset: number, n: number): number {
  let best = 0;
  let bestValue = data[offset];
  for (let j = 1; j < n && !Number.isNaN(bestValue); j++) {
    const v = data[offset + j];
    if (v > bestValue || Number.isNaN(v)) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Reads the true class of each of `n` samples out of `numClasses`: class indices `[N]` or
 * `[N, 1]`, or (when `oneHot`) one-hot or any per-class scores `[N, C]`, read by argmax.
 * Throws naming the metric when the shape does not fit or an index is not an integer in
 * `[0, numClasses)`. @internal
 */
export function decodeTargets(
  metric: string,
  prediction: Tensor,
  target: Tensor,
  n: number,
  numClasses: number,
  oneHot = true,
): Int32Array {
  const shape = target.shape;
  const actual = new Int32Array(n);
  if (oneHot && shape[0] === n && shape.length === 2 && shape[1] === numClasses && numClasses > 1) {
    for (let i = 0; i < n; i++) actual[i] = argmaxRow(target.data, i * numClasses, numClasses);
    return actual;
  }
  if (shape[0] !== n || !(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new ShapeError(
      `${metric}: expected target [${n}] or [${n},1] class indices` +
        (oneHot && numClasses > 1 ? ` or [${n},${numClasses}] one-hot` : '') +
        ` ${shapes(prediction, target)}`,
    );
  }
  for (let i = 0; i < n; i++) {
    const v = target.data[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new ArgumentError(
        `${metric}: target of sample ${i} is ${v}, expected a class index in [0, ${numClasses}) ${shapes(prediction, target)}`,
      );
    }
    actual[i] = v;
  }
  return actual;
}

/**
 * Decodes a classification batch: prediction `[N, C]` scores, logits or probabilities (argmax),
 * or `[N]` / `[N, 1]` binary scores (class 1 when `p > threshold`); target as `decodeTargets`
 * reads it. @internal
 */
export function decodeClasses(metric: string, prediction: Tensor, target: Tensor, options: DecodeOptions): ClassLabels {
  const shape = prediction.shape;
  const binary = shape.length === 1 || (shape.length === 2 && shape[1] === 1);
  if (!binary && (shape.length !== 2 || shape[1] === 0)) {
    throw new ShapeError(
      `${metric}: expected prediction [N, C] class scores or [N] binary scores ${shapes(prediction, target)}`,
    );
  }
  const n = shape[0];
  const numClasses = binary ? 2 : shape[1];
  if (options.numClasses !== undefined && options.numClasses !== numClasses) {
    throw new ShapeError(
      `${metric}: expected prediction [N,${options.numClasses}]` +
        (options.numClasses === 2 ? ' or binary [N]' : '') +
        ` for numClasses ${options.numClasses}, found ${binary ? 'binary scores' : `${numClasses} classes`} ${shapes(prediction, target)}`,
    );
  }
  const predicted = new Int32Array(n);
  if (binary) {
    for (let i = 0; i < n; i++) predicted[i] = prediction.data[i] > options.threshold ? 1 : 0;
  } else {
    for (let i = 0; i < n; i++) predicted[i] = argmaxRow(prediction.data, i * numClasses, numClasses);
  }
  // Binary targets are 0/1 labels only: a [N, 2] one-hot target beside [N] scores is a mix-up.
  const actual = decodeTargets(metric, prediction, target, n, numClasses, !binary);
  return { predicted, actual, numClasses };
}
