import { ArgumentError, ShapeError, type Tensor } from '../../ops/index.js';
import { fmtShape } from '../../ops/errors.js';

/**
 * Reads a transform's options object: `undefined` means all defaults; anything else must be
 * a plain object whose keys are all in `known` (a misspelt `{ paddin: 4 }` is an error, not a
 * silent default).
 */
export function readOptions(transform: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${transform}: options must be an object, found ${String(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${transform}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** The `[C, H, W]` dimensions of an image sample; a `ShapeError` naming the transform otherwise. */
export function imageDims(transform: string, x: Tensor): [number, number, number] {
  if (x.rank !== 3) {
    throw new ShapeError(`${transform}: expected an image x of shape [C, H, W] (rank 3), found ${fmtShape(x.shape)}`);
  }
  return [x.shape[0], x.shape[1], x.shape[2]];
}
