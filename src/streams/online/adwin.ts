import type { OperatorFunction } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { type DriftDetector, type DriftEvent, type DriftSignal, checkRange, checkState, formatValue, detectDrift } from './drift.js';

/** Options of ADWIN. */
export interface AdwinOptions {
  /** Confidence δ in (0, 1): a smaller δ means fewer false alarms and later detections. @default 0.002 */
  delta?: number;
  /** M, the most buckets kept of each size; memory and the cut points checked grow with it. @default 5 */
  maxBuckets?: number;
  /** Check for a cut every `clock` values (MOA and River check every 32). @default 32 */
  clock?: number;
  /** The fewest values each sub-window must hold to be compared. @default 5 */
  minSubWindow?: number;
  /**
   * Which cuts are signalled: any (the paper), or only those where the newer part's mean is
   * higher (`'increase'`: an error rate rising, not the falling error of a model that learns)
   * or lower. The window is cut either way, so its mean stays an estimate of the current
   * concept. @default 'both'
   */
  direction?: 'both' | 'increase' | 'decrease';
}

/** The JSON state of an `Adwin` detector: the exponential histogram, oldest row last. */
export interface AdwinState {
  /** Values in the window, W. */
  width: number;
  /** Their sum. */
  total: number;
  /** Their sum of squared deviations from the window mean, W·σ²_W. */
  variance: number;
  /** Values seen, for the clock. */
  time: number;
  /** Row i holds buckets of 2^i values, oldest first: each bucket's sum and sum of squared deviations. */
  rows: { totals: number[]; variances: number[] }[];
}

/**
 * ADWIN, adaptive windowing (Bifet & Gavaldà 2007, "Learning from time-changing data with
 * adaptive windowing", ADWIN2). It keeps a window W of the most recent values, as long as
 * no two parts of it disagree: whenever some split W = W₀·W₁ (W₀ older) has
 *
 * ```
 * |μ̂₀ − μ̂₁| > ε_cut = sqrt((2/m)·σ²_W·ln(2/δ')) + (2/(3m))·ln(2/δ'),
 * m = 1 / (1/n₀ + 1/n₁),   δ' = δ / ln W
 * ```
 *
 * the oldest values are dropped until no split does, and a drift is signalled. `σ²_W` is the
 * window's variance; the bound is the paper's Bernstein-type one, which holds for values in
 * [0, 1] (error indicators, accuracies): other ranges are accepted, and its second term then
 * reads them as if their range were 1.
 *
 * The window is an exponential histogram: at most M buckets of each size 1, 2, 4, ..., each
 * holding a count, a sum and a sum of squared deviations, so memory is O(M·log W) and each
 * check tries O(M·log W) split points (the bucket boundaries). Checks run every `clock`
 * values once W ≥ 2·minSubWindow. After a change ADWIN may cut at several consecutive checks
 * while it discards the old concept; each check that cuts is a signal. ADWIN cuts on a fall
 * as well as a rise: a model that is still learning has a falling error rate, so to watch
 * errors for drift use `direction: 'increase'`, which signals only rising means.
 *
 * @example
 * ```ts
 * import { Adwin } from 'streamgrad/streams';
 * const adwin = new Adwin({ delta: 0.002 });
 * for (const wrong of errors) if (adwin.update(wrong)) console.log('error rate now', adwin.mean);
 * ```
 */
export class Adwin implements DriftDetector<AdwinState> {
  readonly kind = 'adwin';
  readonly delta: number;
  readonly maxBuckets: number;
  readonly clock: number;
  readonly minSubWindow: number;
  readonly direction: 'both' | 'increase' | 'decrease';
  private w = 0;
  private total = 0;
  private sq = 0;
  private time = 0;
  private rows: { totals: number[]; variances: number[] }[] = [];

