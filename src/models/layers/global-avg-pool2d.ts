import { Tensor, mean } from '../../ops/index.js';
import { Layer } from '../layer.js';
import { checkImageBatch, checkImageShape } from './conv2d.js';

/**
 * Global average pooling: the mean of each channel over all positions,
 * `y[n, c] = (1/(H·W))·Σ_{i,j} x[n, c, i, j]`. Input `[N, C, H, W]`, output `[N, C]`; no
 * parameters.
 *
 * It is PyTorch's `nn.AdaptiveAvgPool2d(1)` followed by `nn.Flatten()` (whose output would be
 * `[N, C, 1, 1]` before the flatten), and Keras' `GlobalAveragePooling2D` with channels first.
 * A state dict is unaffected: neither has parameters. `forward` accepts any H × W, checking
 * only the rank and the channels, so the classifier after it sees `[N, C]` whatever the image
 * size.
 */
export class GlobalAvgPool2d extends Layer {
  readonly kind = 'globalAvgPool2d';

  protected setup(inputShape: number[]): number[] {
    checkImageShape(this.label, inputShape);
    return [inputShape[0]];
  }

  protected override checkInput(shape: readonly number[]): void {
    checkImageBatch(this.label, shape, this.inputShape!);
  }

  protected call(x: Tensor): Tensor {
    return mean(x, [2, 3]);
  }

  config(): Record<string, unknown> {
    return {};
  }
}

/**
 * A global average pooling layer, `[N, C, H, W]` → `[N, C]` (`AdaptiveAvgPool2d(1)` + `Flatten`).
 *
 * @example
 * ```ts
 * import { sequential, conv2d, relu, globalAvgPool2d, dense } from 'streamgrad/models';
 * const net = sequential([conv2d({ filters: 16, kernelSize: 3, padding: 1 }), relu(), globalAvgPool2d(), dense(10)], {
 *   inputShape: [3, 32, 32],
 * });
 * ```
 */
export function globalAvgPool2d(): GlobalAvgPool2d {
  return new GlobalAvgPool2d();
}
