import { type AvgPool2dOptions, Tensor, avgPool2d as avgPool2dOp, avgPool2dOutputShape } from '../../ops/index.js';
import { Layer } from '../layer.js';
import { type Size2d, asLayerError, checkBoolean, checkImageBatch, checkImageShape, checkOptions } from './conv2d.js';
import { type PoolWindow, checkPoolWindow } from './max-pool2d.js';

/** Options of `avgPool2d` (the layer; the op of the same name takes a tensor). */
export interface AvgPool2dLayerOptions {
  /** Window size F, one number or `[kH, kW]`. */
  kernelSize: Size2d;
  /** Step between windows S. @default kernelSize */
  stride?: Size2d;
  /** Implicit zero padding P on each side, at most half the kernel. @default 0 */
  padding?: Size2d;
  /**
   * Divide by the whole window `kH·kW`, padding included (PyTorch's default), or, when
   * false, by the number of real inputs in the window. @default true
   */
  countIncludePad?: boolean;
}

/**
 * 2-D average pooling layer (`torch.nn.AvgPool2d`), `y = (1/count)·Σ x` over each F×F
 * window moved by S, with zero padding P. Input `[N, C, H, W]`, output `[N, C, Ho, Wo]` with
 * `Ho = (H − F + 2P)/S + 1`; no parameters.
 *
 * `forward` accepts any H × W the window fits, checking only the rank and the channels.
 * Unlike PyTorch, an output size that is not a whole number is an error (at build, naming
 * the layer), and there is no `ceilMode` or `divisorOverride`.
 */
export class AvgPool2d extends Layer {
  readonly kind = 'avgPool2d';
  private readonly opOptions: AvgPool2dOptions & PoolWindow & { countIncludePad: boolean };

  constructor(readonly options: AvgPool2dLayerOptions) {
    super();
    const o = checkOptions('avgPool2d', options, ['kernelSize', 'stride', 'padding', 'countIncludePad']);
    const window = checkPoolWindow('avgPool2d', o);
    this.opOptions = { ...window, countIncludePad: checkBoolean('avgPool2d', 'countIncludePad', o.countIncludePad ?? true) };
  }

  protected setup(inputShape: number[]): number[] {
    checkImageShape(this.label, inputShape);
    const [, ...output] = asLayerError(this.label, 'avgPool2d', `input [${inputShape.join(',')}] does not fit: `, () =>
      avgPool2dOutputShape([1, ...inputShape], this.opOptions),
    );
    return output;
  }

  protected override checkInput(shape: readonly number[]): void {
    checkImageBatch(this.label, shape, this.inputShape!);
  }

  protected call(x: Tensor): Tensor {
    return asLayerError(this.label, 'avgPool2d', '', () => avgPool2dOp(x, this.opOptions));
  }

  config(): Record<string, unknown> {
    return { ...this.opOptions };
  }
}

/**
 * A 2-D average pooling layer (`torch.nn.AvgPool2d`); `stride` defaults to `kernelSize`.
 *
 * @example
 * ```ts
 * import { sequential, avgPool2d } from 'streamgrad/models';
 * const pool = sequential([avgPool2d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad: false })], {
 *   inputShape: [16, 32, 32],
 * });
 * pool.outputShape; // [16, 32, 32]
 * ```
 */
export function avgPool2d(options: AvgPool2dLayerOptions): AvgPool2d {
  return new AvgPool2d(options);
}
