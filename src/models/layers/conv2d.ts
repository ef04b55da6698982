import {
  ArgumentError,
  type Conv2dShapeOptions,
  ShapeError,
  Tensor,
  conv2d as conv2dOp,
  conv2dOutputShape,
} from '../../ops/index.js';
import { type Initializer, type InitializerSpec, initializerConfig, resolveInitializer } from '../initializers.js';
import { type BuildContext, Layer } from '../layer.js';
import { defaultKernelInitializer } from './dense.js';

/** A window size for both spatial dimensions, or `[height, width]`. */
export type Size2d = number | [number, number];

/** Options of `conv2d` (the layer; the op of the same name takes tensors). */
export interface Conv2dLayerOptions {
  /** Number of output channels K (PyTorch's `out_channels`). */
  filters: number;
  /** Kernel size F, one number or `[kH, kW]`. */
  kernelSize: Size2d;
  /** Step of the window S. @default 1 */
  stride?: Size2d;
  /** Zeros added on each side P, or `'same'` (stride 1 only) to keep H × W. @default 0 */
  padding?: Size2d | 'same';
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

const CONV2D_OPTIONS = ['filters', 'kernelSize', 'stride', 'padding', 'dilation', 'useBias', 'kernelInitializer', 'biasInitializer'];

/**
 * 2-D convolution layer, `y = conv2d(x, W) + b` (cross-correlation, as `torch.nn.Conv2d`):
 * `weight` is `[filters, C, kH, kW]` and `bias` `[filters]`. Input `[N, C, H, W]`, output
 * `[N, filters, Ho, Wo]` with `Ho = (H − F + 2P)/S + 1`, `F = D·(kH − 1) + 1`; parameters
 * `(kH·kW·C + 1)·filters`.
 *
 * The model is built for one `[C, H, W]`, which fixes the output shape it reports; `forward`
 * accepts any H × W the configuration fits (a fully convolutional network), checking only
 * the rank and the channels.
 *
 * Differences from PyTorch: a configuration whose output size is not a whole number is an
 * error (at build, naming the layer), not a silent floor; default weights are He-uniform
 * before a ReLU and Glorot-uniform otherwise (as `dense`), and the bias starts at zero.
 */
export class Conv2d extends Layer {
  readonly kind = 'conv2d';
  weight!: Tensor;
  bias: Tensor | null = null;
  readonly filters: number;
  readonly kernelSize: Size2d;
  readonly stride: Size2d;
  readonly padding: Size2d | 'same';
  readonly dilation: Size2d;
  readonly useBias: boolean;
  private readonly kernelInit: Initializer | undefined;
  private readonly biasInit: Initializer;

  constructor(readonly options: Conv2dLayerOptions) {
    super();
    const o = checkOptions('conv2d', options, CONV2D_OPTIONS);
    this.filters = checkPositiveInt('conv2d', 'filters', o.filters);
    this.kernelSize = checkSize('conv2d', 'kernelSize', requireOption('conv2d', 'kernelSize', o.kernelSize), 1);
    this.stride = checkSize('conv2d', 'stride', o.stride ?? 1, 1);
    this.padding = o.padding === 'same' ? 'same' : checkSize('conv2d', 'padding', o.padding ?? 0, 0, " or 'same'");
    this.dilation = checkSize('conv2d', 'dilation', o.dilation ?? 1, 1);
    this.useBias = checkBoolean('conv2d', 'useBias', o.useBias ?? true);
    if (this.padding === 'same' && !sizeIsOne(this.stride)) {
      throw new ArgumentError(`conv2d: padding 'same' needs stride 1 (as in PyTorch), found stride ${JSON.stringify(this.stride)}`);
    }
    this.kernelInit = options.kernelInitializer === undefined ? undefined : resolveInitializer('conv2d', options.kernelInitializer);
    this.biasInit = resolveInitializer('conv2d', options.biasInitializer ?? 'zeros');
  }

