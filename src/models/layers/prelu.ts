import { ArgumentError, ShapeError, Tensor, add, full, mul, relu, sub } from '../../ops/index.js';
import { type BuildContext, Layer } from '../layer.js';

/** Options of `prelu`. */
export interface PreluOptions {
  /**
   * Number of learnable slopes: 1 (shared by every unit) or the channel count, the size of
   * the batch's axis 1 (features of `[N, F]`, channels of `[N, C, H, W]`). @default 1
   */
  numParameters?: number;
  /** Initial value of every slope; a finite number. @default 0.25 */
  init?: number;
}

/**
 * Parametric ReLU (He et al., 2015), `max(0, x) + a·min(0, x)` with a learnable slope `a`
 * per channel or shared, laid out as `torch.nn.PReLU`: `weight` is `[numParameters]`.
 *
 * The forward is composed from ops as `relu(x) + a·(x − relu(x))`, so autograd gives the
 * gradients `∂y/∂x = 1` for `x > 0` else `a`, and `∂y/∂a = min(0, x)` summed over the
 * positions sharing `a`. At `x = 0` the gradient wrt x is `a`, as in PyTorch.
 */
export class PReLU extends Layer {
  readonly kind = 'prelu';
  readonly numParameters: number;
  readonly init: number;
  weight!: Tensor;

  constructor(readonly options: PreluOptions = {}) {
    super();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ArgumentError(`prelu: options must be an object, found ${String(options)}`);
    }
    this.numParameters = options.numParameters ?? 1;
    this.init = options.init ?? 0.25;
    if (!Number.isInteger(this.numParameters) || this.numParameters < 1) {
      throw new ArgumentError(`prelu: numParameters must be a positive integer, found ${String(this.numParameters)}`);
    }
    if (typeof this.init !== 'number' || !Number.isFinite(this.init)) {
      throw new ArgumentError(`prelu: init must be a finite number, found ${String(this.init)}`);
    }
  }

  protected setup(inputShape: number[], _context: BuildContext): number[] {
    if (this.numParameters !== 1) {
      const channels = inputShape[0];
      if (channels !== this.numParameters) {
        throw new ShapeError(
          `${this.label}: numParameters ${this.numParameters} must be 1 or the channel count (axis 1), ` +
            `found input [${['N', ...inputShape].join(',')}]` +
            (channels === undefined ? ' without a channel axis' : ` with ${channels} channels`),
        );
      }
    }
    this.weight = this.registerParameter('weight', full([this.numParameters], this.init));
    return inputShape;
  }

  protected call(x: Tensor): Tensor {
    // Slopes [C] become [C, 1, ..., 1] so they broadcast over the axes after the channels.
    const trailing = Math.max(0, x.rank - 2);
    const slope = this.numParameters === 1 ? this.weight : this.weight.reshape([this.numParameters, ...ones(trailing)]);
    const positive = relu(x);
    return add(positive, mul(slope, sub(x, positive)));
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }
}

function ones(n: number): number[] {
  return Array.from({ length: n }, () => 1);
}

/**
 * A parametric ReLU layer (`torch.nn.PReLU`): `max(0, x) + a·min(0, x)`, the negative slope
 * `a` learned, shared (`numParameters: 1`) or one per channel (`numParameters: C`).
 * Its `weight` is a parameter like any other; PyTorch recommends no weight decay on it.
 *
 * @example
 * ```ts
 * import { sequential, dense, prelu } from 'streamgrad/models';
 * const net = sequential([dense(16), prelu({ numParameters: 16 }), dense(1)], { inputShape: [4] });
 * net.namedParameters().map(([name]) => name); // ['0.weight', '0.bias', '1.weight', '2.weight', '2.bias']
 * ```
 */
export function prelu(options: PreluOptions = {}): PReLU {
  return new PReLU(options);
}
