/**
 * Error classes shared by every op. One class per kind of mistake, so callers can
 * `instanceof`-check them; every message names the op, what was expected and what was found.
 */

/** Shapes that do not fit together, e.g. `matmul: inner dimensions 3 and 4 differ ([2,3] x [4,5])`. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** An argument with the wrong value or type (non-finite size, negative stride, unknown option). */
export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

/** Formats a shape the way messages print it: `[8,3,32,32]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Throws an `ArgumentError` unless `value` is an integer `>= min`. */
export function assertInt(op: string, name: string, value: unknown, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min}, found ${String(value)}`);
  }
}

/** Throws an `ArgumentError` unless `value` is a finite number. */
export function assertFinite(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ArgumentError(`${op}: ${name} must be a finite number, found ${String(value)}`);
  }
}