  private get shapeOptions(): Conv2dShapeOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation };
  }

  protected setup(inputShape: number[], { rng, next }: BuildContext): number[] {
    checkImageShape(this.label, inputShape);
    const weightShape = [this.filters, inputShape[0], ...asPair(this.kernelSize)];
    const [, ...output] = asLayerError(this.label, 'conv2d', `input [${inputShape.join(',')}] does not fit: `, () =>
      conv2dOutputShape([1, ...inputShape], weightShape, this.shapeOptions),
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
    return asLayerError(this.label, 'conv2d', '', () => conv2dOp(x, this.weight, { bias, ...this.shapeOptions }));
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
 * A 2-D convolution layer with `filters` output channels (`torch.nn.Conv2d`).
 *
 * @example
 * ```ts
 * import { sequential, conv2d, relu, maxPool2d, flatten, dense } from 'streamgrad/models';
 * // CS231n: 32×32×3 input, ten 5×5 filters with padding 2 → 32×32×10, (5·5·3 + 1)·10 = 760 parameters
 * const net = sequential(
 *   [conv2d({ filters: 10, kernelSize: 5, padding: 2 }), relu(), maxPool2d({ kernelSize: 2 }), flatten(), dense(10)],
 *   { inputShape: [3, 32, 32] },
 * );
 * ```
 */
export function conv2d(options: Conv2dLayerOptions): Conv2d {
  return new Conv2d(options);
}

// Helpers shared by the spatial layers (conv, pooling, upsampling) and embedding.

/** Checks that `options` is an object with only `known` keys, and returns it. @internal */
export function checkOptions(kind: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ArgumentError(`${kind}: expected an options object { ${known.join(', ')} }, found ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ArgumentError(`${kind}: unknown option ${key} (expected ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

/** Returns `value`, or throws because the option is required. @internal */
export function requireOption(kind: string, name: string, value: unknown): unknown {
  if (value === undefined) throw new ArgumentError(`${kind}: option ${name} is required`);
  return value;
}

/** An integer ≥ 1. @internal */
export function checkPositiveInt(kind: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${kind}: ${name} must be a positive integer, found ${describe(value)}`);
  }
  return value;
}

/** An integer ≥ `min`, or a pair `[height, width]` of them; `alternatives` extends the message. @internal */
export function checkSize(kind: string, name: string, value: unknown, min: number, alternatives = ''): Size2d {
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (ok(value)) return value as number;
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0], value[1]];
  throw new ArgumentError(
    `${kind}: ${name} must be an integer >= ${min} or a pair [height, width] of them${alternatives}, found ${describe(value)}`,
  );
}

/** `true` or `false`. @internal */
export function checkBoolean(kind: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ArgumentError(`${kind}: ${name} must be true or false, found ${describe(value)}`);
  return value;
}

/** `n` as `[n, n]`; a pair as itself. @internal */
export function asPair(size: Size2d): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

function sizeIsOne(size: Size2d): boolean {
  return asPair(size).every((v) => v === 1);
}

/** Throws unless a layer's input shape (batch excluded) is `[C, H, W]`. @internal */
export function checkImageShape(label: string, inputShape: readonly number[]): void {
  if (inputShape.length !== 3) {
    throw new ShapeError(
      `${label}: expected an image input [C,H,W] (the batch dimension excluded), found [${inputShape.join(',')}]`,
    );
  }
}

/** Throws unless a batch is `[N, C, H, W]` with the built channel count C; H and W may differ. @internal */
export function checkImageBatch(label: string, shape: readonly number[], built: readonly number[]): void {
  if (shape.length !== 4 || shape[1] !== built[0]) {
    throw new ShapeError(
      `${label}: expected input [N,${built[0]},H,W] (built for [N,${built.join(',')}]; H and W may differ), ` +
        `found [${shape.join(',')}]`,
    );
  }
}

/**
 * Runs an op call and re-throws its `ShapeError` or `ArgumentError` in the layer's name:
 * `conv2d: output height ...` becomes `conv2d '0': <context>output height ...`. @internal
 */
export function asLayerError<T>(label: string, op: string, context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ShapeError || e instanceof ArgumentError)) throw e;
    const message = e.message.startsWith(`${op}: `) ? e.message.slice(op.length + 2) : e.message;
    const Kind = e instanceof ShapeError ? ShapeError : ArgumentError;
    throw new Kind(`${label}: ${context}${message}`, { cause: e });
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}
