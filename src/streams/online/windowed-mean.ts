/**
 * The window and fading-factor means `prequential` reports (Gama, Sebastião & Rodrigues 2013).
 * @packageDocumentation
 */
import { ArgumentError } from '../../ops/index.js';
import { CheckpointError, type MetricState } from '../../models/index.js';
import type { Logs } from '../train/events.js';

/** Options of `WindowedMean`. */
export interface WindowedMeanOptions {
  /** How many of the latest samples the sliding window holds. @default 1000 */
  readonly window?: number;
  /** Fading factor per sample, in (0, 1]; `1` makes the faded mean the running mean. @default 0.999 */
  readonly alpha?: number;
}

/**
 * Three means of a per-sample quantity (a 0/1 correctness, a loss), updated one sample at a
 * time in O(1) with memory bounded by `window`:
 *
 * - running: `Σᵢ vᵢ / t` over every sample so far;
 * - windowed: the mean of the last `min(t, window)` samples, from a ring buffer;
 * - faded: the prequential error with a fading factor α of Gama, Sebastião and Rodrigues
 *   (2013, "On evaluating stream learning algorithms"): `Sₜ = vₜ + α·Sₜ₋₁`,
 *   `Bₜ = 1 + α·Bₜ₋₁`, faded `= Sₜ / Bₜ`. Sample t−k weighs αᵏ; the weights add up to
 *   about `1 / (1 − α)` samples (1000 for α = 0.999), the faded twin of a window of that size.
 *
 * All three are NaN before the first sample. The window's sum is updated by adding the new
 * value and subtracting the evicted one; so that float64 round-off cannot pile up over an
 * unbounded stream it is recomputed from the buffer (oldest first) every `window` samples,
 * O(1) amortized. Non-finite values are counted apart, so a NaN or ±∞ counts while it is in
 * the window and stops counting once it leaves it (the running and faded means keep it).
 *
 * @example
 * ```ts
 * import { WindowedMean } from 'streamgrad/streams';
 * const acc = new WindowedMean('accuracy', { window: 3, alpha: 0.5 });
 * acc.pushAll([1, 0, 1, 1]);
 * acc.running();  // 3/4
 * acc.windowed(); // 2/3, the last three
 * acc.faded();    // (1 + 0.5 + 0 + 0.125) / (1 + 0.5 + 0.25 + 0.125) = 13/15
 * acc.logs();     // { accuracy: 0.75, window_accuracy: 0.667, faded_accuracy: 0.867 }
 * ```
 */
export class WindowedMean {
  readonly window: number;
  readonly alpha: number;
  private readonly ring: Float64Array;
  /** Where the next value goes; the oldest value once the ring is full. */
  private head = 0;
  private filled = 0;
  private seen = 0;
  private runningSum = 0;
  /** Sum of the finite values in the window. */
  private windowSum = 0;
  private nan = 0;
  private positiveInfinite = 0;
  private negativeInfinite = 0;
  private sinceRecompute = 0;
  private fadedSum = 0;
  private fadedWeight = 0;

