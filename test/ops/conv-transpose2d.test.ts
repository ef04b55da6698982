import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { conv2d } from '../../src/ops/conv2d.js';
import { convTranspose2d, convTranspose2dOutputShape } from '../../src/ops/conv-transpose2d.js';
import { tensor, ArgumentError, ShapeError, Tensor } from '../../src/ops/index.js';
import { arbConv2dConfig, arbTensorOfShape, checkGradients, type Conv2dConfig } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

const convOpts = (c: Conv2dConfig) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation });

/** A conv2d config read backwards, an outputPadding allowed by it, and the transposed output shape. */
const arbTransposeConfig = arbConv2dConfig().chain((c) =>
  fc
    .tuple(
      fc.nat({ max: Math.max(c.stride[0], c.dilation[0]) - 1 }),
      fc.nat({ max: Math.max(c.stride[1], c.dilation[1]) - 1 }),
    )
    .map(([oh, ow]) => ({
      ...c,
      outputPadding: [oh, ow] as [number, number],
      transposed: [c.input[0], c.input[1], c.input[2] + oh, c.input[3] + ow],
    })),
);

/** Random transposed-conv operands: x shaped like conv2d's output, weight [C_in, C_out, kH, kW], bias [C_out]. */
const arbTransposeCase = arbTransposeConfig.chain((c) =>
  fc.tuple(fc.constant(c), arbTensorOfShape(c.output), arbTensorOfShape(c.weight), arbTensorOfShape([c.weight[1]])),
);

function dot(a: Tensor, b: Tensor): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (let i = 0; i < a.size; i++) {
    value += a.data[i] * b.data[i];
    scale += Math.abs(a.data[i] * b.data[i]);
  }
  return { value, scale };
}

