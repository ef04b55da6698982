import { ArgumentError, ShapeError, Tensor, add, div, full, mean, mul, sqrt, sub, variance } from '../../ops/index.js';
import { Layer } from '../layer.js';

/** Options of `batchNorm1d` and `batchNorm2d` (those of `torch.nn.BatchNorm1d/2d`). */
export interface BatchNormOptions {
  /** Added to the variance before the square root, for stability; a finite number `> 0`. @default 1e-5 */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics,
   * `running = (1 − momentum)·running + momentum·batch`, in [0, 1]. `null` gives the
   * cumulative average of all batches seen (`momentum = 1 / num_batches_tracked`), as
   * PyTorch's `momentum=None`. @default 0.1
   */
  momentum?: number | null;
  /** Learn a scale `weight` (γ, initially 1) and a shift `bias` (β, initially 0). @default true */
  affine?: boolean;
  /**
   * Keep running estimates of the mean and variance (buffers `running_mean`, `running_var`,
   * `num_batches_tracked`) and normalize with them in evaluation. With `false` there are no
   * buffers and batch statistics are used in both modes. @default true
   */
  trackRunningStats?: boolean;
}

/**
 * Batch normalization (Ioffe & Szegedy, 2015) over every axis but the channels (axis 1):
 * `y = (x − μ) / √(σ² + ε) · γ + β`, one μ, σ², γ, β per channel. The state dict matches
 * PyTorch's: `weight` (γ), `bias` (β), `running_mean`, `running_var`, `num_batches_tracked`
 * (a float scalar `[]` here, int64 in PyTorch).
 *
 * - Training: μ and σ² are the batch's (σ² biased, dividing by n), and the running statistics
 *   are updated with `running = (1 − momentum)·running + momentum·batch`, using the unbiased
 *   variance (dividing by n − 1) for `running_var`, as PyTorch does. n is the number of
 *   values per channel, N·L or N·H·W; n = 1 is an error.
 * - Evaluation: μ and σ² are `running_mean` and `running_var`.
 *
 * The forward is composed from `mean`, `variance`, `sub`, `div`, `sqrt`, `mul` and `add`, so
 * autograd gives the gradient, including the paths through the batch statistics.
 */
export abstract class BatchNorm extends Layer {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** γ, `[C]`, or `null` without `affine`. */
  weight: Tensor | null = null;
  /** β, `[C]`, or `null` without `affine`. */
  bias: Tensor | null = null;
  /** Buffers, or `null` without `trackRunningStats`. */
  runningMean: Tensor | null = null;
  runningVar: Tensor | null = null;
  numBatchesTracked: Tensor | null = null;

  /** @param name - the factory's name, for messages before the layer has a label. */
  constructor(name: string, readonly options: BatchNormOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ArgumentError(`${name}: options must be an object, found ${String(options)}`);
    }
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.affine = options.affine ?? true;
    this.trackRunningStats = options.trackRunningStats ?? true;
    if (typeof this.eps !== 'number' || !Number.isFinite(this.eps) || this.eps <= 0) {
      throw new ArgumentError(`${name}: eps must be a finite number > 0, found ${String(this.eps)}`);
    }
    if (this.momentum !== null && (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1))) {
      throw new ArgumentError(`${name}: momentum must be a number in [0, 1] or null, found ${String(this.momentum)}`);
    }
    if (typeof this.affine !== 'boolean') {
      throw new ArgumentError(`${name}: affine must be a boolean, found ${String(this.affine)}`);
    }
    if (typeof this.trackRunningStats !== 'boolean') {
      throw new ArgumentError(`${name}: trackRunningStats must be a boolean, found ${String(this.trackRunningStats)}`);
    }
  }

  /** Throws unless the input shape (without batch) has a rank this layer normalizes. */
  protected abstract checkRank(inputShape: readonly number[]): void;

  protected setup(inputShape: number[]): number[] {
    this.checkRank(inputShape);
    const channels = inputShape[0];
    if (this.affine) {
      this.weight = this.registerParameter('weight', full([channels], 1));
      this.bias = this.registerParameter('bias', full([channels], 0));
    }
    if (this.trackRunningStats) {
      this.runningMean = this.registerBuffer('running_mean', full([channels], 0));
      this.runningVar = this.registerBuffer('running_var', full([channels], 1));
      this.numBatchesTracked = this.registerBuffer('num_batches_tracked', full([], 0));
    }
    return inputShape;
  }

  protected call(x: Tensor): Tensor {
    const channels = x.shape[1];
    // Parameters [C] viewed as [C, 1, ..., 1] broadcast over the axes after the channels.
    const perChannel = [channels, ...x.shape.slice(2).map(() => 1)];
    let mu: Tensor;
    let sigma2: Tensor;
    if (this.training || !this.trackRunningStats) {
      const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
      const count = x.size / channels;
      if (count <= 1) {
        throw new ShapeError(
          `${this.label}: expected more than 1 value per channel when training, found input [${x.shape.join(',')}]`,
        );
      }
      mu = mean(x, axes, true);
      sigma2 = variance(x, axes, true, { correction: 0 });
      if (this.training && this.trackRunningStats) this.updateRunningStats(mu.data, sigma2.data, count);
    } else {
      mu = this.runningMean!.reshape(perChannel);
      sigma2 = this.runningVar!.reshape(perChannel);
    }
    const normalized = div(sub(x, mu), sqrt(add(sigma2, this.eps)));
    if (!this.affine) return normalized;
    return add(mul(normalized, this.weight!.reshape(perChannel)), this.bias!.reshape(perChannel));
  }

  /** `running = (1 − f)·running + f·batch` in place, f = momentum (or 1/batches for `null`). */
  private updateRunningStats(batchMean: Float32Array, batchVar: Float32Array, count: number): void {
    const tracked = this.numBatchesTracked!.data;
    tracked[0] += 1;
    const f = this.momentum ?? 1 / tracked[0];
    const unbiased = count / (count - 1);
    const runningMean = this.runningMean!.data;
    const runningVar = this.runningVar!.data;
    for (let c = 0; c < runningMean.length; c++) {
      runningMean[c] = (1 - f) * runningMean[c] + f * batchMean[c];
      runningVar[c] = (1 - f) * runningVar[c] + f * batchVar[c] * unbiased;
    }
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }
}

