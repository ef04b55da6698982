import {
  ArgumentError,
  type ConvTranspose2dShapeOptions,
  Tensor,
  convTranspose2d as convTranspose2dOp,
  convTranspose2dOutputShape,
} from '../../ops/index.js';
import { type Initializer, type InitializerSpec, initializerConfig, resolveInitializer } from '../initializers.js';
import { type BuildContext, Layer } from '../layer.js';
import {
  type Size2d,
  asLayerError,
  asPair,
  checkBoolean,
  checkImageBatch,
  checkImageShape,
  checkOptions,
  checkPositiveInt,
  checkSize,
  requireOption,
} from './conv2d.js';
import { defaultKernelInitializer } from './dense.js';

/** Options of `convTranspose2d` (the layer; the op of the same name takes tensors). */
export interface ConvTranspose2dLayerOptions {
  /** Number of output channels (PyTorch's `out_channels`). */
  filters: number;
  /** Kernel size k, one number or `[kH, kW]`. */
  kernelSize: Size2d;
  /** Stride S of the convolution this transposes: the upsampling factor. @default 1 */
  stride?: Size2d;
  /** Padding P of the convolution this transposes: crops P from each side of the output. @default 0 */
  padding?: Size2d;
  /** Extra rows/columns at the bottom/right, smaller than stride or dilation. @default 0 */
  outputPadding?: Size2d;
  /** Spacing between kernel taps D. @default 1 */
  dilation?: Size2d;
  /** Add a learnable bias per output channel. @default true */
  useBias?: boolean;
  /**
   * Initial weights. @default `heUniform` when a ReLU-family layer follows in a sequential
   * model, `glorotUniform` otherwise
   */
  kernelInitializer?: InitializerSpec;
  /** Initial bias. @default 'zeros' */
  biasInitializer?: InitializerSpec;
}

const OPTIONS = [
  'filters',
  'kernelSize',
  'stride',
  'padding',
  'outputPadding',
  'dilation',
  'useBias',
  'kernelInitializer',
  'biasInitializer',
];

/**
 * 2-D transposed convolution layer (`torch.nn.ConvTranspose2d`), the adjoint of `conv2d`,
 * used to upsample in decoders and GANs: `weight` is `[C_in, filters, kH, kW]` (in-channels
 * first, as PyTorch) and `bias` `[filters]`. Input `[N, C_in, H, W]`, output
 * `[N, filters, Ho, Wo]` with `Ho = (H − 1)·S − 2P + D·(kH − 1) + outputPadding + 1`;
 * parameters `C_in·filters·kH·kW + filters`.
 *
 * `forward` accepts any H × W, checking only the rank and the channels; the built output
 * shape is the one for the declared input. Default weights are He-uniform before a ReLU and
 * Glorot-uniform otherwise, with fans computed from the layout as PyTorch does
 * (fan-in `filters·kH·kW`); the bias starts at zero.
 */
export class ConvTranspose2d extends Layer {
  readonly kind = 'convTranspose2d';
  weight!: Tensor;
  bias: Tensor | null = null;
  readonly filters: number;
  readonly kernelSize: Size2d;
  readonly useBias: boolean;
  private readonly shapeOptions: ConvTranspose2dShapeOptions & Record<'stride' | 'padding' | 'outputPadding' | 'dilation', Size2d>;
  private readonly kernelInit: Initializer | undefined;
  private readonly biasInit: Initializer;

  constructor(readonly options: ConvTranspose2dLayerOptions) {
    super();
    const o = checkOptions('convTranspose2d', options, OPTIONS);
    this.filters = checkPositiveInt('convTranspose2d', 'filters', o.filters);
    this.kernelSize = checkSize('convTranspose2d', 'kernelSize', requireOption('convTranspose2d', 'kernelSize', o.kernelSize), 1);
    this.shapeOptions = {
      stride: checkSize('convTranspose2d', 'stride', o.stride ?? 1, 1),
      padding: checkSize('convTranspose2d', 'padding', o.padding ?? 0, 0),
      outputPadding: checkSize('convTranspose2d', 'outputPadding', o.outputPadding ?? 0, 0),
      dilation: checkSize('convTranspose2d', 'dilation', o.dilation ?? 1, 1),
    };
    const { stride, outputPadding, dilation } = this.shapeOptions;
    if ([0, 1].some((d) => asPair(outputPadding)[d] >= Math.max(asPair(stride)[d], asPair(dilation)[d]))) {
      throw new ArgumentError(
        `convTranspose2d: outputPadding must be smaller than stride or dilation (as in PyTorch), found outputPadding ` +
          `${JSON.stringify(outputPadding)} with stride ${JSON.stringify(stride)} and dilation ${JSON.stringify(dilation)}`,
      );
    }
    this.useBias = checkBoolean('convTranspose2d', 'useBias', o.useBias ?? true);
    const kernel = options.kernelInitializer;
    this.kernelInit = kernel === undefined ? undefined : resolveInitializer('convTranspose2d', kernel);
    this.biasInit = resolveInitializer('convTranspose2d', options.biasInitializer ?? 'zeros');
  }

  protected setup(inputShape: number[], { rng, next }: BuildContext): number[] {
    checkImageShape(this.label, inputShape);
    const weightShape = [inputShape[0], this.filters, ...asPair(this.kernelSize)];
    const [, ...output] = asLayerError(this.label, 'convTranspose2d', `input [${inputShape.join(',')}] does not fit: `, () =>
      convTranspose2dOutputShape([1, ...inputShape], weightShape, this.shapeOptions),
    );
    const kernel = this.kernelInit ?? resolveInitializer(this.label, defaultKernelInitializer(next));
    this.weight = this.registerParameter('weight', kernel.init(weightShape, rng));
    if (this.useBias) this.bias = this.registerParameter('bias', this.biasInit.init([this.filters], rng));
    return output;
  }

  protected override checkInput(shape: readonly number[]): void {
    checkImageBatch(this.label, shape, this.inputShape!);
  }

  protected call(x: Tensor): Tensor {
    const bias = this.bias ?? undefined;
    return asLayerError(this.label, 'convTranspose2d', '', () =>
      convTranspose2dOp(x, this.weight, { bias, ...this.shapeOptions }),
    );
  }

  config(): Record<string, unknown> {
    return {
      filters: this.filters,
      kernelSize: this.kernelSize,
      ...this.shapeOptions,
      useBias: this.useBias,
      kernelInitializer: initializerConfig(this.options.kernelInitializer),
      biasInitializer: initializerConfig(this.options.biasInitializer),
    };
  }
}

/**
 * A transposed 2-D convolution layer with `filters` output channels (`torch.nn.ConvTranspose2d`).
 *
 * @example
 * ```ts
 * import { sequential, convTranspose2d } from 'streamgrad/models';
 * // DCGAN: a 4×4 kernel with stride 2 and padding 1 doubles 16×16 to 32×32
 * const up = sequential([convTranspose2d({ filters: 32, kernelSize: 4, stride: 2, padding: 1 })], { inputShape: [64, 16, 16] });
 * up.outputShape; // [32, 32, 32]
 * ```
 */
export function convTranspose2d(options: ConvTranspose2dLayerOptions): ConvTranspose2d {
  return new ConvTranspose2d(options);
}