describe('convTranspose2d', () => {
  test.prop([arbTransposeCase], runs)(
    'for any valid config and outputPadding, the convTranspose2d gradient wrt x, weight and bias matches finite differences',
    ([c, x, w, b]) => {
      const opts = { ...convOpts(c), outputPadding: c.outputPadding };
      checkGradients((x, w, b) => convTranspose2d(x, w, { bias: b, ...opts }), [x, w, b]);
    },
  );

  test.prop(
    [arbConv2dConfig().chain((c) => fc.tuple(fc.constant(c), arbTensorOfShape(c.input), arbTensorOfShape(c.weight), arbTensorOfShape(c.output)))],
    { numRuns: 50 },
  )('for any valid config, convTranspose2d is the adjoint of conv2d: <conv2d(x, w), y> = <x, convTranspose2d(y, w)>', ([c, x, w, y]) => {
    const left = dot(conv2d(x, w, convOpts(c)), y);
    const right = dot(x, convTranspose2d(y, w, convOpts(c)));
    expect(Math.abs(left.value - right.value)).toBeLessThanOrEqual(1e-5 * (1 + left.scale));
  });

  test.prop([arbTransposeConfig], { numRuns: 100 })(
    'for any valid config, the output size is (H − 1)·S − 2P + D·(k − 1) + outputPadding + 1, undoing conv2d\'s shape',
    (c) => {
      const opts = { ...convOpts(c), outputPadding: c.outputPadding };
      const expected = [0, 1].map(
        (d) => (c.output[2 + d] - 1) * c.stride[d] - 2 * c.padding[d] + c.dilation[d] * (c.weight[2 + d] - 1) + c.outputPadding[d] + 1,
      );
      const shape = convTranspose2dOutputShape(c.output, c.weight, opts);
      expect(shape).toEqual([c.input[0], c.weight[1], ...expected]);
      expect(shape).toEqual(c.transposed);
    },
  );

  test('d2l.ai 14.10 (PyTorch): [[0,1],[2,3]] with kernel [[0,1],[2,3]] gives [[0,0,1],[0,4,6],[4,12,9]]', () => {
    const x = tensor([[[[0, 1], [2, 3]]]]);
    const k = tensor([[[[0, 1], [2, 3]]]]);
    expect(convTranspose2d(x, k).toArray()).toEqual([[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]]);
    expect(convTranspose2d(x, k, { padding: 1 }).toArray()).toEqual([[[[4]]]]);
    expect(convTranspose2d(x, k, { stride: 2 }).toArray()).toEqual([[[[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]]]);
  });

  test('outputPadding adds rows/columns at the bottom/right that only the bias reaches when padding is 0', () => {
    const x = tensor([[[[0, 1], [2, 3]]]]);
    const k = tensor([[[[0, 1], [2, 3]]]]);
    const y = convTranspose2d(x, k, { stride: 2, outputPadding: 1, bias: tensor([10]) });
    expect(y.toArray()).toEqual([
      [[[10, 10, 10, 11, 10], [10, 10, 12, 13, 10], [10, 12, 10, 13, 10], [14, 16, 16, 19, 10], [10, 10, 10, 10, 10]]],
    ]);
  });

  test('DCGAN: a 4x4 kernel with stride 2 and padding 1 doubles 16x16 to 32x32', () => {
    expect(convTranspose2dOutputShape([1, 64, 16, 16], [64, 32, 4, 4], { stride: 2, padding: 1 })).toEqual([1, 32, 32, 32]);
  });

  test('outputPadding below dilation is allowed even with stride 1, as in PyTorch', () => {
    expect(convTranspose2dOutputShape([1, 1, 3, 3], [1, 1, 3, 3], { dilation: 2, outputPadding: 1 })).toEqual([1, 1, 8, 8]);
  });

  describe('bad inputs', () => {
    const x = new Tensor(new Float32Array(3 * 16), [1, 3, 4, 4]);

    test('channel mismatch names the op and both shapes', () => {
      const w = new Tensor(new Float32Array(2 * 5 * 9), [2, 5, 3, 3]);
      expect(() => convTranspose2d(x, w)).toThrow(
        new ShapeError('convTranspose2d: input channels 3 do not match weight in-channels 2 (input [1,3,4,4], weight [2,5,3,3])'),
      );
    });

    test('wrong ranks are rejected', () => {
      expect(() => convTranspose2d(x, tensor([1]))).toThrow(
        'convTranspose2d: weight must have rank 4 [C_in, C_out, kH, kW], found rank 1 (input [1,3,4,4], weight [1])',
      );
    });

    test('a bias whose shape is not [C_out] is rejected', () => {
      const w = new Tensor(new Float32Array(3 * 5 * 9), [3, 5, 3, 3]);
      expect(() => convTranspose2d(x, w, { bias: tensor([1, 2, 3]) })).toThrow(
        'convTranspose2d: bias must have shape [5] (one per output channel), found [3] (weight [3,5,3,3])',
      );
    });

    test('outputPadding not smaller than stride or dilation is rejected, as in PyTorch', () => {
      const w = new Tensor(new Float32Array(3 * 9), [3, 1, 3, 3]);
      expect(() => convTranspose2d(x, w, { stride: 2, outputPadding: 2 })).toThrow(
        new ArgumentError(
          'convTranspose2d: outputPadding must be smaller than stride or dilation (as in PyTorch), found outputPadding [2,2] with stride [2,2] and dilation [1,1]',
        ),
      );
    });

    test('padding that crops the whole output throws with the formula', () => {
      const one = new Tensor(new Float32Array(1), [1, 1, 1, 1]);
      expect(() => convTranspose2d(one, one, { padding: 1 })).toThrow(
        'convTranspose2d: output height (H − 1)·S − 2P + D·(k − 1) + outputPadding + 1 = (1 − 1)·1 − 2·1 + 1·(1 − 1) + 0 + 1 = -1 is below 1',
      );
    });

    test("bad stride and padding values are rejected by name; padding 'same' is conv2d only", () => {
      const w = new Tensor(new Float32Array(3 * 9), [3, 1, 3, 3]);
      expect(() => convTranspose2d(x, w, { stride: 0 })).toThrow('convTranspose2d: stride must be an integer >= 1 or a pair of them, found 0');
      expect(() => convTranspose2d(x, w, { padding: 'same' as never })).toThrow(
        'convTranspose2d: padding must be an integer >= 0 or a pair of them, found "same"',
      );
    });
  });
});
