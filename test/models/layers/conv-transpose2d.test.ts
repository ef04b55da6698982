import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, backward, convTranspose2d as convTranspose2dOp, randn, tensor } from '../../../src/ops/index.js';
import { ConvTranspose2d, convTranspose2d } from '../../../src/models/layers/conv-transpose2d.js';
import { relu } from '../../../src/models/layers/relu.js';
import { sequential } from '../../../src/models/sequential.js';
import { initializers } from '../../../src/models/initializers.js';
import { countParameters } from '../../../src/models/summary.js';
import { arbConv2dConfig, arbTensorOfShape, checkGradients, type Conv2dConfig } from '../../../src/testing/index.js';

/**
 * The transpose of a conv2d configuration: it maps the conv's output shape `[N, K, Ho, Wo]`
 * back to its input shape `[N, C, H, W]`, with the conv's weight `[K, C, kH, kW]`.
 */
function layerFor(c: Conv2dConfig, useBias = true): ConvTranspose2d {
  const layer = convTranspose2d({
    filters: c.input[1],
    kernelSize: [c.weight[2], c.weight[3]],
    stride: c.stride,
    padding: c.padding,
    dilation: c.dilation,
    useBias,
  });
  layer.build(c.output.slice(1), { rng: new Rng(0) });
  return layer;
}

const opOptions = (c: Conv2dConfig) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation });
const leaf = (t: Tensor) => new Tensor(t.data.slice(), t.shape, true);
const arbCase = arbConv2dConfig({ maxChannels: 2, maxOutput: 3 }).chain((c) =>
  fc.tuple(fc.constant(c), arbTensorOfShape(c.output), fc.boolean()),
);

