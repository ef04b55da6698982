import { ArgumentError } from '../ops/index.js';
import { checkNumber } from './monitor.js';

/**
 * Ready-made learning-rate schedules: pure functions of the epoch or step `t` (0-based), to
 * pass to `lrSchedule` (which also passes the current rate; these ignore it).
 */
export type Schedule = (t: number) => number;

/** Options of `stepDecay`. */
export interface StepDecayOptions {
  /** The rate for `t < every`. */
  readonly initialLr: number;
  /** What the rate is multiplied by every `every` epochs or steps. @default 0.5 */
  readonly factor?: number;
  /** Epochs (or steps) between drops, an integer >= 1. */
  readonly every: number;
}

/**
 * Step decay: `initialLr · factor^⌊t / every⌋`, the rate dropping by `factor` every `every`
 * epochs (or steps).
 *
 * @example
 * ```ts
 * import { lrSchedule, stepDecay } from 'streamgrad/callbacks';
 * const schedule = stepDecay({ initialLr: 0.1, factor: 0.5, every: 10 });
 * schedule(9);  // 0.1
 * schedule(10); // 0.05
 * schedule(25); // 0.025
 * lrSchedule(schedule); // per epoch
 * ```
 */
export function stepDecay(options: StepDecayOptions): Schedule {
  const caller = 'stepDecay';
  const { initialLr, factor = 0.5, every } = options;
  checkNumber(caller, 'initialLr', initialLr, 0);
  checkNumber(caller, 'factor', factor, 0);
  checkNumber(caller, 'every', every, 1, true);
  return (t) => initialLr * factor ** Math.floor(t / every);
}

/** Options of `exponentialDecay`. */
export interface ExponentialDecayOptions {
  /** The rate at `t = 0`. */
  readonly initialLr: number;
  /** The factor applied over each `decaySteps`, > 0 (below 1 to decay). */
  readonly decayRate: number;
  /** The number of epochs or steps over which the rate is multiplied by `decayRate`, > 0. */
  readonly decaySteps: number;
  /** Decay in whole stages (`⌊t / decaySteps⌋`) rather than smoothly. @default false */
  readonly staircase?: boolean;
}

/**
 * Exponential decay as TensorFlow/Keras' `ExponentialDecay`:
 * `initialLr · decayRate^(t / decaySteps)`, with the exponent floored when `staircase`.
 *
 * @example
 * ```ts
 * import { lrSchedule, exponentialDecay } from 'streamgrad/callbacks';
 * const smooth = exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 10 });
 * smooth(5);  // 0.1 · 0.5^0.5 = 0.0707106...
 * smooth(20); // 0.025
 * const stairs = exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 10, staircase: true });
 * stairs(15); // 0.05
 * lrSchedule(smooth, { per: 'step' });
 * ```
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const caller = 'exponentialDecay';
  const { initialLr, decayRate, decaySteps, staircase = false } = options;
  checkNumber(caller, 'initialLr', initialLr, 0);
  checkPositive(caller, 'decayRate', decayRate);
  checkPositive(caller, 'decaySteps', decaySteps);
  if (typeof staircase !== 'boolean') throw new ArgumentError(`${caller}: staircase must be a boolean, found ${String(staircase)}`);
  return (t) => {
    const exponent = staircase ? Math.floor(t / decaySteps) : t / decaySteps;
    return initialLr * decayRate ** exponent;
  };
}

/** Options of `cosineDecay`. */
export interface CosineDecayOptions {
  /** The rate at `t = 0` (where the warmup starts, when there is one). */
  readonly initialLr: number;
  /** The length of the cosine decay (after the warmup), > 0. */
  readonly decaySteps: number;
  /** The final rate as a fraction of the rate the decay starts from, in [0, 1]. @default 0 */
  readonly alpha?: number;
  /** The length of the linear warmup, an integer >= 0; needs `warmupTarget` when > 0. @default 0 */
  readonly warmupSteps?: number;
  /** The rate reached at the end of the warmup, where the cosine decay starts. */
  readonly warmupTarget?: number;
}

/**
 * Cosine decay with an optional linear warmup, as Keras' `CosineDecay` (Loshchilov & Hutter,
 * SGDR, 2017). Without warmup: `initialLr · ((1 − alpha) · ½(1 + cos(π · min(t, decaySteps) / decaySteps)) + alpha)`.
 * With `warmupSteps` `w` and `warmupTarget` `T`: for `t < w` the rate goes linearly from
 * `initialLr` to `T` (`initialLr + (T − initialLr) · t / w`); from `t = w` it is the cosine decay
 * above started from `T` at `t − w`; after `w + decaySteps` it stays at `alpha · T`.
 *
 * Unlike Keras, which ignores `warmupSteps` when `warmupTarget` is not given, a warmup without
 * a target is an error.
 *
 * @example
 * ```ts
 * import { lrSchedule, cosineDecay } from 'streamgrad/callbacks';
 * const plain = cosineDecay({ initialLr: 0.1, decaySteps: 100 });
 * plain(50);  // 0.05
 * plain(100); // 0, and 0 after
 * const warm = cosineDecay({ initialLr: 0, warmupSteps: 10, warmupTarget: 0.1, decaySteps: 100, alpha: 0.1 });
 * warm(5);   // 0.05 (warming up)
 * warm(10);  // 0.1
 * warm(60);  // 0.1 · (0.9 · 0.5 + 0.1) = 0.055
 * warm(500); // 0.01
 * lrSchedule(warm, { per: 'step' });
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const caller = 'cosineDecay';
  const { initialLr, decaySteps, alpha = 0, warmupSteps = 0, warmupTarget } = options;
  checkNumber(caller, 'initialLr', initialLr, 0);
  checkPositive(caller, 'decaySteps', decaySteps);
  checkNumber(caller, 'alpha', alpha, 0);
  if (alpha > 1) throw new ArgumentError(`${caller}: alpha must be in [0, 1], found ${alpha}`);
  checkNumber(caller, 'warmupSteps', warmupSteps, 0, true);
  if (warmupTarget !== undefined) checkNumber(caller, 'warmupTarget', warmupTarget, 0);
  if (warmupSteps > 0 && warmupTarget === undefined) {
    throw new ArgumentError(
      `${caller}: warmupSteps ${warmupSteps} needs warmupTarget, the rate the linear warmup from initialLr reaches`,
    );
  }
  const decay = (t: number, from: number): number => {
    const cosine = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, decaySteps)) / decaySteps));
    return from * ((1 - alpha) * cosine + alpha);
  };
  return (t) => {
    if (warmupTarget === undefined) return decay(t, initialLr);
    if (t < warmupSteps) return initialLr + ((warmupTarget - initialLr) * t) / warmupSteps;
    return decay(t - warmupSteps, warmupTarget);
  };
}

function checkPositive(caller: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(`${caller}: ${name} must be a finite number > 0, found ${String(value)}`);
  }
}