/** Batch normalization of `[N, F]` features or `[N, C, L]` sequences, per feature/channel. */
export class BatchNorm1d extends BatchNorm {
  readonly kind = 'batchNorm1d';

  constructor(options: BatchNormOptions = {}) {
    super('batchNorm1d', options);
  }

  protected checkRank(inputShape: readonly number[]): void {
    if (inputShape.length !== 1 && inputShape.length !== 2) {
      throw new ShapeError(`${this.label}: expected input [N, C] or [N, C, L], found [N,${inputShape.join(',')}]`);
    }
  }
}

/** Batch normalization of `[N, C, H, W]` images, one mean and variance per channel. */
export class BatchNorm2d extends BatchNorm {
  readonly kind = 'batchNorm2d';

  constructor(options: BatchNormOptions = {}) {
    super('batchNorm2d', options);
  }

  protected checkRank(inputShape: readonly number[]): void {
    if (inputShape.length !== 3) {
      const hint = inputShape.length <= 2 ? ' (use batchNorm1d for [N, C] or [N, C, L])' : '';
      throw new ShapeError(`${this.label}: expected input [N, C, H, W], found [N,${inputShape.join(',')}]${hint}`);
    }
  }
}

/**
 * A batch normalization layer for `[N, F]` or `[N, C, L]` inputs (`torch.nn.BatchNorm1d`),
 * `y = (x − μ) / √(σ² + ε) · γ + β` per feature; see `BatchNorm` for the statistics it uses
 * in training and evaluation.
 *
 * @example
 * ```ts
 * import { sequential, dense, batchNorm1d, relu } from 'streamgrad/models';
 * const net = sequential([dense(64, { useBias: false }), batchNorm1d(), relu()], { inputShape: [20] });
 * Object.keys(net.stateDict()); // ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']
 * ```
 */
export function batchNorm1d(options: BatchNormOptions = {}): BatchNorm1d {
  return new BatchNorm1d(options);
}

/**
 * A batch normalization layer for `[N, C, H, W]` images (`torch.nn.BatchNorm2d`, CS231n's
 * "spatial batchnorm"): one μ, σ², γ, β per channel, statistics over N, H and W.
 *
 * @example
 * ```ts
 * import { sequential, conv2d, batchNorm2d, relu } from 'streamgrad/models';
 * const net = sequential([conv2d({ filters: 16, kernelSize: 3, padding: 1 }), batchNorm2d(), relu()], {
 *   inputShape: [3, 32, 32],
 * });
 * net.eval(); // normalize with running_mean and running_var
 * ```
 */
export function batchNorm2d(options: BatchNormOptions = {}): BatchNorm2d {
  return new BatchNorm2d(options);
}
