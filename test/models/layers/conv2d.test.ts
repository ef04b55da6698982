import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, backward, conv2d as conv2dOp, randn, tensor } from '../../../src/ops/index.js';
import { Conv2d, conv2d } from '../../../src/models/layers/conv2d.js';
import { relu } from '../../../src/models/layers/relu.js';
import { flatten } from '../../../src/models/layers/flatten.js';
import { sequential } from '../../../src/models/sequential.js';
import { initializers } from '../../../src/models/initializers.js';
import { countParameters } from '../../../src/models/summary.js';
import { arbConv2dConfig, arbTensorOfShape, checkGradients, type Conv2dConfig } from '../../../src/testing/index.js';

const small = { maxBatch: 2, maxChannels: 2, maxKernel: 3, maxOutput: 3 };

/** The layer for a configuration of the testing kit, built for its input (batch excluded). */
function layerFor(c: Conv2dConfig, useBias = true, seed = 0): Conv2d {
  const layer = conv2d({
    filters: c.weight[0],
    kernelSize: [c.weight[2], c.weight[3]],
    stride: c.stride,
    padding: c.padding,
    dilation: c.dilation,
    useBias,
  });
  layer.build(c.input.slice(1), { rng: new Rng(seed) });
  return layer;
}

const opOptions = (c: Conv2dConfig) => ({ stride: c.stride, padding: c.padding, dilation: c.dilation });

/** A leaf copy of `t` that requires grad. */
const leaf = (t: Tensor) => new Tensor(t.data.slice(), t.shape, true);

const arbCase = arbConv2dConfig(small).chain((c) => fc.tuple(fc.constant(c), arbTensorOfShape(c.input), fc.boolean()));

