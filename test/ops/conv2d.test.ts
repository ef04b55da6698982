import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { conv2d, conv2dOutputShape } from '../../src/ops/conv2d.js';
import { tensor, ArgumentError, ShapeError, Tensor } from '../../src/ops/index.js';
import { arbConv2dConfig, arbTensorOfShape, checkGradients, type Conv2dConfig } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

const convOpts = (c: Conv2dConfig) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation });

/** A valid configuration with random input, weight and bias. */
const arbConvCase = arbConv2dConfig().chain((c) =>
  fc.tuple(fc.constant(c), arbTensorOfShape(c.input), arbTensorOfShape(c.weight), arbTensorOfShape([c.weight[0]])),
);

/** `x` with explicit zero rows/columns around it, the padding `conv2d` applies implicitly. */
function zeroPad(x: Tensor, top: number, bottom: number, left: number, right: number): Tensor {
  const [n, c, h, w] = x.shape;
  const H = h + top + bottom;
  const W = w + left + right;
  const out = new Float32Array(n * c * H * W);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < h; y++) {
      for (let z = 0; z < w; z++) out[(p * H + y + top) * W + z + left] = x.data[(p * h + y) * w + z];
    }
  }
  return new Tensor(out, [n, c, H, W]);
}

const values = (t: Tensor) => Array.from(t.data);

