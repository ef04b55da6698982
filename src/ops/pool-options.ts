import { convOutputSize, pair } from './conv-output-size.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';

/** Options of `maxPool2d` and `avgPool2d`. Sizes are a number (both dimensions) or `[h, w]`. */
export interface Pool2dOptions {
  /** Window size F. */
  kernelSize: number | readonly [number, number];
  /** Step between windows S. @default kernelSize */
  stride?: number | readonly [number, number];
  /** Implicit padding P on each side, at most half the kernel. @default 0 */
  padding?: number | readonly [number, number];
}

/** Everything a pooling kernel needs to know about one call, resolved and checked. */
export interface Pool2dGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly outHeight: number;
  readonly outWidth: number;
}

/** Throws a `ShapeError` unless `shape` is `[N, C, H, W]`. */
export function assertNchw(op: string, shape: readonly number[]): void {
  if (shape.length !== 4) {
    throw new ShapeError(`${op}: expected input of rank 4 [N,C,H,W], found shape ${fmtShape(shape)}`);
  }
}

/** Throws an `ArgumentError` naming the first key of `opts` not in `known`. */
export function assertKnownOptions(op: string, opts: object, known: readonly string[], shape: readonly number[]): void {
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) {
      throw new ArgumentError(
        `${op}: unknown option ${key} (expected ${known.join(', ')}), input ${fmtShape(shape)}`,
      );
    }
  }
}

/** Runs `check`, appending the input shape to the message of any error it throws (same class). */
export function withInputShape<T>(shape: readonly number[], check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`${e.message}; input ${fmtShape(shape)}`);
    if (e instanceof ArgumentError) throw new ArgumentError(`${e.message}; input ${fmtShape(shape)}`);
    throw e;
  }
}

/**
 * Resolves and checks a pooling call on an input of `shape`: rank 4, integer kernel ≥ 1,
 * stride ≥ 1, padding ≥ 0 and at most half the kernel (PyTorch's rule, so every window
 * holds a real input), and an output size `(W − F + 2P)/S + 1` that is a whole number ≥ 1.
 *
 * @param known - the option names `op` accepts; any other key is an error, so a
 *   misspelt or unsupported option (`ceilMode`, `dilation`) is never silently ignored.
 */
export function pool2dGeometry(
  op: string,
  shape: readonly number[],
  opts: Pool2dOptions,
  known: readonly string[] = ['kernelSize', 'stride', 'padding'],
): Pool2dGeometry {
  assertNchw(op, shape);
  if (typeof opts !== 'object' || opts === null || opts.kernelSize === undefined) {
    throw new ArgumentError(`${op}: options.kernelSize is required, input ${fmtShape(shape)}`);
  }
  assertKnownOptions(op, opts, known, shape);
  const [batch, channels, inHeight, inWidth] = shape;
  return withInputShape(shape, () => {
    const kernel = pair(op, 'kernelSize', opts.kernelSize, 1);
    const stride = pair(op, 'stride', opts.stride ?? kernel, 1);
    const padding = pair(op, 'padding', opts.padding ?? 0, 0);
    if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
      throw new ArgumentError(
        `${op}: padding ${fmtShape(padding)} must be at most half of kernelSize ${fmtShape(kernel)} ` +
          '(as in PyTorch: a window of padding only has no input to pool)',
      );
    }
    const outHeight = convOutputSize(op, 'height', {
      size: inHeight,
      kernel: kernel[0],
      stride: stride[0],
      padding: padding[0],
    });
    const outWidth = convOutputSize(op, 'width', {
      size: inWidth,
      kernel: kernel[1],
      stride: stride[1],
      padding: padding[1],
    });
    return { batch, channels, inHeight, inWidth, kernel, stride, padding, outHeight, outWidth };
  });
}

/** `[N, C, outHeight, outWidth]` of a resolved pooling call. */
export function pool2dShape(g: Pool2dGeometry): [number, number, number, number] {
  return [g.batch, g.channels, g.outHeight, g.outWidth];
}
