import { Tensor, relu as reluOp } from '../../ops/index.js';
import { ElementwiseLayer } from '../layer.js';

/** The ReLU activation as a layer, `max(0, x)`; no parameters, any input shape. */
export class ReLU extends ElementwiseLayer {
  readonly kind = 'relu';

  protected call(x: Tensor): Tensor {
    return reluOp(x);
  }
}

/**
 * A ReLU activation layer (`torch.nn.ReLU`). Activations are layers, so sequential indices
 * match PyTorch's.
 */
export function relu(): ReLU {
  return new ReLU();
}
