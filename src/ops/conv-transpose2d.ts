import { record } from './autograd.js';
import { bothShapes, checkBias, checkConvShapes, checkTensor } from './conv2d.js';
import { pair } from './conv-output-size.js';
import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { kernels } from './kernels/backend.js';
import { type ConvGeometry, addChannelBias } from './kernels/conv2d.js';
import { sum } from './sum.js';
import { Tensor } from './tensor.js';

/** Options of `convTranspose2d` (PyTorch `ConvTranspose2d` semantics). */
export interface ConvTranspose2dOptions {
  /** One value per output channel, shape `[C_out]`. @default none */
  bias?: Tensor;
  /** Stride of the convolution this transposes, one number or `[sH, sW]`. @default 1 */
  stride?: number | [number, number];
  /**
   * Padding of the conv2d this transposes: crops P rows/columns from each side of the full
   * output `(H − 1)·S + D·(k − 1) + 1`. One number or `[pH, pW]`. @default 0
   */
  padding?: number | [number, number];
  /**
   * Extra rows/columns added at the bottom/right of the output, to pick one of the input sizes
   * a strided conv2d maps onto the same output size. Must be smaller than stride or dilation.
   * @default 0
   */
  outputPadding?: number | [number, number];
  /** Spacing between kernel taps, one number or `[dH, dW]`. @default 1 */
  dilation?: number | [number, number];
}

/** The options that decide `convTranspose2d`'s output shape (all but `bias`). */
export type ConvTranspose2dShapeOptions = Omit<ConvTranspose2dOptions, 'bias'>;

/** `(H − 1)·S − 2P + D·(k − 1) + outputPadding + 1`, throwing with the numbers when below 1. */
function transposedSize(axis: string, h: number, k: number, s: number, p: number, d: number, op: number, shapes: string): number {
  const out = (h - 1) * s - 2 * p + d * (k - 1) + op + 1;
  if (out >= 1) return out;
  throw new ShapeError(
    `convTranspose2d: output ${axis} (H − 1)·S − 2P + D·(k − 1) + outputPadding + 1 = ` +
      `(${h} − 1)·${s} − 2·${p} + ${d}·(${k} − 1) + ${op} + 1 = ${out} is below 1: the padding removes ` +
      `more than the whole output ${shapes}`,
  );
}

/**
 * Validates `convTranspose2d`'s operands and options and returns the geometry of the conv2d it
 * transposes: that conv's input is our output `[N, C_out, Ho, Wo]`, its output is our input.
 */
function convTranspose2dGeometry(
  input: readonly number[],
  weight: readonly number[],
  opts: ConvTranspose2dShapeOptions,
): ConvGeometry {
  checkConvShapes('convTranspose2d', input, weight, '[C_in, C_out, kH, kW]', 0);
  const shapes = bothShapes(input, weight);
  const stride = pair('convTranspose2d', 'stride', opts.stride ?? 1, 1);
  const padding = pair('convTranspose2d', 'padding', opts.padding ?? 0, 0);
  const dilation = pair('convTranspose2d', 'dilation', opts.dilation ?? 1, 1);
  const outputPadding = pair('convTranspose2d', 'outputPadding', opts.outputPadding ?? 0, 0);
  for (const d of [0, 1]) {
    if (outputPadding[d] >= Math.max(stride[d], dilation[d])) {
      throw new ArgumentError(
        `convTranspose2d: outputPadding must be smaller than stride or dilation (as in PyTorch), found ` +
          `outputPadding ${fmtShape(outputPadding)} with stride ${fmtShape(stride)} and dilation ${fmtShape(dilation)}`,
      );
    }
  }
  const [N, , H, W] = input;
  const [cIn, cOut, kH, kW] = weight;
  return {
    batch: N,
    inChannels: cOut,
    height: transposedSize('height', H, kH, stride[0], padding[0], dilation[0], outputPadding[0], shapes),
    width: transposedSize('width', W, kW, stride[1], padding[1], dilation[1], outputPadding[1], shapes),
    outChannels: cIn,
    kernelHeight: kH,
    kernelWidth: kW,
    outHeight: H,
    outWidth: W,
    stride,
    dilation,
    padTop: padding[0],
    padLeft: padding[1],
  };
}

/**
 * Output shape of `convTranspose2d`, `[N, C_out, Ho, Wo]` with
 * `Ho = (H − 1)·S − 2P + D·(kH − 1) + outputPadding + 1` (PyTorch `ConvTranspose2d`); throws as
 * `convTranspose2d` would.
 *
 * @example
 * ```ts
 * import { convTranspose2dOutputShape } from 'streamgrad';
 * // upsample 16x16 to 32x32 with a 4x4 kernel, stride 2, padding 1 (DCGAN)
 * convTranspose2dOutputShape([1, 64, 16, 16], [64, 32, 4, 4], { stride: 2, padding: 1 }); // [1, 32, 32, 32]
 * ```
 */
export function convTranspose2dOutputShape(
  inputShape: readonly number[],
  weightShape: readonly number[],
  opts: ConvTranspose2dShapeOptions = {},
): number[] {
  const g = convTranspose2dGeometry(inputShape, weightShape, opts);
  return [g.batch, g.inChannels, g.height, g.width];
}

/**
 * 2-D transposed convolution (PyTorch `conv_transpose2d`), the adjoint of `conv2d`: each input
 * value scatters `x[n,ci,y,x] · w[ci,co,i,j]` to output position `(y·S − P + i·D, x·S − P + j·D)`,
 * so `⟨conv2d(u, w), v⟩ = ⟨u, convTranspose2d(v, w)⟩` for the same stride, padding and dilation.
 * Its forward is conv2d's input gradient; backward uses conv2d's forward for `dx` and conv2d's
 * weight gradient (with the roles of input and output swapped) for `dw`.
 *
 * @param x - input `[N, C_in, H, W]`.
 * @param weight - `[C_in, C_out, kH, kW]` (PyTorch layout: in-channels first, i.e. the weight of
 *   the conv2d from C_out to C_in channels that this transposes).
 * @returns `[N, C_out, Ho, Wo]`, `Ho = (H − 1)·S − 2P + D·(kH − 1) + outputPadding + 1`.
 * @example
 * ```ts
 * import { convTranspose2d, tensor } from 'streamgrad';
 * const x = tensor([[[[0, 1], [2, 3]]]]);
 * const w = tensor([[[[0, 1], [2, 3]]]]);
 * convTranspose2d(x, w).toArray(); // [[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]] (d2l.ai 14.10)
 * ```
 */
export function convTranspose2d(x: Tensor, weight: Tensor, opts: ConvTranspose2dOptions = {}): Tensor {
  checkTensor('convTranspose2d', 'input', x);
  checkTensor('convTranspose2d', 'weight', weight);
  const g = convTranspose2dGeometry(x.shape, weight.shape, opts);
  const bias = checkBias('convTranspose2d', opts.bias, g.inChannels, weight.shape);
  const k = kernels();
  const y = k.conv2dInputGrad(x.data, weight.data, g);
  if (bias !== null) addChannelBias(y, bias.data, g.batch, g.height * g.width);
  const out = new Tensor(y, [g.batch, g.inChannels, g.height, g.width]);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record('convTranspose2d', out, inputs, (dy) => [
    x.requiresGrad ? new Tensor(k.conv2dForward(dy.data, weight.data, null, g), x.shape) : null,
    weight.requiresGrad ? new Tensor(k.conv2dWeightGrad(dy.data, x.data, g), weight.shape) : null,
    bias === null ? null : sum(dy, [0, 2, 3]),
  ]);
}
