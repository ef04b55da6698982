/**
 * Parameter-free activation layers: leakyRelu, elu, sigmoid, tanh and softmax. Each wraps the
 * op of the same name from `streamgrad/ops`, so its forward and gradient are the op's.
 * Activations are layers so sequential indices match PyTorch's (`relu` lives in `relu.ts`,
 * the learnable `prelu` in `prelu.ts`).
 */
import {
  ArgumentError,
  ShapeError,
  Tensor,
  elu as eluOp,
  leakyRelu as leakyReluOp,
  sigmoid as sigmoidOp,
  softmax as softmaxOp,
  tanh as tanhOp,
} from '../../ops/index.js';
import { ElementwiseLayer } from '../layer.js';

/** Options of `leakyRelu`. */
export interface LeakyReluOptions {
  /** Slope for `x ≤ 0`; any finite number. @default 0.01 */
  negativeSlope?: number;
}

/** The leaky ReLU activation as a layer, `x` for `x > 0`, else `negativeSlope·x`; any input shape. */
export class LeakyReLU extends ElementwiseLayer {
  readonly kind = 'leakyRelu';
  readonly negativeSlope: number;

  constructor(readonly options: LeakyReluOptions = {}) {
    super();
    checkOptions('leakyRelu', options);
    this.negativeSlope = options.negativeSlope ?? 0.01;
    if (typeof this.negativeSlope !== 'number' || !Number.isFinite(this.negativeSlope)) {
      throw new ArgumentError(`leakyRelu: negativeSlope must be a finite number, found ${String(this.negativeSlope)}`);
    }
  }

  protected call(x: Tensor): Tensor {
    return leakyReluOp(x, this.negativeSlope);
  }

  override config(): Record<string, unknown> {
    return { ...this.options };
  }
}

/**
 * A leaky ReLU layer (`torch.nn.LeakyReLU`, Maas et al., 2013): `x` for `x > 0`, else
 * `negativeSlope·x`, so units below zero still pass a small gradient.
 *
 * @example
 * ```ts
 * import { sequential, dense, leakyRelu } from 'streamgrad/models';
 * const net = sequential([dense(64), leakyRelu({ negativeSlope: 0.2 }), dense(1)], { inputShape: [8] });
 * ```
 */
export function leakyRelu(options: LeakyReluOptions = {}): LeakyReLU {
  return new LeakyReLU(options);
}

/** Options of `elu`. */
export interface EluOptions {
  /** Large negative inputs saturate at `−alpha`; a finite number `> 0`. @default 1 */
  alpha?: number;
}

/** The ELU activation as a layer, `x` for `x > 0`, else `α·(eˣ − 1)`; any input shape. */
export class ELU extends ElementwiseLayer {
  readonly kind = 'elu';
  readonly alpha: number;

  constructor(readonly options: EluOptions = {}) {
    super();
    checkOptions('elu', options);
    this.alpha = options.alpha ?? 1;
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha) || this.alpha <= 0) {
      throw new ArgumentError(`elu: alpha must be a finite number > 0, found ${String(this.alpha)}`);
    }
  }

  protected call(x: Tensor): Tensor {
    return eluOp(x, this.alpha);
  }

  override config(): Record<string, unknown> {
    return { ...this.options };
  }
}

/**
 * An exponential linear unit layer (`torch.nn.ELU`, Clevert et al., 2015): `x` for `x > 0`,
 * else `α·(eˣ − 1)`.
 *
 * @example
 * ```ts
 * import { sequential, dense, elu } from 'streamgrad/models';
 * const net = sequential([dense(64), elu({ alpha: 1 }), dense(1)], { inputShape: [8] });
 * ```
 */
export function elu(options: EluOptions = {}): ELU {
  return new ELU(options);
}

/** The logistic sigmoid as a layer, `σ(x) = 1 / (1 + e^(−x))`; any input shape. */
export class Sigmoid extends ElementwiseLayer {
  readonly kind = 'sigmoid';

  protected call(x: Tensor): Tensor {
    return sigmoidOp(x);
  }
}

/**
 * A logistic sigmoid layer (`torch.nn.Sigmoid`), `σ(x) = 1 / (1 + e^(−x))`, values in (0, 1).
 *
 * @example
 * ```ts
 * import { sequential, dense, sigmoid } from 'streamgrad/models';
 * const net = sequential([dense(1), sigmoid()], { inputShape: [4] }); // a probability per sample
 * ```
 */
export function sigmoid(): Sigmoid {
  return new Sigmoid();
}

/** The hyperbolic tangent as a layer, `tanh(x)`; any input shape. */
export class Tanh extends ElementwiseLayer {
  readonly kind = 'tanh';

  protected call(x: Tensor): Tensor {
    return tanhOp(x);
  }
}

/**
 * A hyperbolic tangent layer (`torch.nn.Tanh`), `tanh(x) = (eˣ − e^(−x)) / (eˣ + e^(−x))`,
 * values in (−1, 1).
 *
 * @example
 * ```ts
 * import { sequential, dense, tanh } from 'streamgrad/models';
 * const net = sequential([dense(32), tanh(), dense(1)], { inputShape: [4] });
 * ```
 */
export function tanh(): Tanh {
  return new Tanh();
}

/** Options of `softmax`. */
export interface SoftmaxOptions {
  /**
   * The axis to normalize over, counting the batch axis as 0 like PyTorch's `dim`; negative
   * counts from the end. @default -1
   */
  axis?: number;
}

/** Softmax along one axis as a layer, `e^(xᵢ) / Σⱼ e^(xⱼ)`, computed stably. */
export class Softmax extends ElementwiseLayer {
  readonly kind = 'softmax';
  readonly axis: number;

  constructor(readonly options: SoftmaxOptions = {}) {
    super();
    checkOptions('softmax', options);
    this.axis = options.axis ?? -1;
    if (!Number.isInteger(this.axis)) {
      throw new ArgumentError(`softmax: axis must be an integer, found ${String(this.axis)}`);
    }
  }

  protected override setup(inputShape: number[]): number[] {
    const rank = inputShape.length + 1;
    if (this.axis < -rank || this.axis >= rank) {
      throw new ShapeError(
        `${this.label}: axis ${this.axis} is out of range for input [N,${inputShape.join(',')}] of rank ${rank}`,
      );
    }
    return inputShape;
  }

  protected call(x: Tensor): Tensor {
    return softmaxOp(x, this.axis);
  }

  override config(): Record<string, unknown> {
    return { ...this.options };
  }
}

/**
 * A softmax layer (`torch.nn.Softmax(dim)`): turns scores into probabilities along `axis`,
 * `softmax(x)ᵢ = e^(xᵢ) / Σⱼ e^(xⱼ)`. For training, prefer raw logits with `crossEntropy`,
 * which fuses log-softmax and is more stable.
 *
 * @example
 * ```ts
 * import { sequential, dense, softmax } from 'streamgrad/models';
 * const net = sequential([dense(10), softmax()], { inputShape: [784] }); // rows sum to 1
 * ```
 */
export function softmax(options: SoftmaxOptions = {}): Softmax {
  return new Softmax(options);
}

/** Throws unless `options` is a plain object. */
function checkOptions(layer: string, options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${layer}: options must be an object, found ${String(options)}`);
  }
}
