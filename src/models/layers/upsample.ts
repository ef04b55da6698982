import { Tensor, upsampleNearest2d, upsampleNearest2dOutputShape } from '../../ops/index.js';
import { Layer } from '../layer.js';
import {
  type Size2d,
  asLayerError,
  checkImageBatch,
  checkImageShape,
  checkOptions,
  checkSize,
  requireOption,
} from './conv2d.js';

/** Options of `upsample`. */
export interface UpsampleOptions {
  /** Integer factor s ≥ 1 for both dimensions, or `[sH, sW]`. */
  scaleFactor: Size2d;
}

/**
 * Nearest-neighbour upsampling layer (`torch.nn.Upsample(scale_factor=s, mode='nearest')`):
 * every pixel becomes an sH×sW block, `y[n,c,i,j] = x[n,c,⌊i/sH⌋,⌊j/sW⌋]`. Input
 * `[N, C, H, W]`, output `[N, C, H·sH, W·sW]`; no parameters.
 *
 * Only integer scale factors and the `nearest` mode (PyTorch's default); `forward` accepts
 * any H × W, checking only the rank and the channels.
 */
export class Upsample extends Layer {
  readonly kind = 'upsample';
  readonly scaleFactor: Size2d;

  constructor(readonly options: UpsampleOptions) {
    super();
    const o = checkOptions('upsample', options, ['scaleFactor']);
    this.scaleFactor = checkSize('upsample', 'scaleFactor', requireOption('upsample', 'scaleFactor', o.scaleFactor), 1);
  }

  protected setup(inputShape: number[]): number[] {
    checkImageShape(this.label, inputShape);
    const [, ...output] = asLayerError(this.label, 'upsampleNearest2d', `input [${inputShape.join(',')}] does not fit: `, () =>
      upsampleNearest2dOutputShape([1, ...inputShape], { scaleFactor: this.scaleFactor }),
    );
    return output;
  }

  protected override checkInput(shape: readonly number[]): void {
    checkImageBatch(this.label, shape, this.inputShape!);
  }

  protected call(x: Tensor): Tensor {
    return asLayerError(this.label, 'upsampleNearest2d', '', () => upsampleNearest2d(x, { scaleFactor: this.scaleFactor }));
  }

  config(): Record<string, unknown> {
    return { scaleFactor: this.scaleFactor };
  }
}

/**
 * A nearest-neighbour upsampling layer by an integer `scaleFactor` (`torch.nn.Upsample`).
 *
 * @example
 * ```ts
 * import { sequential, upsample, conv2d } from 'streamgrad/models';
 * const decoder = sequential([upsample({ scaleFactor: 2 }), conv2d({ filters: 3, kernelSize: 3, padding: 'same' })], {
 *   inputShape: [8, 16, 16],
 * });
 * decoder.outputShape; // [3, 32, 32]
 * ```
 */
export function upsample(options: UpsampleOptions): Upsample {
  return new Upsample(options);
}
