import { record } from './autograd.js';
import { type WindowDim, convOutputSize, pair } from './conv-output-size.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { kernels } from './kernels/backend.js';
import type { ConvGeometry } from './kernels/conv2d.js';
import { sum } from './sum.js';
import { Tensor } from './tensor.js';

/** Options of `conv2d`. */
export interface Conv2dOptions {
  /** One value per output channel, shape `[K]`, added to every output position. @default none */
  bias?: Tensor;
  /** Step of the window, one number or `[sH, sW]`. @default 1 */
  stride?: number | [number, number];
  /**
   * Zeros added on each side, one number or `[pH, pW]`; or `'same'` (stride 1 only) to keep
   * `H × W`: total padding `D·(k − 1)` per dimension, the odd one on the bottom/right, as PyTorch.
   * @default 0
   */
  padding?: number | [number, number] | 'same';
  /** Spacing between kernel taps, one number or `[dH, dW]`. @default 1 */
  dilation?: number | [number, number];
}

/** The options that decide `conv2d`'s output shape (all but `bias`). */
export type Conv2dShapeOptions = Omit<Conv2dOptions, 'bias'>;

/** `(input [..], weight [..])`, the shapes every conv error message ends with. @internal */
export function bothShapes(input: readonly number[], weight: readonly number[]): string {
  return `(input ${fmtShape(input)}, weight ${fmtShape(weight)})`;
}

/**
 * Checks the parts of a convolution shared by `conv2d` and `convTranspose2d`: both operands
 * have rank 4, the kernel is at least 1×1, and the input channels match `weight[channelAxis]`.
 * @internal
 */
export function checkConvShapes(
  op: string,
  input: readonly number[],
  weight: readonly number[],
  weightLayout: string,
  channelAxis: number,
): void {
  const shapes = bothShapes(input, weight);
  if (input.length !== 4) {
    throw new ShapeError(`${op}: input must have rank 4 [N, C, H, W], found rank ${input.length} ${shapes}`);
  }
  if (weight.length !== 4) {
    throw new ShapeError(`${op}: weight must have rank 4 ${weightLayout}, found rank ${weight.length} ${shapes}`);
  }
  if (weight[2] < 1 || weight[3] < 1) {
    throw new ShapeError(`${op}: kernel must be at least 1x1, found ${weight[2]}x${weight[3]} ${shapes}`);
  }
  if (input[1] !== weight[channelAxis]) {
    throw new ShapeError(
      `${op}: input channels ${input[1]} do not match weight in-channels ${weight[channelAxis]} ${shapes}`,
    );
  }
}

/** Checks that `value` is a Tensor, naming the op and argument otherwise. @internal */
export function checkTensor(op: string, name: string, value: unknown): asserts value is Tensor {
  if (!(value instanceof Tensor)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array (wrap it with tensor(...))' : typeof value;
    throw new ArgumentError(`${op}: ${name} must be a Tensor, found ${found}`);
  }
}

/** Checks that `bias` is undefined or a Tensor of shape `[channels]`. @internal */
export function checkBias(op: string, bias: unknown, channels: number, weight: readonly number[]): Tensor | null {
  if (bias === undefined) return null;
  checkTensor(op, 'bias', bias);
  if (bias.rank !== 1 || bias.shape[0] !== channels) {
    throw new ShapeError(
      `${op}: bias must have shape [${channels}] (one per output channel), found ${fmtShape(bias.shape)} ` +
        `(weight ${fmtShape(weight)})`,
    );
  }
  return bias;
}

/** `convOutputSize`, with both operand shapes added to its message. */
function outputSize(op: string, axis: string, dim: WindowDim, shapes: string): number {
  try {
    return convOutputSize(op, axis, dim);
  } catch (e) {
    if (e instanceof ShapeError) throw new ShapeError(`${e.message} ${shapes}`);
    throw e;
  }
}