  /**
   * @param name - the log key (`accuracy`, `loss`); `logs()` adds `window_` and `faded_` forms.
   */
  constructor(
    readonly name: string,
    options: WindowedMeanOptions = {},
  ) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ArgumentError(`WindowedMean: name must be a non-empty string, found ${JSON.stringify(name)}`);
    }
    const { window = 1000, alpha = 0.999 } = options;
    checkWindowOptions('WindowedMean', window, alpha);
    this.window = window;
    this.alpha = alpha;
    this.ring = new Float64Array(window);
  }

  /** Samples seen since construction or the last `reset`. */
  get count(): number {
    return this.seen;
  }

  /** Folds in one sample's value (`-0` is taken as `+0`, so `state()` survives JSON exactly). */
  push(sample: number): void {
    const value = sample + 0;
    this.seen += 1;
    this.runningSum += value;
    this.fadedSum = value + this.alpha * this.fadedSum;
    this.fadedWeight = 1 + this.alpha * this.fadedWeight;
    if (this.filled === this.window) this.leave(this.ring[this.head]);
    else this.filled += 1;
    this.ring[this.head] = value;
    this.enter(value);
    this.head = (this.head + 1) % this.window;
    this.sinceRecompute += 1;
    if (this.sinceRecompute === this.window) this.recompute();
  }

  /** Folds in several samples' values, in order. */
  pushAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.push(values[i]);
  }

  /** Mean over every sample seen. */
  running(): number {
    return this.seen === 0 ? NaN : this.runningSum / this.seen;
  }

  /** Mean over the last `min(count, window)` samples. */
  windowed(): number {
    if (this.filled === 0 || this.nan > 0 || (this.positiveInfinite > 0 && this.negativeInfinite > 0)) return NaN;
    if (this.positiveInfinite > 0) return Infinity;
    if (this.negativeInfinite > 0) return -Infinity;
    return this.windowSum / this.filled;
  }

  /** Exponentially faded mean `Sₜ / Bₜ` (Gama et al. 2013). */
  faded(): number {
    return this.seen === 0 ? NaN : this.fadedSum / this.fadedWeight;
  }

  /** `{ name: running, window_name: windowed, faded_name: faded }`. */
  logs(): Logs {
    return { [this.name]: this.running(), [`window_${this.name}`]: this.windowed(), [`faded_${this.name}`]: this.faded() };
  }

  /** Back to the empty state. */
  reset(): void {
    this.head = 0;
    this.filled = 0;
    this.seen = 0;
    this.runningSum = 0;
    this.windowSum = 0;
    this.nan = 0;
    this.positiveInfinite = 0;
    this.negativeInfinite = 0;
    this.sinceRecompute = 0;
    this.fadedSum = 0;
    this.fadedWeight = 0;
  }

  /**
   * Everything accumulated, as JSON numbers (the window oldest first, at most `window` of
   * them): a tracker loaded with it continues bit for bit as this one would.
   */
  state(): MetricState {
    return {
      seen: this.seen,
      runningSum: this.runningSum,
      fadedSum: this.fadedSum,
      fadedWeight: this.fadedWeight,
      windowSum: this.windowSum,
      sinceRecompute: this.sinceRecompute,
      values: this.chronological(),
    };
  }

  /** Restores a `state()`; a malformed state, or one saved with another window, throws a `CheckpointError` before anything changes. */
  loadState(state: MetricState): void {
    const where = `WindowedMean "${this.name}"`;
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      throw new CheckpointError(`${where}: expected a state object, found ${JSON.stringify(state)}`);
    }
    const expected = ['seen', 'runningSum', 'fadedSum', 'fadedWeight', 'windowSum', 'sinceRecompute', 'values'];
    const found = Object.keys(state);
    if (found.length !== expected.length || !expected.every((k) => found.includes(k))) {
      throw new CheckpointError(`${where}: expected state keys {${expected.join(', ')}}, found {${found.join(', ')}}`);
    }
    const { seen, sinceRecompute, values } = state;
    if (typeof seen !== 'number' || !Number.isInteger(seen) || seen < 0) {
      throw new CheckpointError(`${where}: state.seen must be an integer >= 0, found ${JSON.stringify(seen)}`);
    }
    for (const key of ['runningSum', 'fadedSum', 'fadedWeight', 'windowSum']) {
      if (typeof state[key] !== 'number') throw new CheckpointError(`${where}: state.${key} must be a number, found ${JSON.stringify(state[key])}`);
    }
    if (typeof sinceRecompute !== 'number' || !Number.isInteger(sinceRecompute) || sinceRecompute < 0 || sinceRecompute >= this.window) {
      throw new CheckpointError(`${where}: state.sinceRecompute must be an integer in [0, ${this.window}), found ${JSON.stringify(sinceRecompute)}`);
    }
    const filled = Math.min(seen, this.window);
    if (!Array.isArray(values) || values.length !== filled || !values.every((v) => typeof v === 'number')) {
      const length = Array.isArray(values) ? `${values.length} values` : JSON.stringify(values);
      throw new CheckpointError(
        `${where}: state.values must hold the last min(seen, window) = ${filled} numbers for window ${this.window}, found ${length}` +
          (Array.isArray(values) && values.length > this.window ? ' (saved with a larger window?)' : ''),
      );
    }
    this.reset();
    this.ring.set(values);
    this.filled = filled;
    this.head = filled % this.window;
    for (const v of values) this.enter(v);
    this.seen = seen;
    this.runningSum = state.runningSum as number;
    this.fadedSum = state.fadedSum as number;
    this.fadedWeight = state.fadedWeight as number;
    this.windowSum = state.windowSum as number;
    this.sinceRecompute = sinceRecompute;
  }

  private enter(value: number): void {
    if (Number.isFinite(value)) this.windowSum += value;
    else if (Number.isNaN(value)) this.nan += 1;
    else if (value > 0) this.positiveInfinite += 1;
    else this.negativeInfinite += 1;
  }

  private leave(value: number): void {
    if (Number.isFinite(value)) this.windowSum -= value;
    else if (Number.isNaN(value)) this.nan -= 1;
    else if (value > 0) this.positiveInfinite -= 1;
    else this.negativeInfinite -= 1;
  }

  /** The window's sum afresh, oldest first (the same order after `loadState`, so resumes stay exact). */
  private recompute(): void {
    let sum = 0;
    const start = this.filled === this.window ? this.head : 0;
    for (let i = 0; i < this.filled; i++) {
      const v = this.ring[(start + i) % this.window];
      if (Number.isFinite(v)) sum += v;
    }
    this.windowSum = sum;
    this.sinceRecompute = 0;
  }

  private chronological(): number[] {
    const start = this.filled === this.window ? this.head : 0;
    return Array.from({ length: this.filled }, (_, i) => this.ring[(start + i) % this.window]);
  }
}

/** Throws an `ArgumentError` naming `where` unless `window` is an integer >= 1 and `alpha` is in (0, 1]. @internal */
export function checkWindowOptions(where: string, window: unknown, alpha: unknown): void {
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1) {
    throw new ArgumentError(`${where}: window must be an integer >= 1 (samples), found ${String(window)}`);
  }
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) {
    throw new ArgumentError(`${where}: alpha must be a fading factor in (0, 1], found ${String(alpha)}`);
  }
}