  constructor(opts: AdwinOptions = {}) {
    const { delta = 0.002, maxBuckets = 5, clock = 32, minSubWindow = 5, direction = 'both' } = opts;
    checkRange('adwin', 'delta', delta, 0, 1, { lowOpen: true, highOpen: true });
    checkRange('adwin', 'maxBuckets', maxBuckets, 2, Infinity, { integer: true });
    checkRange('adwin', 'clock', clock, 1, Infinity, { integer: true });
    checkRange('adwin', 'minSubWindow', minSubWindow, 1, Infinity, { integer: true });
    this.delta = delta;
    this.maxBuckets = maxBuckets;
    this.clock = clock;
    this.minSubWindow = minSubWindow;
    if (direction !== 'both' && direction !== 'increase' && direction !== 'decrease') {
      throw new ArgumentError(`adwin: direction must be 'both', 'increase' or 'decrease', found ${formatValue(direction)}`);
    }
    this.direction = direction;
  }

  /** W, the values in the window. */
  get width(): number {
    return this.w;
  }

  /** μ̂_W, the window's mean (0 when empty): the current estimate of the stream's mean. */
  get mean(): number {
    return this.w === 0 ? 0 : this.total / this.w;
  }

  /** σ²_W, the window's (population) variance. */
  get variance(): number {
    return this.w === 0 ? 0 : this.sq / this.w;
  }

  /** Buckets held, at most M + 1 per row: O(M·log W). */
  get buckets(): number {
    return this.rows.reduce((n, row) => n + row.totals.length, 0);
  }

  update(x: number): DriftSignal | null {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError(`adwin: expected a finite number, found ${formatValue(x)}`);
    this.insert(x);
    this.time += 1;
    if (this.time % this.clock !== 0 || this.w < 2 * this.minSubWindow) return null;
    return this.shrink();
  }

  /** Adds x as a new bucket of size 1 and merges rows that overflow. */
  private insert(x: number): void {
    if (this.w > 0) {
      const before = this.total / this.w;
      this.sq += (this.w / (this.w + 1)) * (x - before) ** 2;
    }
    this.w += 1;
    this.total += x;
    if (this.rows.length === 0) this.rows.push({ totals: [], variances: [] });
    this.rows[0].totals.push(x);
    this.rows[0].variances.push(0);
    for (let i = 0; i < this.rows.length && this.rows[i].totals.length > this.maxBuckets; i++) {
      const row = this.rows[i];
      const size = 2 ** i;
      const [t0, t1] = row.totals.splice(0, 2);
      const [v0, v1] = row.variances.splice(0, 2);
      // Two buckets of n values each: S = S₀ + S₁ + (n·n / 2n)·(μ₀ − μ₁)².
      const merged = v0 + v1 + (size / 2) * ((t0 - t1) / size) ** 2;
      if (i + 1 === this.rows.length) this.rows.push({ totals: [], variances: [] });
      this.rows[i + 1].totals.push(t0 + t1);
      this.rows[i + 1].variances.push(merged);
    }
  }

  /**
   * Drops the oldest buckets while some split of the window differs by more than ε_cut;
   * returns the first cut made in the direction signalled.
   */
  private shrink(): DriftSignal | null {
    let first: DriftSignal | null = null;
    for (;;) {
      const cut = this.findCut();
      if (cut === null) return first;
      const signalled = this.direction === 'both' || (this.direction === 'increase') === cut.rising;
      if (signalled) first ??= { level: 'drift', statistic: cut.statistic, threshold: cut.threshold };
      this.dropOldest();
    }
  }