describe('convTranspose2d layer', () => {
  test('DCGAN: a 4×4 kernel, stride 2, padding 1 doubles 16×16; weight [C_in, filters, kH, kW] as PyTorch', () => {
    const net = sequential([convTranspose2d({ filters: 32, kernelSize: 4, stride: 2, padding: 1 })], { inputShape: [64, 16, 16] });
    expect(net.outputShape).toEqual([32, 32, 32]);
    expect(net.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['0.weight', [64, 32, 4, 4]],
      ['0.bias', [32]],
    ]);
    expect(countParameters(net).total).toBe(64 * 32 * 16 + 32);
  });

  prop.prop([arbConv2dConfig()], { numRuns: 40 })(
    'for any valid conv2d config, the transposed layer maps its output shape back to its input shape, on a real batch too',
    (c) => {
      const layer = layerFor(c);
      expect(layer.outputShape).toEqual(c.input.slice(1));
      const x = new Tensor(new Float32Array(c.output.reduce((a, b) => a * b, 1)), c.output);
      expect(layer.forward(x).shape).toEqual(c.input);
    },
  );

  test('with kernel 3, stride 2, padding 1, a 4×4 input gives 7×7, and 8×8 with outputPadding 1', () => {
    const shapeWith = (outputPadding: number) => {
      const layer = convTranspose2d({ filters: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding });
      return layer.build([2, 4, 4], { rng: new Rng(0) });
    };
    expect(shapeWith(0)).toEqual([1, 7, 7]);
    expect(shapeWith(1)).toEqual([1, 8, 8]);
  });

  prop.prop([arbCase], { numRuns: 20 })(
    'for any valid config, forward equals the convTranspose2d op called with the layer’s weight and bias',
    ([c, x, useBias]) => {
      const layer = layerFor(c, useBias);
      const expected = convTranspose2dOp(x, layer.weight, { bias: layer.bias ?? undefined, ...opOptions(c) });
      expect(layer.forward(x).data).toEqual(expected.data);
    },
  );

  prop.prop([arbCase], { numRuns: 15 })(
    'for any valid config, the gradient wrt input, weight and bias matches finite differences',
    ([c, x]) => {
      const layer = layerFor(c);
      checkGradients((x, w, b) => convTranspose2dOp(x, w, { bias: b, ...opOptions(c) }), [x, layer.weight, layer.bias!]);
      checkGradients((x) => layer.forward(x), [x]);
    },
  );

  prop.prop([arbCase], { numRuns: 15 })(
    'for any valid config, backward delivers to the registered parameters the op’s gradients',
    ([c, x, useBias]) => {
      const layer = layerFor(c, useBias);
      const seed = randn(c.input, new Rng(1));
      backward(layer.forward(leaf(x)), seed);
      const [ws, bs] = [leaf(layer.weight), layer.bias === null ? undefined : leaf(layer.bias)];
      backward(convTranspose2dOp(leaf(x), ws, { bias: bs, ...opOptions(c) }), seed);
      expect(layer.stateDict().weight.grad!.data).toEqual(ws.grad!.data);
      if (useBias) expect(layer.stateDict().bias.grad!.data).toEqual(bs!.grad!.data);
    },
  );

  test('d2l.ai 14.10: [[0,1],[2,3]] transposed with kernel [[0,1],[2,3]] is [[0,0,1],[0,4,6],[4,12,9]]', () => {
    const layer = convTranspose2d({ filters: 1, kernelSize: 2, useBias: false, kernelInitializer: 'zeros' });
    layer.build([1, 2, 2], { rng: new Rng(0) });
    layer.loadStateDict({ weight: tensor([[[[0, 1], [2, 3]]]]) });
    expect(layer.forward(tensor([[[[0, 1], [2, 3]]]])).toArray()).toEqual([[[[0, 0, 1], [0, 4, 6], [4, 12, 9]]]]);
  });

  test('default weights are He-uniform before a ReLU (fan-in filters·kH·kW, as PyTorch computes it)', () => {
    const net = sequential([convTranspose2d({ filters: 3, kernelSize: 2 }), relu()], { inputShape: [4, 3, 3], seed: 5 });
    expect(net.stateDict()['0.weight'].data).toEqual(initializers.heUniform().init([4, 3, 2, 2], new Rng(5)).data);
    const limit = Math.sqrt(6 / (3 * 2 * 2));
    for (const v of net.stateDict()['0.weight'].data) expect(Math.abs(v)).toBeLessThanOrEqual(limit);
  });

  test('forward accepts another H×W with the built channels', () => {
    const layer = convTranspose2d({ filters: 2, kernelSize: 2, stride: 2 });
    layer.build([3, 4, 4], { rng: new Rng(0) });
    expect(layer.forward(new Tensor(new Float32Array(3 * 5 * 6), [1, 3, 5, 6])).shape).toEqual([1, 2, 10, 12]);
  });

  test('toJSON lists every option with its default', () => {
    expect(convTranspose2d({ filters: 4, kernelSize: 3, stride: 2, outputPadding: 1 }).toJSON()).toEqual({
      kind: 'convTranspose2d',
      filters: 4,
      kernelSize: 3,
      stride: 2,
      padding: 0,
      outputPadding: 1,
      dilation: 1,
      useBias: true,
      kernelInitializer: undefined,
      biasInitializer: undefined,
    });
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['non-integer filters', { filters: 0.5, kernelSize: 3 }, 'convTranspose2d: filters must be a positive integer, found 0.5'],
      ['missing kernelSize', { filters: 2 }, 'convTranspose2d: option kernelSize is required'],
      ['negative padding', { filters: 2, kernelSize: 3, padding: -1 }, 'convTranspose2d: padding must be an integer >= 0'],
      ["'same' padding", { filters: 2, kernelSize: 3, padding: 'same' }, 'convTranspose2d: padding must be an integer >= 0 or a pair [height, width] of them, found "same"'],
      [
        'outputPadding not below stride',
        { filters: 2, kernelSize: 3, stride: 2, outputPadding: 2 },
        'convTranspose2d: outputPadding must be smaller than stride or dilation (as in PyTorch), found outputPadding 2 with stride 2 and dilation 1',
      ],
      ['unknown option', { filters: 2, kernelSize: 3, groups: 2 }, 'convTranspose2d: unknown option groups'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => convTranspose2d(options as never)).toThrow(ArgumentError);
      expect(() => convTranspose2d(options as never)).toThrow(message);
    });
  });

  test('padding that removes the whole output throws at model construction with the formula', () => {
    const build = () => sequential([convTranspose2d({ filters: 1, kernelSize: 1, padding: 1 })], { inputShape: [1, 1, 1] });
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(
      "convTranspose2d '0': input [1,1,1] does not fit: output height (H − 1)·S − 2P + D·(k − 1) + outputPadding + 1 = (1 − 1)·1 − 2·1 + 1·(1 − 1) + 0 + 1 = -1 is below 1",
    );
  });

  test('forward with the wrong channels or rank throws naming the layer and both shapes', () => {
    const layer = convTranspose2d({ filters: 2, kernelSize: 2 });
    layer.build([3, 4, 4], { rng: new Rng(0) });
    const expected = 'convTranspose2d: expected input [N,3,H,W] (built for [N,3,4,4]; H and W may differ), found';
    expect(() => layer.forward(new Tensor(new Float32Array(2 * 16), [1, 2, 4, 4]))).toThrow(`${expected} [1,2,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(3 * 16), [3, 16]))).toThrow(`${expected} [3,16]`);
  });
});
