import fc from 'fast-check';

/** A 2-D convolution configuration whose output size is a whole number ≥ 1 in both dimensions. */
export interface Conv2dConfig {
  /** Input `[N, C, H, W]`. */
  readonly input: [number, number, number, number];
  /** Weight `[K, C, kH, kW]`. */
  readonly weight: [number, number, number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  /** The output shape by `(W + 2P − D·(F−1) − 1) / S + 1`. */
  readonly output: [number, number, number, number];
}

/** Options for `arbConv2dConfig`. */
export interface ArbConvOptions {
  /** Largest batch size. @default 2 */
  maxBatch?: number;
  /** Largest channel count (in and out). @default 3 */
  maxChannels?: number;
  /** Largest kernel size. @default 3 */
  maxKernel?: number;
  /** Largest stride. @default 2 */
  maxStride?: number;
  /** Largest padding. @default 1 */
  maxPadding?: number;
  /** Largest dilation. @default 2 */
  maxDilation?: number;
  /** Largest output size per spatial dimension. @default 4 */
  maxOutput?: number;
}

/**
 * One spatial dimension valid by construction: pick kernel F, stride S, padding P, dilation D
 * and output O, then set the input to `W = (O − 1)·S + D·(F − 1) + 1 − 2P`. Padding is capped
 * by `maxPadding(span)` so that every window still covers at least one real input; the rare
 * draws that would need W < 1 are dropped.
 */
function dimension(o: Required<ArbConvOptions>, maxPadding: (kernel: number, span: number) => number) {
  return fc
    .record({
      kernel: fc.integer({ min: 1, max: o.maxKernel }),
      stride: fc.integer({ min: 1, max: o.maxStride }),
      padding: fc.nat({ max: o.maxPadding }),
      dilation: fc.integer({ min: 1, max: o.maxDilation }),
      output: fc.integer({ min: 1, max: o.maxOutput }),
    })
    .map((c) => {
      const span = c.dilation * (c.kernel - 1) + 1;
      const padding = Math.min(c.padding, maxPadding(c.kernel, span));
      const size = Math.max(1, (c.output - 1) * c.stride + span - 2 * padding);
      const output = (size + 2 * padding - span) / c.stride + 1;
      return { ...c, padding, size, output };
    })
    .filter((c) => Number.isInteger(c.output) && c.output >= 1);
}

/** Convolution: a window must overlap the input, so P ≤ span − 1. */
const convPadding = (_kernel: number, span: number) => span - 1;
/** Pooling: PyTorch allows P ≤ F/2. */
const poolPadding = (kernel: number) => Math.floor(kernel / 2);

function resolve(opts: ArbConvOptions): Required<ArbConvOptions> {
  return {
    maxBatch: opts.maxBatch ?? 2,
    maxChannels: opts.maxChannels ?? 3,
    maxKernel: opts.maxKernel ?? 3,
    maxStride: opts.maxStride ?? 2,
    maxPadding: opts.maxPadding ?? 1,
    maxDilation: opts.maxDilation ?? 2,
    maxOutput: opts.maxOutput ?? 4,
  };
}

/** Valid `conv2d` configurations (shapes, stride, padding, dilation) with their output shape. */
export function arbConv2dConfig(opts: ArbConvOptions = {}): fc.Arbitrary<Conv2dConfig> {
  const o = resolve(opts);
  return fc
    .record({
      n: fc.integer({ min: 1, max: o.maxBatch }),
      c: fc.integer({ min: 1, max: o.maxChannels }),
      k: fc.integer({ min: 1, max: o.maxChannels }),
      h: dimension(o, convPadding),
      w: dimension(o, convPadding),
    })
    .map(({ n, c, k, h, w }) => ({
      input: [n, c, h.size, w.size],
      weight: [k, c, h.kernel, w.kernel],
      stride: [h.stride, w.stride],
      padding: [h.padding, w.padding],
      dilation: [h.dilation, w.dilation],
      output: [n, k, h.output, w.output],
    }));
}

/** A 2-D pooling configuration whose output size is a whole number ≥ 1. */
export interface Pool2dConfig {
  readonly input: [number, number, number, number];
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly output: [number, number, number, number];
}

/**
 * Valid `maxPool2d` / `avgPool2d` configurations. Padding is at most half the kernel, as
 * PyTorch requires, so every window holds at least one real input.
 */
export function arbPool2dConfig(opts: Omit<ArbConvOptions, 'maxDilation'> = {}): fc.Arbitrary<Pool2dConfig> {
  const o = { ...resolve(opts), maxDilation: 1 };
  return fc
    .record({
      n: fc.integer({ min: 1, max: o.maxBatch }),
      c: fc.integer({ min: 1, max: o.maxChannels }),
      h: dimension(o, poolPadding),
      w: dimension(o, poolPadding),
    })
    .map(({ n, c, h, w }) => ({
      input: [n, c, h.size, w.size],
      kernelSize: [h.kernel, w.kernel],
      stride: [h.stride, w.stride],
      padding: [h.padding, w.padding],
      output: [n, c, h.output, w.output],
    }));
}