  /** The first split (from the oldest end) whose means differ by more than ε_cut, or null. */
  private findCut(): { statistic: number; threshold: number; rising: boolean } | null {
    let n0 = 0;
    let s0 = 0;
    const logW = Math.log(this.w);
    const confidence = Math.log((2 * logW) / this.delta); // ln(2/δ'), δ' = δ / ln W
    const variance = this.variance;
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i];
      const size = 2 ** i;
      for (let k = 0; k < row.totals.length; k++) {
        n0 += size;
        s0 += row.totals[k];
        const n1 = this.w - n0;
        if (n1 < this.minSubWindow) return null;
        if (n0 < this.minSubWindow) continue;
        const difference = (this.total - s0) / n1 - s0 / n0; // newer minus older
        const inverseM = 1 / n0 + 1 / n1;
        const epsilon = Math.sqrt(2 * inverseM * variance * confidence) + (2 / 3) * inverseM * confidence;
        if (Math.abs(difference) > epsilon) return { statistic: Math.abs(difference), threshold: epsilon, rising: difference > 0 };
      }
    }
    return null;
  }

  /** Removes the oldest bucket, updating the window's sum and squared deviations. */
  private dropOldest(): void {
    const last = this.rows.length - 1;
    const row = this.rows[last];
    const size = 2 ** last;
    const t = row.totals.shift()!;
    const v = row.variances.shift()!;
    const rest = this.w - size;
    if (rest === 0) {
      this.w = 0;
      this.total = 0;
      this.sq = 0;
    } else {
      // S_W = S_b + S_rest + (n_b·n_rest / W)·(μ_b − μ_rest)²
      const meanRest = (this.total - t) / rest;
      this.sq = Math.max(0, this.sq - v - ((size * rest) / this.w) * (t / size - meanRest) ** 2);
      this.w = rest;
      this.total -= t;
    }
    while (this.rows.length > 0 && this.rows[this.rows.length - 1].totals.length === 0) this.rows.pop();
  }

  state(): AdwinState {
    return {
      width: this.w,
      total: this.total,
      variance: this.sq,
      time: this.time,
      rows: this.rows.map((r) => ({ totals: [...r.totals], variances: [...r.variances] })),
    };
  }

  loadState(state: AdwinState): void {
    const r = checkState('adwin', state, ['width', 'total', 'variance', 'time']);
    checkRange('adwin.loadState', 'width', r.width, 0, Infinity, { integer: true });
    checkRange('adwin.loadState', 'time', r.time, 0, Infinity, { integer: true });
    const rows = r.rows;
    if (!Array.isArray(rows)) throw new ArgumentError(`adwin.loadState: rows must be an array, found ${formatValue(rows)}`);
    let count = 0;
    rows.forEach((row: unknown, i) => {
      const ok =
        typeof row === 'object' &&
        row !== null &&
        Array.isArray((row as AdwinState['rows'][number]).totals) &&
        Array.isArray((row as AdwinState['rows'][number]).variances);
      const { totals, variances } = row as AdwinState['rows'][number];
      if (!ok || totals.length !== variances.length || totals.length > this.maxBuckets) {
        throw new ArgumentError(
          `adwin.loadState: rows[${i}] must be { totals, variances } of equal length <= maxBuckets ${this.maxBuckets}, found ${formatValue(row)}`,
        );
      }
      if (![...totals, ...variances].every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new ArgumentError(`adwin.loadState: rows[${i}] must hold finite numbers, found ${formatValue(row)}`);
      }
      count += totals.length * 2 ** i;
    });
    if (count !== r.width) {
      throw new ArgumentError(`adwin.loadState: the buckets hold ${count} values but width is ${String(r.width)}`);
    }
    this.w = r.width as number;
    this.total = r.total as number;
    this.sq = r.variance as number;
    this.time = r.time as number;
    this.rows = (rows as AdwinState['rows']).map((row) => ({ totals: [...row.totals], variances: [...row.variances] }));
  }
}

/**
 * ADWIN as an operator: numbers in (best in [0, 1], such as 0/1 errors), a `DriftEvent`
 * out each time the window is cut (see `Adwin`). Each subscription runs its own detector.
 *
 * ```
 * source:        -0-0-1-0-0-…-1-1-1-1-…-|    error rate 0.1, then 0.5
 * adwin():       -------------…-----D-…-|    D = { type: 'drift', detector: 'adwin', position, statistic: |μ̂₀ − μ̂₁|, threshold: ε_cut }
 * ```
 *
 * @example
 * ```ts
 * import { adwin } from 'streamgrad/streams';
 * errors$.pipe(adwin({ delta: 0.002 })).subscribe((d) => console.log('drift at', d.position));
 * ```
 * @throws ArgumentError at creation for an invalid option; the stream errors on a non-finite value.
 */
export function adwin(opts: AdwinOptions = {}): OperatorFunction<number, DriftEvent> {
  new Adwin(opts); // validate now, not at subscription
  return detectDrift(() => new Adwin(opts));
}
