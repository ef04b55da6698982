import type { OperatorFunction } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { type DriftDetector, type DriftEvent, type DriftSignal, checkRange, checkState, formatValue, detectDrift } from './drift.js';

/** Options of DDM. */
export interface DdmOptions {
  /** k of the warning test `p_i + s_i ≥ p_min + k·s_min`. @default 2 */
  warningLevel?: number;
  /** k of the drift test; must exceed `warningLevel`. @default 3 */
  driftLevel?: number;
  /** Values seen (since the start or the last drift) before the minimum is recorded and the tests run. @default 30 */
  minInstances?: number;
}

/** The JSON state of a `Ddm` detector. */
export interface DdmState {
  /** Values seen since the start or the last drift. */
  n: number;
  /** Their sum: the number of errors. */
  errors: number;
  /** p_min and s_min where p + s was lowest (`null` until recorded). */
  pMin: number | null;
  sMin: number | null;
}

/**
 * DDM, the drift detection method of Gama, Medas, Castillo & Rodrigues (2004), over a
 * stream of errors (1 when the model got an example wrong, 0 when right). The error rate
 * of a stable concept is a binomial proportion; with
 *
 * ```
 * p_i = errors / i,   s_i = sqrt(p_i·(1 − p_i) / i)
 * ```
 *
 * it records `p_min, s_min` where `p_i + s_i` was lowest (after `minInstances` values) and
 * signals a warning when `p_i + s_i ≥ p_min + warningLevel·s_min` and a drift when
 * `p_i + s_i ≥ p_min + driftLevel·s_min` (the paper's 2 and 3, a 95% and 99% level). After
 * a drift it starts afresh. Values in [0, 1] are accepted (a fraction of a batch wrong);
 * the binomial `s_i` is meant for 0/1.
 *
 * One deviation from the paper (and from River and MOA): the minimum is recorded only once
 * `s_i > 0`. A run with no error at all yet has `p = s = 0`, and the first error would
 * otherwise signal drift at once (for an error rate of 0.1 that is 4% of streams at i = 30).
 *
 * @example
 * ```ts
 * import { Ddm } from 'streamgrad/streams';
 * const ddm = new Ddm();
 * const signal = ddm.update(prediction === label ? 0 : 1); // null, { level: 'warning' } or { level: 'drift' }
 * ```
 */
export class Ddm implements DriftDetector<DdmState> {
  readonly kind = 'ddm';
  readonly warningLevel: number;
  readonly driftLevel: number;
  readonly minInstances: number;
  private s: DdmState = fresh();

  constructor(opts: DdmOptions = {}) {
    const { warningLevel = 2, driftLevel = 3, minInstances = 30 } = opts;
    checkRange('ddm', 'warningLevel', warningLevel, 0, Infinity, { lowOpen: true });
    checkRange('ddm', 'driftLevel', driftLevel, 0, Infinity, { lowOpen: true });
    if (!(driftLevel > warningLevel)) {
      throw new ArgumentError(`ddm: driftLevel must exceed warningLevel, found driftLevel ${driftLevel} and warningLevel ${warningLevel}`);
    }
    checkRange('ddm', 'minInstances', minInstances, 1, Infinity, { integer: true });
    this.warningLevel = warningLevel;
    this.driftLevel = driftLevel;
    this.minInstances = minInstances;
  }

  /** p_i, the error rate since the start or the last drift. */
  get errorRate(): number {
    return this.s.n === 0 ? 0 : this.s.errors / this.s.n;
  }

  update(x: number): DriftSignal | null {
    if (typeof x !== 'number' || !(x >= 0 && x <= 1)) {
      throw new ArgumentError(`ddm: expected an error indicator in [0, 1] (1 = wrong), found ${formatValue(x)}`);
    }
    const s = this.s;
    s.n += 1;
    s.errors += x;
    if (s.n < this.minInstances) return null;
    const p = s.errors / s.n;
    const sd = Math.sqrt((p * (1 - p)) / s.n);
    if (sd > 0 && (s.pMin === null || s.sMin === null || p + sd <= s.pMin + s.sMin)) {
      s.pMin = p;
      s.sMin = sd;
    }
    if (s.pMin === null || s.sMin === null) return null;
    const statistic = p + sd;
    const drift = s.pMin + this.driftLevel * s.sMin;
    if (statistic >= drift) {
      this.s = fresh();
      return { level: 'drift', statistic, threshold: drift };
    }
    const warning = s.pMin + this.warningLevel * s.sMin;
    if (statistic >= warning) return { level: 'warning', statistic, threshold: warning };
    return null;
  }

  state(): DdmState {
    return { ...this.s };
  }

  loadState(state: DdmState): void {
    const r = checkState('ddm', state, ['n', 'errors', 'pMin', 'sMin'], ['pMin', 'sMin']);
    checkRange('ddm.loadState', 'n', r.n, 0, Infinity, { integer: true });
    checkRange('ddm.loadState', 'errors', r.errors, 0, r.n as number);
    if ((r.pMin === null) !== (r.sMin === null)) {
      throw new ArgumentError(`ddm.loadState: pMin and sMin must both be numbers or both null, found ${formatValue(r.pMin)} and ${formatValue(r.sMin)}`);
    }
    this.s = { ...(r as unknown as DdmState) };
  }
}

function fresh(): DdmState {
  return { n: 0, errors: 0, pMin: null, sMin: null };
}

/**
 * DDM as an operator: 0/1 errors in, a `DriftEvent` out each time the drift test fires
 * (see `Ddm`; warnings are not emitted). Each subscription runs its own detector. A value
 * outside [0, 1] errors the stream.
 *
 * ```
 * source:  -0-0-1-0-…-1-1-0-1-…-|    error rate 0.1, then 0.5
 * ddm():   ----------…-------D-…-|    D = { type: 'drift', detector: 'ddm', position, statistic: p + s, threshold: p_min + 3·s_min }
 * ```
 *
 * @example
 * ```ts
 * import { ddm } from 'streamgrad/streams';
 * predictions$.pipe(map((p) => (p.correct ? 0 : 1)), ddm()).subscribe(() => retrain());
 * ```
 * @throws ArgumentError at creation for an invalid option.
 */
export function ddm(opts: DdmOptions = {}): OperatorFunction<number, DriftEvent> {
  new Ddm(opts); // validate now, not at subscription
  return detectDrift(() => new Ddm(opts));
}