describe('conv2d', () => {
  test.prop([arbConvCase], runs)(
    'for any valid config, the conv2d gradient wrt x, weight and bias matches finite differences',
    ([c, x, w, b]) => {
      checkGradients((x, w, b) => conv2d(x, w, { bias: b, ...convOpts(c) }), [x, w, b]);
    },
  );

  test.prop([arbConvCase], runs)('for any valid config without bias, the gradient wrt x and weight matches', ([c, x, w]) => {
    checkGradients((x, w) => conv2d(x, w, convOpts(c)), [x, w]);
  });

  test.prop([arbConv2dConfig()], { numRuns: 100 })(
    'for any valid config, the output size is (W − F + 2P)/S + 1 with F = D·(k − 1) + 1',
    (c) => {
      const expected = [0, 1].map((d) => {
        const span = c.dilation[d] * (c.weight[2 + d] - 1) + 1;
        return (c.input[2 + d] - span + 2 * c.padding[d]) / c.stride[d] + 1;
      });
      expect(conv2dOutputShape(c.input, c.weight, convOpts(c))).toEqual([c.input[0], c.weight[0], ...expected]);
      expect(conv2dOutputShape(c.input, c.weight, convOpts(c))).toEqual(c.output);
    },
  );

  test.prop([arbConvCase], runs)('for any valid config, conv2d(x, w).shape equals conv2dOutputShape', ([c, x, w]) => {
    expect(conv2d(x, w, convOpts(c)).shape).toEqual(conv2dOutputShape(x.shape, w.shape, convOpts(c)));
  });

  const arbBadDim = fc
    .record({ f: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 2, max: 4 }), p: fc.nat({ max: 2 }), extra: fc.nat({ max: 8 }) })
    .map(({ f, s, p, extra }) => ({ f, s, p, w: Math.max(1, f - 2 * p + extra) }))
    .filter(({ f, s, p, w }) => !Number.isInteger((w - f + 2 * p) / s + 1));

  test.prop([arbBadDim], { numRuns: 50 })(
    'for any W, F, S, P where (W − F + 2P)/S + 1 is not whole, conv2d throws showing the formula',
    ({ f, s, p, w }) => {
      const x = new Tensor(new Float32Array(w * 2), [1, 1, w, 2]);
      const weight = new Tensor(new Float32Array(f * 2), [1, 1, f, 2]);
      const shown = ((w - f + 2 * p) / s + 1).toFixed(2);
      const call = () => conv2d(x, weight, { stride: [s, 1], padding: [p, 0] });
      expect(call).toThrow(ShapeError);
      expect(call).toThrow(`conv2d: output height (W − F + 2P)/S + 1 = (${w} − ${f} + 2·${p})/${s} + 1 = ${shown}`);
    },
  );

  const arbSame = fc.record({
    h: fc.integer({ min: 1, max: 6 }),
    w: fc.integer({ min: 1, max: 6 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    dilation: fc.integer({ min: 1, max: 2 }),
  });

  test.prop([arbSame], runs)("for odd and even kernels, padding 'same' keeps H×W", ({ h, w, kh, kw, dilation }) => {
    const x = new Tensor(new Float32Array(2 * h * w), [1, 2, h, w]);
    const weight = new Tensor(new Float32Array(3 * 2 * kh * kw), [3, 2, kh, kw]);
    expect(conv2d(x, weight, { padding: 'same', dilation }).shape).toEqual([1, 3, h, w]);
  });

  test.prop([arbSame.chain((s) => fc.tuple(fc.constant(s), arbTensorOfShape([1, 2, s.h, s.w]), arbTensorOfShape([2, 2, s.kh, s.kw])))], runs)(
    "padding 'same' pads D·(k − 1) in total, the odd one on the bottom/right, as PyTorch",
    ([{ kh, kw, dilation }, x, w]) => {
      const [th, tw] = [dilation * (kh - 1), dilation * (kw - 1)];
      const padded = zeroPad(x, Math.floor(th / 2), Math.ceil(th / 2), Math.floor(tw / 2), Math.ceil(tw / 2));
      const same = conv2d(x, w, { padding: 'same', dilation });
      const explicit = conv2d(padded, w, { dilation });
      values(same).forEach((v, i) => expect(v).toBeCloseTo(explicit.data[i], 5));
    },
  );

  test.prop([arbSame.chain((s) => fc.tuple(fc.constant(s), arbTensorOfShape([2, 2, s.h, s.w]), arbTensorOfShape([2, 2, s.kh, s.kw])))], runs)(
    "with padding 'same' (asymmetric for even kernels), the gradient matches finite differences",
    ([{ dilation }, x, w]) => {
      checkGradients((x, w) => conv2d(x, w, { padding: 'same', dilation }), [x, w]);
    },
  );

  test('CS231n: a 32x32x3 input, ten 5x5 filters, stride 1, pad 2 give 32x32x10', () => {
    expect(conv2dOutputShape([1, 3, 32, 32], [10, 3, 5, 5], { stride: 1, padding: 2 })).toEqual([1, 10, 32, 32]);
  });

  test('1-D: [1,2,3] convolved with [2,1] (correlated with [1,2]) is [2,5,8,3] with full padding, [5,8] without', () => {
    const x = tensor([1, 2, 3], [1, 1, 1, 3]);
    const w = tensor([1, 2], [1, 1, 1, 2]);
    expect(values(conv2d(x, w, { padding: [0, 1] }))).toEqual([2, 5, 8, 3]);
    expect(values(conv2d(x, w))).toEqual([5, 8]);
  });

  test('2-D: f=[[1,2,1],[2,1,1],[1,1,1]] with kernel [[1,0.5],[0.5,1]] gives [[4,4],[4,3]]', () => {
    const f = tensor([[[[1, 2, 1], [2, 1, 1], [1, 1, 1]]]]);
    const k = tensor([[[[1, 0.5], [0.5, 1]]]]);
    expect(conv2d(f, k).toArray()).toEqual([[[[4, 4], [4, 3]]]]);
  });

  test('d2l.ai 7.2/7.4 (PyTorch): corr2d gives [[19,25],[37,43]]; two input channels give [[56,72],[104,120]]', () => {
    const x = tensor([[[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]]);
    const k = tensor([[[[0, 1], [2, 3]]]]);
    expect(conv2d(x, k).toArray()).toEqual([[[[19, 25], [37, 43]]]]);
    const x2 = tensor([[[[0, 1, 2], [3, 4, 5], [6, 7, 8]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
    const k2 = tensor([[[[0, 1], [2, 3]], [[1, 2], [3, 4]]]]);
    expect(conv2d(x2, k2).toArray()).toEqual([[[[56, 72], [104, 120]]]]);
  });

  test('PyTorch: conv2d(arange(25) as 5x5, ones 3x3, stride 2, padding 1, bias 1) = [[13,28,25],[64,109,82],[73,118,85]]', () => {
    const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]);
    const w = tensor(new Array(9).fill(1), [1, 1, 3, 3]);
    const y = conv2d(x, w, { stride: 2, padding: 1, bias: tensor([1]) });
    expect(y.toArray()).toEqual([[[[13, 28, 25], [64, 109, 82], [73, 118, 85]]]]);
  });

  test('dilation 2 spreads a 3x3 kernel over 5x5: ones over arange(25) sum rows and columns 0, 2, 4 = 108', () => {
    const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]);
    const w = tensor(new Array(9).fill(1), [1, 1, 3, 3]);
    expect(values(conv2d(x, w, { dilation: 2 }))).toEqual([108]);
  });

  test('the input and weight are not mutated, and gradients are skipped for inputs that need none', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const w = tensor([1, -1], [1, 1, 1, 2], { requiresGrad: true });
    const y = conv2d(x, w, { padding: 1 });
    expect(values(x)).toEqual([1, 2, 3, 4]);
    expect(y.node!.vjp(new Tensor(new Float32Array(y.size).fill(1), y.shape))[0]).toBeNull();
  });

  describe('bad inputs', () => {
    const x = new Tensor(new Float32Array(8 * 3 * 32 * 32), [8, 3, 32, 32]);
    const w = new Tensor(new Float32Array(16 * 3 * 5 * 5), [16, 3, 5, 5]);

    test('channel mismatch names the op and both shapes', () => {
      const w1 = new Tensor(new Float32Array(16 * 25), [16, 1, 5, 5]);
      expect(() => conv2d(x, w1)).toThrow(
        new ShapeError('conv2d: input channels 3 do not match weight in-channels 1 (input [8,3,32,32], weight [16,1,5,5])'),
      );
    });

    test('wrong ranks are rejected', () => {
      expect(() => conv2d(tensor([1, 2, 3]), w)).toThrow('conv2d: input must have rank 4 [N, C, H, W], found rank 1 (input [3], weight [16,3,5,5])');
      expect(() => conv2d(x, tensor([1, 2]))).toThrow('conv2d: weight must have rank 4 [K, C, kH, kW], found rank 1 (input [8,3,32,32], weight [2])');
      expect(() => conv2dOutputShape([3, 32, 32], [16, 3, 5, 5])).toThrow(ShapeError);
    });

    test('a bias whose shape is not [K] is rejected', () => {
      expect(() => conv2d(x, w, { bias: tensor([1, 2, 3]) })).toThrow(
        'conv2d: bias must have shape [16] (one per output channel), found [3] (weight [16,3,5,5])',
      );
      expect(() => conv2d(x, w, { bias: [1, 2] as never })).toThrow('conv2d: bias must be a Tensor, found an array');
    });

    test('a non-whole output size prints the formula: 7x7 input, 3x3 filter, stride 3', () => {
      const x7 = new Tensor(new Float32Array(49), [1, 1, 7, 7]);
      const w3 = new Tensor(new Float32Array(9), [1, 1, 3, 3]);
      expect(() => conv2d(x7, w3, { stride: 3 })).toThrow('conv2d: output height (W − F + 2P)/S + 1 = (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number');
      expect(() => conv2d(x7, w3, { stride: 3 })).toThrow('(input [1,1,7,7], weight [1,1,3,3])');
    });

    test('a kernel larger than the padded input is rejected', () => {
      const x2 = new Tensor(new Float32Array(4), [1, 1, 2, 2]);
      const w3 = new Tensor(new Float32Array(9), [1, 1, 3, 3]);
      expect(() => conv2d(x2, w3)).toThrow('is below 1');
    });

    test('bad stride, padding and dilation values are rejected by name', () => {
      expect(() => conv2d(x, w, { stride: 0 })).toThrow(new ArgumentError('conv2d: stride must be an integer >= 1 or a pair of them, found 0'));
      expect(() => conv2d(x, w, { padding: -1 })).toThrow('conv2d: padding must be an integer >= 0 or a pair of them, found -1');
      expect(() => conv2d(x, w, { dilation: [1, 1.5] })).toThrow('conv2d: dilation must be an integer >= 1 or a pair of them, found [1,1.5]');
      expect(() => conv2d(x, w, { padding: 'valid' as never })).toThrow(`conv2d: padding must be an integer >= 0, a pair of them or 'same', found "valid"`);
    });

    test("padding 'same' with a stride other than 1 is rejected, as in PyTorch", () => {
      expect(() => conv2d(x, w, { padding: 'same', stride: 2 })).toThrow(
        "conv2d: padding 'same' needs stride 1 (as in PyTorch), found stride [2,2]",
      );
    });

    test('a non-tensor input is rejected by name', () => {
      expect(() => conv2d([1, 2] as never, w)).toThrow('conv2d: input must be a Tensor, found an array');
    });
  });
});
