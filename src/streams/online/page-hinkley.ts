import type { OperatorFunction } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { type DriftDetector, type DriftEvent, type DriftSignal, checkRange, checkState, formatValue, detectDrift } from './drift.js';

/** Options of the Page-Hinkley test. */
export interface PageHinkleyOptions {
  /** Magnitude of change tolerated: subtracted from (or, for decreases, added to) each deviation. @default 0.005 */
  delta?: number;
  /** Detection threshold λ on `m_t − M_t`. @default 50 */
  lambda?: number;
  /** Fading factor α in (0, 1] applied to the cumulative sum before each step (1: no fading). @default 0.9999 */
  alpha?: number;
  /** Values seen (since the start or the last drift) before the test may fire. @default 30 */
  minInstances?: number;
  /**
   * Which change to detect: a rise of the mean (a loss getting worse), a fall, or either.
   * River's default is `'both'`; here `'increase'`, since a falling loss is no alarm.
   * @default 'increase'
   */
  direction?: 'increase' | 'decrease' | 'both';
}

/** The JSON state of a `PageHinkley` detector. */
export interface PageHinkleyState {
  /** Values seen since the start or the last drift. */
  n: number;
  /** Their running mean x̄_t. */
  mean: number;
  /** m_t for increases and its running minimum M_t (`null` before the first value). */
  sumIncrease: number;
  minIncrease: number | null;
  /** The mirrored sum for decreases and its running maximum. */
  sumDecrease: number;
  maxDecrease: number | null;
}

/**
 * The Page-Hinkley test (Page 1954), in the form of River and scikit-multiflow: with the
 * running mean `x̄_t` of the values so far,
 *
 * ```
 * m_t = α·m_{t−1} + (x_t − x̄_t − δ)       M_t = min(M_{t−1}, m_t)
 * drift at t  when  t ≥ minInstances  and  PH_t = m_t − M_t > λ
 * ```
 *
 * (for decreases, `m'_t = α·m'_{t−1} + (x_t − x̄_t + δ)` against its running maximum). After a
 * drift every statistic starts afresh. `statistic` reads `PH_t` after the last update.
 *
 * Worked example (δ = 0.1, α = 0.5, λ = 1.9, minInstances = 1), values 1, 1, 1, 3, 3:
 * x̄ = 1, 1, 1, 1.5, 1.8; m = −0.1, −0.15, −0.175, 1.3125, 1.75625; M = −0.1, −0.15, −0.175,
 * −0.175, −0.175; PH = 0, 0, 0, 1.4875, 1.93125 > 1.9, so it fires on the fifth value.
 *
 * @example
 * ```ts
 * import { PageHinkley } from 'streamgrad/streams';
 * const ph = new PageHinkley({ lambda: 20 });
 * for (const loss of losses) if (ph.update(loss)) console.log('drift');
 * ```
 */
export class PageHinkley implements DriftDetector<PageHinkleyState> {
  readonly kind = 'pageHinkley';
  readonly delta: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly minInstances: number;
  readonly direction: 'increase' | 'decrease' | 'both';
  private s: PageHinkleyState = fresh();

  constructor(opts: PageHinkleyOptions = {}) {
    const { delta = 0.005, lambda = 50, alpha = 1 - 0.0001, minInstances = 30, direction = 'increase' } = opts;
    checkRange('pageHinkley', 'delta', delta, 0, Infinity);
    checkRange('pageHinkley', 'lambda', lambda, 0, Infinity, { lowOpen: true });
    checkRange('pageHinkley', 'alpha', alpha, 0, 1, { lowOpen: true });
    checkRange('pageHinkley', 'minInstances', minInstances, 1, Infinity, { integer: true });
    if (direction !== 'increase' && direction !== 'decrease' && direction !== 'both') {
      throw new ArgumentError(`pageHinkley: direction must be 'increase', 'decrease' or 'both', found ${formatValue(direction)}`);
    }
    this.delta = delta;
    this.lambda = lambda;
    this.alpha = alpha;
    this.minInstances = minInstances;
    this.direction = direction;
  }

  /** `PH_t` after the last update (for `'both'`, the larger of the two sides); 0 before any value. */
  get statistic(): number {
    const s = this.s;
    const up = s.minIncrease === null ? 0 : s.sumIncrease - s.minIncrease;
    const down = s.maxDecrease === null ? 0 : s.maxDecrease - s.sumDecrease;
    if (this.direction === 'increase') return up;
    if (this.direction === 'decrease') return down;
    return Math.max(up, down);
  }

  update(x: number): DriftSignal | null {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ArgumentError(`pageHinkley: expected a finite number, found ${formatValue(x)}`);
    const s = this.s;
    s.n += 1;
    s.mean += (x - s.mean) / s.n;
    const deviation = x - s.mean;
    s.sumIncrease = this.alpha * s.sumIncrease + deviation - this.delta;
    s.minIncrease = Math.min(s.minIncrease ?? Infinity, s.sumIncrease);
    s.sumDecrease = this.alpha * s.sumDecrease + deviation + this.delta;
    s.maxDecrease = Math.max(s.maxDecrease ?? -Infinity, s.sumDecrease);
    if (s.n < this.minInstances) return null;
    const statistic = this.statistic;
    if (!(statistic > this.lambda)) return null;
    this.s = fresh();
    return { level: 'drift', statistic, threshold: this.lambda };
  }

  state(): PageHinkleyState {
    return { ...this.s };
  }

  loadState(state: PageHinkleyState): void {
    const r = checkState('pageHinkley', state, ['n', 'mean', 'sumIncrease', 'minIncrease', 'sumDecrease', 'maxDecrease'], [
      'minIncrease',
      'maxDecrease',
    ]);
    checkRange('pageHinkley.loadState', 'n', r.n, 0, Infinity, { integer: true });
    this.s = { ...(r as unknown as PageHinkleyState) };
  }
}

function fresh(): PageHinkleyState {
  return { n: 0, mean: 0, sumIncrease: 0, minIncrease: null, sumDecrease: 0, maxDecrease: null };
}

/**
 * The Page-Hinkley test as an operator: numbers in, a `DriftEvent` out each time the test
 * fires (see `PageHinkley` for the statistic). Each subscription runs its own detector.
 *
 * ```
 * source:          -0-0-0-0-5-5-5-|
 * pageHinkley(o):  ---------D-----|    o = { delta: 0, lambda: 3, alpha: 1, minInstances: 1 }
 *                                      D = { type: 'drift', detector: 'pageHinkley', position: 4, statistic: 4, threshold: 3 }
 * ```
 *
 * @example
 * ```ts
 * import { pageHinkley } from 'streamgrad/streams';
 * latencies$.pipe(pageHinkley({ delta: 0.5, lambda: 100 })).subscribe((d) => alert(d.position));
 * ```
 * @throws ArgumentError at creation for an invalid option; the stream errors on a non-finite value.
 */
export function pageHinkley(opts: PageHinkleyOptions = {}): OperatorFunction<number, DriftEvent> {
  new PageHinkley(opts); // validate now, not at subscription
  return detectDrift(() => new PageHinkley(opts));
}
