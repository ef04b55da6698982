import { Tensor } from '../../ops/index.js';
import { Layer } from '../layer.js';

/** Flattens every dimension after the batch: `[N, C, H, W]` → `[N, C·H·W]` (`torch.nn.Flatten`). */
export class Flatten extends Layer {
  readonly kind = 'flatten';

  protected setup(inputShape: number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }

  protected call(x: Tensor): Tensor {
    return x.reshape([x.shape[0], this.outputShape![0]]);
  }

  config(): Record<string, unknown> {
    return {};
  }
}

/** A layer that flattens each sample to a vector, row-major as PyTorch does. */
export function flatten(): Flatten {
  return new Flatten();
}
