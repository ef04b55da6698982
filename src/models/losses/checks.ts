/**
 * Argument checks shared by the losses. Every message names the loss, what was expected and
 * what was found, e.g. `mse: pred [2,3] and target [3] must have the same shape`.
 */
import { ArgumentError, ShapeError, Tensor } from '../../ops/index.js';

/** Formats a shape the way messages print it: `[8,10]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array (wrap it with tensor(...))';
  return typeof value;
}

/** Throws an `ArgumentError` unless `value` is a `Tensor`. */
export function assertTensor(loss: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    throw new ArgumentError(`${loss}: ${name} must be a Tensor, found ${describe(value)}`);
  }
}

/** Throws an `ArgumentError` for a non-object options argument or an option name not in `known`. */
export function checkOptions(loss: string, opts: unknown, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ArgumentError(`${loss}: options must be an object, found ${describe(opts)}`);
  }
  for (const name of Object.keys(opts)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${loss}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
  }
}

/** Throws an `ArgumentError` unless `value` is a finite number `>= min` (or `> min` when `strict`). */
export function assertNumber(loss: string, name: string, value: unknown, min: number, strict = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (strict ? value > min : value >= min);
  if (!ok) {
    const bound = `${strict ? '>' : '>='} ${min}`;
    throw new ArgumentError(`${loss}: ${name} must be a finite number ${bound}, found ${String(value)}`);
  }
  return value;
}

/**
 * Checks that prediction and target have exactly the same shape. PyTorch only warns and
 * broadcasts (`[N, 1]` against `[N]` silently becomes `[N, N]`); we refuse.
 */
export function assertSameShape(loss: string, names: [string, string], a: Tensor, b: Tensor): void {
  const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new ShapeError(
      `${loss}: ${names[0]} ${fmtShape(a.shape)} and ${names[1]} ${fmtShape(b.shape)} must have the same shape ` +
        '(losses do not broadcast)',
    );
  }
}

/** The multi-index of flat position `p` in a row-major tensor of `shape`, printed `[i,j]`. */
export function position(p: number, shape: readonly number[]): string {
  const index: number[] = new Array<number>(shape.length);
  let rest = p;
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return `[${index.join(',')}]`;
}

/**
 * Class-index targets for `scores` of shape `[N, C, d1, ...]`: a tensor (or a plain array for
 * 1-D) of shape `[N, d1, ...]` holding whole numbers in `[0, C)`. Returns the indices as a
 * tensor; the error for a bad label names the sample and its value.
 *
 * @param scoresName - what the loss calls `scores` in messages (`logits`, `scores`).
 * @param alternative - other accepted target shapes, for the shape error's message.
 */
export function classIndices(
  loss: string,
  target: unknown,
  scores: Tensor,
  scoresName: string,
  alternative = '',
): Tensor {
  const labels = Array.isArray(target) ? new Tensor(Float32Array.from(target as number[]), [target.length]) : target;
  assertTensor(loss, 'target', labels);
  const expected = [scores.shape[0], ...scores.shape.slice(2)];
  const fits = labels.rank === expected.length && labels.shape.every((d, i) => d === expected[i]);
  if (!fits) {
    throw new ShapeError(
      `${loss}: class-index target must have shape ${fmtShape(expected)} ` +
        `for ${scoresName} ${fmtShape(scores.shape)}, ` +
        `${alternative}found ${fmtShape(labels.shape)}`,
    );
  }
  const classes = scores.shape[1];
  for (let p = 0; p < labels.size; p++) {
    const v = labels.data[p];
    if (Number.isInteger(v) && v >= 0 && v < classes) continue;
    const what = Number.isInteger(v) ? `is out of range [0, ${classes})` : 'is not an integer class index';
    throw new ArgumentError(
      `${loss}: target${position(p, labels.shape)} = ${v} ${what} (${scoresName} ${fmtShape(scores.shape)})`,
    );
  }
  return labels;
}