describe('conv2d layer', () => {
  test('CS231n: 32×32×3 input, ten 5×5 filters, pad 2 → [10,32,32] with (5·5·3 + 1)·10 = 760 parameters', () => {
    const net = sequential([conv2d({ filters: 10, kernelSize: 5, padding: 2 })], { inputShape: [3, 32, 32] });
    expect(net.outputShape).toEqual([10, 32, 32]);
    expect(countParameters(net).total).toBe(760);
    expect(net.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['0.weight', [10, 3, 5, 5]],
      ['0.bias', [10]],
    ]);
  });

  prop.prop([fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.boolean()], {
    numRuns: 20,
  })('for any F, C_in, K, the parameter count is (F·F·C_in + useBias)·K', (f, cIn, k, useBias) => {
    const layer = conv2d({ filters: k, kernelSize: f, useBias });
    layer.build([cIn, 6, 6], { rng: new Rng(0) });
    expect(countParameters(layer).total).toBe((f * f * cIn + (useBias ? 1 : 0)) * k);
    expect(layer.bias === null).toBe(!useBias);
  });

  prop.prop([arbConv2dConfig()], { numRuns: 40 })(
    'for any valid config, the built output shape equals the op’s output shape on a real batch',
    (c) => {
      const layer = layerFor(c);
      const x = new Tensor(new Float32Array(c.input.reduce((a, b) => a * b, 1)), c.input);
      expect(layer.outputShape).toEqual(c.output.slice(1));
      expect(layer.forward(x).shape).toEqual(c.output);
    },
  );

  prop.prop([arbCase], { numRuns: 20 })(
    'for any valid config, forward equals the conv2d op called with the layer’s weight and bias',
    ([c, x, useBias]) => {
      const layer = layerFor(c, useBias);
      const expected = conv2dOp(x, layer.weight, { bias: layer.bias ?? undefined, ...opOptions(c) });
      expect(layer.forward(x).data).toEqual(expected.data);
    },
  );

  prop.prop([arbCase], { numRuns: 15 })(
    'for any valid config, the gradient wrt input, weight and bias matches finite differences',
    ([c, x]) => {
      const layer = layerFor(c);
      checkGradients((x, w, b) => conv2dOp(x, w, { bias: b, ...opOptions(c) }), [x, layer.weight, layer.bias!]);
      checkGradients((x) => layer.forward(x), [x]);
    },
  );

  prop.prop([arbCase], { numRuns: 15 })(
    'for any valid config, backward delivers to the registered parameters the op’s gradients',
    ([c, x, useBias]) => {
      const layer = layerFor(c, useBias);
      const seed = randn(c.output, new Rng(1));
      const input = leaf(x);
      backward(layer.forward(input), seed);
      const [xs, ws, bs] = [leaf(x), leaf(layer.weight), layer.bias === null ? undefined : leaf(layer.bias)];
      backward(conv2dOp(xs, ws, { bias: bs, ...opOptions(c) }), seed);
      const state = layer.stateDict();
      expect(state.weight.grad!.data).toEqual(ws.grad!.data);
      if (useBias) expect(state.bias.grad!.data).toEqual(bs!.grad!.data);
      expect(input.grad!.data).toEqual(xs.grad!.data);
    },
  );

  test('default weights are He-uniform before a ReLU, Glorot-uniform otherwise, drawn from the model seed; bias is zero', () => {
    const shape = [4, 2, 3, 3];
    const before = sequential([conv2d({ filters: 4, kernelSize: 3 }), relu()], { inputShape: [2, 5, 5], seed: 3 });
    const alone = sequential([conv2d({ filters: 4, kernelSize: 3 }), flatten()], { inputShape: [2, 5, 5], seed: 3 });
    const state = (m: typeof before) => m.stateDict();
    expect(state(before)['0.weight'].data).toEqual(initializers.heUniform().init(shape, new Rng(3)).data);
    expect(state(alone)['0.weight'].data).toEqual(initializers.glorotUniform().init(shape, new Rng(3)).data);
    expect(Array.from(state(before)['0.bias'].data)).toEqual([0, 0, 0, 0]);
  });

  test('explicit initializers are used, and an initializer object appears in toJSON as its config', () => {
    const layer = conv2d({ filters: 2, kernelSize: 1, kernelInitializer: initializers.constant(0.5), biasInitializer: 'ones' });
    layer.build([1, 2, 2], { rng: new Rng(0) });
    expect(Array.from(layer.weight.data)).toEqual([0.5, 0.5]);
    expect(Array.from(layer.bias!.data)).toEqual([1, 1]);
    expect(layer.toJSON().kernelInitializer).toEqual({ name: 'constant', value: 0.5 });
  });

  test("a worked example: ones 3×3 over arange(25) as 5×5, stride 2, padding 1, bias 1 (PyTorch's values)", () => {
    const layer = conv2d({ filters: 1, kernelSize: 3, stride: 2, padding: 1, kernelInitializer: 'ones', biasInitializer: 'ones' });
    layer.build([1, 5, 5], { rng: new Rng(0) });
    const x = tensor(Array.from({ length: 25 }, (_, i) => i), [1, 1, 5, 5]);
    expect(layer.forward(x).toArray()).toEqual([[[[13, 28, 25], [64, 109, 82], [73, 118, 85]]]]);
  });

  test("padding 'same' keeps H×W, and forward accepts another H×W with the built channels", () => {
    const layer = conv2d({ filters: 3, kernelSize: 4, padding: 'same' });
    layer.build([2, 8, 8], { rng: new Rng(0) });
    expect(layer.outputShape).toEqual([3, 8, 8]);
    expect(layer.forward(new Tensor(new Float32Array(2 * 2 * 5 * 7), [2, 2, 5, 7])).shape).toEqual([2, 3, 5, 7]);
  });

  test('toJSON lists every option with its default, and the config recreates an equal layer', () => {
    const layer = conv2d({ filters: 8, kernelSize: [3, 5], padding: [1, 2] });
    expect(layer.toJSON()).toEqual({
      kind: 'conv2d',
      filters: 8,
      kernelSize: [3, 5],
      stride: 1,
      padding: [1, 2],
      dilation: 1,
      useBias: true,
      kernelInitializer: undefined,
      biasInitializer: undefined,
    });
    const { kind, ...options } = JSON.parse(JSON.stringify(layer.toJSON()));
    expect(kind).toBe('conv2d');
    expect(conv2d(options).toJSON()).toEqual(layer.toJSON());
    expect(String(layer)).toBe('conv2d(filters=8, kernelSize=[3,5], stride=1, padding=[1,2], dilation=1, useBias=true)');
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['non-integer filters', { filters: 2.5, kernelSize: 3 }, 'conv2d: filters must be a positive integer, found 2.5'],
      ['missing filters', { kernelSize: 3 }, 'conv2d: filters must be a positive integer, found undefined'],
      ['missing kernelSize', { filters: 2 }, 'conv2d: option kernelSize is required'],
      ['zero kernelSize', { filters: 2, kernelSize: 0 }, 'conv2d: kernelSize must be an integer >= 1 or a pair [height, width] of them, found 0'],
      ['zero stride', { filters: 2, kernelSize: 3, stride: [1, 0] }, 'conv2d: stride must be an integer >= 1 or a pair [height, width] of them, found [1,0]'],
      ['negative padding', { filters: 2, kernelSize: 3, padding: -1 }, "conv2d: padding must be an integer >= 0 or a pair [height, width] of them or 'same', found -1"],
      ['unknown padding name', { filters: 2, kernelSize: 3, padding: 'valid' }, `or 'same', found "valid"`],
      ['bad dilation', { filters: 2, kernelSize: 3, dilation: 1.5 }, 'conv2d: dilation must be an integer >= 1'],
      ["'same' with stride 2", { filters: 2, kernelSize: 3, padding: 'same', stride: 2 }, "conv2d: padding 'same' needs stride 1 (as in PyTorch), found stride 2"],
      ['non-boolean useBias', { filters: 2, kernelSize: 3, useBias: 'no' }, 'conv2d: useBias must be true or false, found "no"'],
      ['unknown option', { filters: 2, kernel_size: 3 }, 'conv2d: unknown option kernel_size (expected filters, kernelSize,'],
      ['unknown initializer', { filters: 2, kernelSize: 3, kernelInitializer: 'xavier' }, 'conv2d: unknown initializer "xavier"'],
      ['no options object', undefined, 'conv2d: expected an options object { filters, kernelSize,'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => conv2d(options as never)).toThrow(ArgumentError);
      expect(() => conv2d(options as never)).toThrow(message);
    });
  });

  test('a configuration whose output size is not whole throws at model construction with the formula', () => {
    const build = () => sequential([conv2d({ filters: 2, kernelSize: 4, stride: 2 })], { inputShape: [1, 7, 7] });
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(
      "conv2d '0': input [1,7,7] does not fit: output height (W − F + 2P)/S + 1 = (7 − 4 + 2·0)/2 + 1 = 2.50 is not a whole number",
    );
  });

  test('an input shape that is not [C,H,W] throws at model construction', () => {
    expect(() => sequential([conv2d({ filters: 2, kernelSize: 3 })], { inputShape: [784] })).toThrow(
      "conv2d '0': expected an image input [C,H,W] (the batch dimension excluded), found [784]",
    );
  });

  // Sequential checks a batch against its own built input shape before its layers see it, so
  // these call the layer directly (a named layer, as a container would name it).
  test('forward with the wrong rank or channels throws naming the layer and both shapes', () => {
    const layer = conv2d({ filters: 2, kernelSize: 3 });
    layer.name = 'features';
    layer.build([3, 8, 8], { rng: new Rng(0) });
    const expected = "conv2d 'features': expected input [N,3,H,W] (built for [N,3,8,8]; H and W may differ), found";
    expect(() => layer.forward(new Tensor(new Float32Array(8 * 64), [8, 1, 8, 8]))).toThrow(`${expected} [8,1,8,8]`);
    expect(() => layer.forward(new Tensor(new Float32Array(3 * 64), [3, 8, 8]))).toThrow(`${expected} [3,8,8]`);
  });

  test('forward on an H×W the configuration does not fit throws naming the layer and the shapes', () => {
    const layer = conv2d({ filters: 1, kernelSize: 3, stride: 2 });
    layer.build([1, 7, 7], { rng: new Rng(0) });
    const call = () => layer.forward(new Tensor(new Float32Array(36), [1, 1, 6, 6]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("conv2d: output height (W − F + 2P)/S + 1 = (6 − 3 + 2·0)/2 + 1 = 2.50 is not a whole number");
    expect(call).toThrow('(input [1,1,6,6], weight [1,1,3,3])');
  });
});
