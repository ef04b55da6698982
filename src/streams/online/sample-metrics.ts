/**
 * Per-sample metrics: one number per sample of a batch, so a window can drop the samples that
 * leave it.
 * @packageDocumentation
 */
import { ArgumentError, ShapeError, type Tensor } from '../../ops/index.js';

/**
 * A metric that can be windowed: one number per sample of a batch, whose mean is the metric
 * (1 or 0 for a correct or wrong prediction gives accuracy). A `Metric` from
 * `streamgrad/models` keeps only sums, so it cannot say which samples leave a window.
 */
export interface SampleMetric {
  /** The log key (`accuracy`); `prequential` also logs `window_<name>` and `faded_<name>`. */
  readonly name: string;
  /** The per-sample values of a batch, `[N]` for a prediction `[N, ...]`. */
  scores(prediction: Tensor, target: Tensor): ArrayLike<number>;
}

/** A `prequential` metric: a built-in's name or a `SampleMetric`. */
export type SampleMetricSpec = 'accuracy' | 'mse' | 'mae' | SampleMetric;

/** Options of `sampleAccuracy`. */
export interface SampleAccuracyOptions {
  /** Binary predictions `[N]` / `[N, 1]` are class 1 when `p > threshold` (0.5 for probabilities, 0 for logits). @default 0.5 */
  readonly threshold?: number;
  /** The log key. @default 'accuracy' */
  readonly name?: string;
}

/**
 * Per-sample correctness, `1[argmax(predictionₙ) = targetₙ]`, whose mean is accuracy as
 * `metrics.accuracy()` computes it: prediction `[N, C]` logits, scores or probabilities
 * (argmax, the first on ties) or binary `[N]` / `[N, 1]` (class 1 when `p > threshold`);
 * target class indices `[N]` / `[N, 1]`, or one-hot `[N, C]` read by argmax.
 *
 * @example
 * ```ts
 * import { sampleAccuracy } from 'streamgrad/streams';
 * import { tensor } from 'streamgrad/ops';
 * sampleAccuracy().scores(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 1])); // [1, 1, 0]
 * ```
 */
export function sampleAccuracy(options: SampleAccuracyOptions = {}): SampleMetric {
  const { threshold = 0.5, name = 'accuracy' } = options;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new ArgumentError(`sampleAccuracy: threshold must be a finite number, found ${String(threshold)}`);
  }
  return { name, scores: (prediction, target) => correctness(prediction, target, threshold) };
}

function correctness(prediction: Tensor, target: Tensor, threshold: number): Float64Array {
  const p = prediction.shape;
  const t = target.shape;
  const shapes = `(prediction [${p.join(',')}], target [${t.join(',')}])`;
  const binary = p.length === 1 || (p.length === 2 && p[1] === 1);
  if (!binary && (p.length !== 2 || p[1] === 0)) {
    throw new ShapeError(`sampleAccuracy: expected prediction [N, C] class scores or [N] binary scores ${shapes}`);
  }
  const n = p[0];
  const classes = binary ? 2 : p[1];
  const oneHot = !binary && t.length === 2 && t[0] === n && t[1] === classes;
  if (!oneHot && (t[0] !== n || !(t.length === 1 || (t.length === 2 && t[1] === 1)))) {
    throw new ShapeError(`sampleAccuracy: expected target [${n}] or [${n},1] class indices${binary ? '' : ` or [${n},${classes}] one-hot`} ${shapes}`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const actual = oneHot ? argmax(target.data, i * classes, classes) : target.data[i];
    if (!oneHot && !(Number.isInteger(actual) && actual >= 0 && actual < classes)) {
      throw new ArgumentError(`sampleAccuracy: target of sample ${i} is ${actual}, expected a class index in [0, ${classes}) ${shapes}`);
    }
    const predicted = binary ? (prediction.data[i] > threshold ? 1 : 0) : argmax(prediction.data, i * classes, classes);
    out[i] = predicted === actual ? 1 : 0;
  }
  return out;
}

/** Index of the largest of `data[offset .. offset + n)`, the first on ties, NaN counting as largest (as NumPy). */
function argmax(data: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n && !Number.isNaN(data[offset + best]); j++) {
    const v = data[offset + j];
    if (v > data[offset + best] || Number.isNaN(v)) best = j;
  }
  return best;
}

/**
 * Per-sample squared error, the mean of `(prediction − target)²` over each sample's elements;
 * their mean is `metrics.mse()`. Prediction and target of the same shape `[N, ...]`.
 * @example
 * ```ts
 * import { sampleMse } from 'streamgrad/streams';
 * import { tensor } from 'streamgrad/ops';
 * sampleMse().scores(tensor([[1, 2], [0, 0]]), tensor([[1, 4], [1, 1]])); // [2, 1]
 * ```
 */
export function sampleMse(options: { readonly name?: string } = {}): SampleMetric {
  return { name: options.name ?? 'mse', scores: (p, t) => elementwise('sampleMse', p, t, (d) => d * d) };
}

/**
 * Per-sample absolute error, the mean of `|prediction − target|` over each sample's
 * elements; their mean is `metrics.mae()`.
 * @example
 * ```ts
 * import { sampleMae } from 'streamgrad/streams';
 * import { tensor } from 'streamgrad/ops';
 * sampleMae().scores(tensor([1, 2]), tensor([0, 4])); // [1, 2]
 * ```
 */
export function sampleMae(options: { readonly name?: string } = {}): SampleMetric {
  return { name: options.name ?? 'mae', scores: (p, t) => elementwise('sampleMae', p, t, Math.abs) };
}

function elementwise(where: string, prediction: Tensor, target: Tensor, term: (d: number) => number): Float64Array {
  const a = prediction.shape;
  const b = target.shape;
  if (a.length === 0 || a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new ShapeError(`${where}: expected prediction and target of the same shape [N, ...] (prediction [${a.join(',')}], target [${b.join(',')}])`);
  }
  const n = a[0];
  const per = n === 0 ? 0 : prediction.size / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = i * per; j < (i + 1) * per; j++) sum += term(prediction.data[j] - target.data[j]);
    out[i] = sum / per;
  }
  return out;
}

/** Reads `prequential`'s `metrics` option: names and `SampleMetric`s, with unique names other than `loss`. @internal */
export function createSampleMetrics(where: string, specs: readonly SampleMetricSpec[] = []): SampleMetric[] {
  if (!Array.isArray(specs)) throw new ArgumentError(`${where}: metrics must be an array, found ${typeof specs}`);
  const created = specs.map((spec, i): SampleMetric => {
    if (spec === 'accuracy') return sampleAccuracy();
    if (spec === 'mse') return sampleMse();
    if (spec === 'mae') return sampleMae();
    if (spec !== null && typeof spec === 'object' && typeof spec.name === 'string' && spec.name.length > 0 && typeof spec.scores === 'function') return spec;
    throw new ArgumentError(
      `${where}: metrics[${i}] ${typeof spec === 'string' ? JSON.stringify(spec) : typeof spec} is not a per-sample metric; ` +
        "use 'accuracy', 'mse', 'mae' or a SampleMetric { name, scores(prediction, target) } (a Metric from streamgrad/models keeps only sums and cannot be windowed)",
    );
  });
  const names = new Set<string>(['loss']);
  for (const metric of created) {
    if (names.has(metric.name) || metric.name.startsWith('$')) {
      throw new ArgumentError(`${where}: metric name "${metric.name}" is taken (names must be unique, not "loss", and not start with "$")`);
    }
    names.add(metric.name);
  }
  return created;
}
