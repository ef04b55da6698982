import { ArgumentError, Tensor, maxPool2d as maxPool2dOp, maxPool2dOutputShape } from '../../ops/index.js';
import { Layer } from '../layer.js';
import {
  type Size2d,
  asLayerError,
  asPair,
  checkImageBatch,
  checkImageShape,
  checkOptions,
  checkSize,
  requireOption,
} from './conv2d.js';

/** Options of `maxPool2d` (the layer; the op of the same name takes a tensor). */
export interface MaxPool2dLayerOptions {
  /** Window size F, one number or `[kH, kW]`. */
  kernelSize: Size2d;
  /** Step between windows S. @default kernelSize */
  stride?: Size2d;
  /** Implicit padding P on each side, at most half the kernel. @default 0 */
  padding?: Size2d;
}

/** The window options of a pooling layer, checked and with their defaults. @internal */
export interface PoolWindow {
  kernelSize: Size2d;
  stride: Size2d;
  padding: Size2d;
}

/**
 * Checks `kernelSize` (required), `stride` (default `kernelSize`) and `padding` (default 0,
 * at most half the kernel as PyTorch requires) of a pooling layer. @internal
 */
export function checkPoolWindow(kind: string, o: Record<string, unknown>): PoolWindow {
  const kernelSize = checkSize(kind, 'kernelSize', requireOption(kind, 'kernelSize', o.kernelSize), 1);
  const stride = checkSize(kind, 'stride', o.stride ?? kernelSize, 1);
  const padding = checkSize(kind, 'padding', o.padding ?? 0, 0);
  const [kH, kW] = asPair(kernelSize);
  const [pH, pW] = asPair(padding);
  if (pH > kH / 2 || pW > kW / 2) {
    throw new ArgumentError(
      `${kind}: padding ${JSON.stringify(padding)} must be at most half of kernelSize ${JSON.stringify(kernelSize)} ` +
        '(as in PyTorch: a window of padding only has no input to pool)',
    );
  }
  return { kernelSize, stride, padding };
}

/**
 * 2-D max pooling layer (`torch.nn.MaxPool2d`), `y = max over each F×F window` moved by S
 * with implicit −∞ padding P. Input `[N, C, H, W]`, output `[N, C, Ho, Wo]` with
 * `Ho = (H − F + 2P)/S + 1`; no parameters.
 *
 * `forward` accepts any H × W the window fits, checking only the rank and the channels.
 * Unlike PyTorch, an output size that is not a whole number is an error (at build, naming
 * the layer), and there is no `dilation`, `ceilMode` or `returnIndices`.
 */
export class MaxPool2d extends Layer {
  readonly kind = 'maxPool2d';
  readonly window: PoolWindow;

  constructor(readonly options: MaxPool2dLayerOptions) {
    super();
    this.window = checkPoolWindow('maxPool2d', checkOptions('maxPool2d', options, ['kernelSize', 'stride', 'padding']));
  }

  protected setup(inputShape: number[]): number[] {
    checkImageShape(this.label, inputShape);
    const [, ...output] = asLayerError(this.label, 'maxPool2d', `input [${inputShape.join(',')}] does not fit: `, () =>
      maxPool2dOutputShape([1, ...inputShape], this.window),
    );
    return output;
  }

  protected override checkInput(shape: readonly number[]): void {
    checkImageBatch(this.label, shape, this.inputShape!);
  }

  protected call(x: Tensor): Tensor {
    return asLayerError(this.label, 'maxPool2d', '', () => maxPool2dOp(x, this.window));
  }

  config(): Record<string, unknown> {
    return { ...this.window };
  }
}

/**
 * A 2-D max pooling layer (`torch.nn.MaxPool2d`); `stride` defaults to `kernelSize`.
 *
 * @example
 * ```ts
 * import { sequential, conv2d, relu, maxPool2d } from 'streamgrad/models';
 * const net = sequential([conv2d({ filters: 8, kernelSize: 3, padding: 1 }), relu(), maxPool2d({ kernelSize: 2 })], {
 *   inputShape: [1, 28, 28],
 * });
 * net.outputShape; // [8, 14, 14]
 * ```
 */
export function maxPool2d(options: MaxPool2dLayerOptions): MaxPool2d {
  return new MaxPool2d(options);
}
