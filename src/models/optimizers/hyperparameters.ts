import { ArgumentError } from '../../ops/index.js';

/** An update rule's hyperparameters other than `lr`: plain numbers and booleans, JSON-able. */
export type Hyperparameters = Record<string, number | boolean>;

/**
 * Reads an options object: rejects a non-object and unknown names, checks each value's type
 * against its default, and returns `lr` and the hyperparameters with defaults filled in.
 * `lr` has no default when `defaultLr` is `undefined` (SGD).
 */
export function readOptions<H extends Hyperparameters>(
  kind: string,
  options: unknown,
  defaultLr: number | undefined,
  defaults: H,
): { lr: unknown; hyper: H } {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${kind}: options must be an object, found ${String(options)}`);
  }
  const given = options as Record<string, unknown>;
  const known = ['lr', ...Object.keys(defaults)];
  const hyper = { ...defaults } as Record<string, number | boolean>;
  for (const [name, value] of Object.entries(given)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${kind}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
    if (value === undefined || name === 'lr') continue;
    if (typeof value !== typeof defaults[name]) {
      throw new ArgumentError(`${kind}: ${name} must be a ${typeof defaults[name]}, found ${String(value)}`);
    }
    hyper[name] = value as number | boolean;
  }
  return { lr: given.lr ?? defaultLr, hyper: hyper as H };
}

/** Adds `name must be a finite number >= min, found v` to `problems` unless it holds. */
export function requireAtLeast(problems: string[], name: string, value: number, min = 0): void {
  if (!Number.isFinite(value) || value < min) problems.push(`${name} must be a finite number >= ${min}, found ${value}`);
}

/** Adds a problem unless `value` lies in `[0, 1)` (or `[0, 1]` with `closed`). */
export function requireUnit(problems: string[], name: string, value: number, closed = false): void {
  const ok = Number.isFinite(value) && value >= 0 && (closed ? value <= 1 : value < 1);
  if (!ok) problems.push(`${name} must be in [0, 1${closed ? ']' : ')'}, found ${value}`);
}

/** `lr must be a finite number >= 0, found v` unless it is one; otherwise no problem. */
export function checkLr(lr: unknown): string[] {
  return typeof lr === 'number' && Number.isFinite(lr) && lr >= 0 ? [] : [`lr must be a finite number >= 0, found ${String(lr)}`];
}
