import { ArgumentError, ShapeError, Tensor, add, matmul, transpose } from '../../ops/index.js';
import { type InitializerSpec, initializerConfig, resolveInitializer } from '../initializers.js';
import { type BuildContext, Layer } from '../layer.js';

/** Options of `dense`. */
export interface DenseOptions {
  /** Add a learnable bias. @default true */
  useBias?: boolean;
  /**
   * Initial weights. @default `heUniform` when a ReLU-family layer follows in a sequential
   * model, `glorotUniform` otherwise
   */
  kernelInitializer?: InitializerSpec;
  /** Initial bias. @default 'zeros' */
  biasInitializer?: InitializerSpec;
}

/** Activation layers before which dense and conv layers default to He initialization. */
export const RELU_FAMILY: readonly string[] = ['relu', 'leakyRelu', 'prelu', 'elu'];

/**
 * The kernel initializer a dense or conv layer uses when none is given: He-uniform when the
 * layer that follows (`BuildContext.next`) is a ReLU-family activation, Glorot-uniform otherwise.
 */
export function defaultKernelInitializer(next: string | undefined): 'heUniform' | 'glorotUniform' {
  return next !== undefined && RELU_FAMILY.includes(next) ? 'heUniform' : 'glorotUniform';
}

/**
 * Fully connected layer, `y = x·Wᵀ + b`, with PyTorch's layout: `weight` is `[units, in]`
 * and `bias` is `[units]`, so the state dict matches `torch.nn.Linear`. Input `[N, in]`,
 * output `[N, units]`; parameters (in + 1)·units.
 */
export class Dense extends Layer {
  readonly kind = 'dense';
  weight!: Tensor;
  bias: Tensor | null = null;

  constructor(
    readonly units: number,
    readonly options: DenseOptions = {},
  ) {
    super();
    if (!Number.isInteger(units) || units < 1) {
      throw new ArgumentError(`dense: units must be a positive integer, found ${String(units)}`);
    }
  }

  protected setup(inputShape: number[], { rng, next }: BuildContext): number[] {
    if (inputShape.length !== 1) {
      throw new ShapeError(
        `${this.label}: expected a flat input [N, features], found [N,${inputShape.join(',')}] (add flatten() before it)`,
      );
    }
    const kernel = resolveInitializer(this.label, this.options.kernelInitializer ?? defaultKernelInitializer(next));
    this.weight = this.registerParameter('weight', kernel.init([this.units, inputShape[0]], rng));
    if (this.options.useBias ?? true) {
      const init = resolveInitializer(this.label, this.options.biasInitializer ?? 'zeros');
      this.bias = this.registerParameter('bias', init.init([this.units], rng));
    }
    return [this.units];
  }

  protected call(x: Tensor): Tensor {
    const y = matmul(x, transpose(this.weight));
    return this.bias === null ? y : add(y, this.bias);
  }

  config(): Record<string, unknown> {
    return {
      units: this.units,
      useBias: this.options.useBias,
      kernelInitializer: initializerConfig(this.options.kernelInitializer),
      biasInitializer: initializerConfig(this.options.biasInitializer),
    };
  }
}

/**
 * A fully connected layer with `units` outputs (`torch.nn.Linear`).
 *
 * @example
 * ```ts
 * import { sequential, dense, relu } from 'streamgrad/models';
 * const net = sequential([dense(128), relu(), dense(10)], { inputShape: [784] });
 * ```
 */
export function dense(units: number, options: DenseOptions = {}): Dense {
  return new Dense(units, options);
}