/** Validates `conv2d`'s operands and options and returns the loop sizes the kernels need. */
function conv2dGeometry(input: readonly number[], weight: readonly number[], opts: Conv2dShapeOptions): ConvGeometry {
  checkConvShapes('conv2d', input, weight, '[K, C, kH, kW]', 1);
  const shapes = bothShapes(input, weight);
  const stride = pair('conv2d', 'stride', opts.stride ?? 1, 1);
  const dilation = pair('conv2d', 'dilation', opts.dilation ?? 1, 1);
  const [N, C, H, W] = input;
  const [K, , kH, kW] = weight;
  const sizes = { batch: N, inChannels: C, height: H, width: W, outChannels: K, kernelHeight: kH, kernelWidth: kW };
  if (opts.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1) {
      throw new ArgumentError(
        `conv2d: padding 'same' needs stride 1 (as in PyTorch), found stride ${fmtShape(stride)} ${shapes}`,
      );
    }
    // PyTorch: total padding D·(k − 1); the left/top side gets the smaller half.
    const padTop = Math.floor((dilation[0] * (kH - 1)) / 2);
    const padLeft = Math.floor((dilation[1] * (kW - 1)) / 2);
    return { ...sizes, outHeight: H, outWidth: W, stride, dilation, padTop, padLeft };
  }
  if (typeof opts.padding === 'string') {
    throw new ArgumentError(`conv2d: padding must be an integer >= 0, a pair of them or 'same', found "${opts.padding}"`);
  }
  const padding = pair('conv2d', 'padding', opts.padding ?? 0, 0);
  const height = { size: H, kernel: kH, stride: stride[0], padding: padding[0], dilation: dilation[0] };
  const width = { size: W, kernel: kW, stride: stride[1], padding: padding[1], dilation: dilation[1] };
  const outHeight = outputSize('conv2d', 'height', height, shapes);
  const outWidth = outputSize('conv2d', 'width', width, shapes);
  return { ...sizes, outHeight, outWidth, stride, dilation, padTop: padding[0], padLeft: padding[1] };
}

/**
 * Output shape of `conv2d` for these shapes and options, `[N, K, Ho, Wo]` with
 * `Ho = (H − F + 2P)/S + 1` and `F = D·(kH − 1) + 1`; throws as `conv2d` would, for example
 * when that size is not a whole number. Layers use it for shape inference.
 *
 * @example
 * ```ts
 * import { conv2dOutputShape } from 'streamgrad';
 * // 32x32x3 input, ten 5x5 filters, stride 1, pad 2 -> 32x32x10 (CS231n)
 * conv2dOutputShape([1, 3, 32, 32], [10, 3, 5, 5], { stride: 1, padding: 2 }); // [1, 10, 32, 32]
 * ```
 */
export function conv2dOutputShape(
  inputShape: readonly number[],
  weightShape: readonly number[],
  opts: Conv2dShapeOptions = {},
): number[] {
  const g = conv2dGeometry(inputShape, weightShape, opts);
  return [g.batch, g.outChannels, g.outHeight, g.outWidth];
}

/**
 * 2-D convolution (cross-correlation, no kernel flip, as in PyTorch):
 * `y[n,k,oy,ox] = b[k] + Σ_c Σ_i Σ_j x[n, c, oy·S − P + i·D, ox·S − P + j·D] · w[k,c,i,j]`,
 * reading zeros outside the input.
 *
 * Unlike PyTorch, a configuration whose output size `(H − F + 2P)/S + 1` is not a whole number
 * throws (showing the formula) instead of silently dropping the last rows or columns.
 * Backward: `dx` is the full correlation of `dy` with the flipped kernel (`convTranspose2d`'s
 * forward), `dw` the correlation of `x` with `dy`, `db` the sum of `dy` over N, H, W.
 *
 * @param x - input `[N, C, H, W]`.
 * @param weight - filters `[K, C, kH, kW]` (PyTorch layout: out-channels first).
 * @returns `[N, K, Ho, Wo]`.
 * @example
 * ```ts
 * import { conv2d, randn, zeros, Rng } from 'streamgrad';
 * const rng = new Rng(0);
 * const x = randn([8, 3, 32, 32], rng);
 * const w = randn([16, 3, 5, 5], rng);
 * conv2d(x, w, { bias: zeros([16]), padding: 2 }).shape; // [8, 16, 32, 32]
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, opts: Conv2dOptions = {}): Tensor {
  checkTensor('conv2d', 'input', x);
  checkTensor('conv2d', 'weight', weight);
  const g = conv2dGeometry(x.shape, weight.shape, opts);
  const bias = checkBias('conv2d', opts.bias, g.outChannels, weight.shape);
  const k = kernels();
  const y = k.conv2dForward(x.data, weight.data, bias === null ? null : bias.data, g);
  const out = new Tensor(y, [g.batch, g.outChannels, g.outHeight, g.outWidth]);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record('conv2d', out, inputs, (dy) => [
    x.requiresGrad ? new Tensor(k.conv2dInputGrad(dy.data, weight.data, g), x.shape) : null,
    weight.requiresGrad ? new Tensor(k.conv2dWeightGrad(x.data, dy.data, g), weight.shape) : null,
    bias === null ? null : sum(dy, [0, 2, 3]),
  ]);
}
