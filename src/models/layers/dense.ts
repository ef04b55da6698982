import { ArgumentError, ShapeError, Tensor, record, sum } from '../../ops/index.js';
import { kernels } from '../../ops/kernels/backend.js';
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
    return linear(x, this.weight, this.bias);
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

/**
 * `y = x·Wᵀ + b` for `x` `[N, in]`, `W` `[out, in]`, `b` `[out]` or none: the value of
 * `add(matmul(x, transpose(W)), b)`, fused for speed. The GEMM kernel reads `W` transposed in
 * place (the composed form copies it on every call, and its gradient back), and the bias is
 * added in the same pass. Backward: `dx = G·W`, `dW = Gᵀ·x`, `db = Σₙ G`.
 */
function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const gemm = kernels().gemm;
  const [n, inputs] = x.shape;
  const units = weight.shape[0];
  const y = new Float32Array(n * units);
  gemm(x.data, 0, weight.data, 0, y, 0, n, inputs, units, false, true);
  if (bias !== null) {
    const b = bias.data;
    for (let row = 0; row < y.length; row += units) {
      for (let j = 0; j < units; j++) y[row + j] += b[j];
    }
  }
  const out = new Tensor(y, [n, units]);
  const operands = bias === null ? [x, weight] : [x, weight, bias];
  return record('linear', out, operands, (g) => {
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (x.requiresGrad) {
      dx = new Tensor(new Float32Array(n * inputs), x.shape);
      gemm(g.data, 0, weight.data, 0, dx.data, 0, n, units, inputs, false, false);
    }
    if (weight.requiresGrad) {
      dw = new Tensor(new Float32Array(units * inputs), weight.shape);
      gemm(g.data, 0, x.data, 0, dw.data, 0, units, n, inputs, true, false);
    }
    return bias === null ? [dx, dw] : [dx, dw, bias.requiresGrad ? sum(g, 0) : null];
  });
}
