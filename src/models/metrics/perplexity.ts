import { ArgumentError, ShapeError, type Tensor } from '../../ops/index.js';
import { shapes } from './class-labels.js';
import { MeanMetric } from './mean-metric.js';
import { type MetricOptions, resolveName } from './metric.js';

/** Options of `perplexity`. */
export interface PerplexityOptions extends MetricOptions {
  /**
   * A target value that marks padding: those tokens are skipped, as with PyTorch's
   * `ignore_index`. @default none (every token counts)
   */
  ignoreIndex?: number;
}

/** exp of the mean per-token cross-entropy. See `perplexity`. */
export class Perplexity extends MeanMetric {
  protected readonly kind = 'perplexity';
  readonly ignoreIndex: number | undefined;

  constructor(options: PerplexityOptions = {}) {
    super(resolveName('perplexity', options, 'perplexity'));
    const ignoreIndex = options.ignoreIndex;
    if (ignoreIndex !== undefined && (typeof ignoreIndex !== 'number' || !Number.isInteger(ignoreIndex))) {
      throw new ArgumentError(`perplexity: ignoreIndex must be an integer, found ${String(ignoreIndex)}`);
    }
    this.ignoreIndex = ignoreIndex;
  }

  protected accumulate(logits: Tensor, target: Tensor): void {
    const shape = logits.shape;
    const lead = shape.slice(0, -1);
    if (shape.length < 2 || shape[shape.length - 1] === 0 || !sameDims(lead, target.shape)) {
      throw new ShapeError(
        `perplexity: expected logits [N, C] with target [N], or [N, T, C] with [N, T] ${shapes(logits, target, 'logits')}`,
      );
    }
    const numClasses = shape[shape.length - 1];
    const labels = target.data;
    // Check every label before adding anything, so a bad batch leaves the state as it was.
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (v === this.ignoreIndex) continue;
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new ArgumentError(
          `perplexity: target at position ${i} is ${v}, expected a class index in [0, ${numClasses})` +
            `${this.ignoreIndex === undefined ? '' : ` or ignoreIndex ${this.ignoreIndex}`} ${shapes(logits, target, 'logits')}`,
        );
      }
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === this.ignoreIndex) continue;
      this.sum += crossEntropy(logits.data, i * numClasses, numClasses, labels[i]);
      this.count += 1;
    }
  }

  /** `exp(sum / count)`: e to the mean cross-entropy per token; NaN before any token. */
  override result(): number {
    return Math.exp(super.result());
  }
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * `−log softmax(z)[label] = logSumExp(z) − z[label]` for the row `z = data[offset .. offset + n)`,
 * in float64, shifted by the row's maximum so large logits do not overflow.
 */
function crossEntropy(data: Float32Array, offset: number, n: number, label: number): number {
  let hi = -Infinity;
  for (let j = 0; j < n; j++) hi = Math.max(hi, data[offset + j]);
  if (hi === -Infinity || hi === Infinity || Number.isNaN(hi)) {
    // All −∞ (no class possible), a +∞ logit, or a NaN: the naive formula is as good as any.
    let total = 0;
    for (let j = 0; j < n; j++) total += Math.exp(data[offset + j]);
    return Math.log(total) - data[offset + label];
  }
  let total = 0;
  for (let j = 0; j < n; j++) total += Math.exp(data[offset + j] - hi);
  return hi + Math.log(total) - data[offset + label];
}

/**
 * Perplexity, `exp(mean cross-entropy per token)` = `exp(−(1/T)·Σ log softmax(zₜ)[yₜ])`, from
 * logits `[N, C]` with integer targets `[N]`, or `[N, T, C]` with `[N, T]` (any leading
 * dimensions, the classes last). The cross-entropy is computed in float64 with the
 * log-sum-exp shift, so large logits stay finite. Uniform logits over C classes give C; a
 * perfect model gives 1. NaN before any token. `ignoreIndex` skips padding tokens.
 *
 * @example
 * ```ts
 * import { metrics } from 'streamgrad/models';
 * import { zeros, tensor } from 'streamgrad/ops';
 * const ppl = metrics.perplexity();
 * ppl.update(zeros([2, 7, 100]), tensor([[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14]]));
 * ppl.result(); // 100: uniform over 100 classes
 * ```
 */
export function perplexity(options: PerplexityOptions = {}): Perplexity {
  return new Perplexity(options);
}
