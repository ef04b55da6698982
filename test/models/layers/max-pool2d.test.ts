import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, maxPool2d as maxPool2dOp, tensor } from '../../../src/ops/index.js';
import { MaxPool2d, maxPool2d } from '../../../src/models/layers/max-pool2d.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbPool2dConfig, arbTensorOfShape, checkGradients, type Pool2dConfig } from '../../../src/testing/index.js';

function layerFor(c: Pool2dConfig): MaxPool2d {
  const layer = maxPool2d({ kernelSize: c.kernelSize, stride: c.stride, padding: c.padding });
  layer.build(c.input.slice(1), { rng: new Rng(0) });
  return layer;
}

// Distinct values: a tie inside a window has no gradient, and finite differences across it mislead.
const arbCase = arbPool2dConfig({ maxChannels: 2, maxOutput: 3 }).chain((c) =>
  fc.tuple(fc.constant(c), arbTensorOfShape(c.input, { min: -4, max: 4, distinct: 0.05 })),
);

describe('maxPool2d layer', () => {
  prop.prop([arbPool2dConfig()], { numRuns: 40 })(
    'for any valid config, the built output shape equals the op’s output shape on a real batch',
    (c) => {
      const layer = layerFor(c);
      expect(layer.outputShape).toEqual(c.output.slice(1));
      const x = new Tensor(new Float32Array(c.input.reduce((a, b) => a * b, 1)), c.input);
      expect(layer.forward(x).shape).toEqual(c.output);
    },
  );

  prop.prop([arbCase], { numRuns: 20 })('for any valid config, forward equals the maxPool2d op', ([c, x]) => {
    const { kernelSize, stride, padding } = c;
    expect(layerFor(c).forward(x).data).toEqual(maxPool2dOp(x, { kernelSize, stride, padding }).data);
  });

  prop.prop([arbCase], { numRuns: 20 })('for any valid config and distinct inputs, the input gradient matches finite differences', ([c, x]) => {
    const layer = layerFor(c);
    checkGradients((x) => layer.forward(x), [x]);
  });

  test('CS231n: 2×2 windows with stride 2 over a 4×4 map keep [[6,8],[3,4]]; no parameters', () => {
    const net = sequential([maxPool2d({ kernelSize: 2 })], { inputShape: [1, 4, 4] });
    const x = tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).reshape([1, 1, 4, 4]);
    expect(net.forward(x).toArray()).toEqual([[[[6, 8], [3, 4]]]]);
    expect(net.parameters()).toEqual([]);
  });

  test('forward accepts another H×W with the built channels', () => {
    const layer = maxPool2d({ kernelSize: 2 });
    layer.build([3, 8, 8], { rng: new Rng(0) });
    expect(layer.forward(new Tensor(new Float32Array(2 * 3 * 4 * 6), [2, 3, 4, 6])).shape).toEqual([2, 3, 2, 3]);
  });

  test('toJSON lists kernelSize, stride (defaulting to kernelSize) and padding', () => {
    expect(maxPool2d({ kernelSize: [2, 3] }).toJSON()).toEqual({ kind: 'maxPool2d', kernelSize: [2, 3], stride: [2, 3], padding: 0 });
    expect(maxPool2d({ kernelSize: 3, stride: 1, padding: 1 }).toJSON()).toEqual({ kind: 'maxPool2d', kernelSize: 3, stride: 1, padding: 1 });
    expect(String(maxPool2d({ kernelSize: 2 }))).toBe('maxPool2d(kernelSize=2, stride=2, padding=0)');
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['missing kernelSize', {}, 'maxPool2d: option kernelSize is required'],
      ['non-integer kernelSize', { kernelSize: 1.5 }, 'maxPool2d: kernelSize must be an integer >= 1 or a pair [height, width] of them, found 1.5'],
      ['zero stride', { kernelSize: 2, stride: 0 }, 'maxPool2d: stride must be an integer >= 1'],
      ['padding above half the kernel', { kernelSize: 3, padding: 2 }, 'maxPool2d: padding 2 must be at most half of kernelSize 3'],
      ['unsupported option', { kernelSize: 2, dilation: 2 }, 'maxPool2d: unknown option dilation (expected kernelSize, stride, padding)'],
      ['a number instead of options', 2, 'maxPool2d: expected an options object { kernelSize, stride, padding }, found 2'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => maxPool2d(options as never)).toThrow(ArgumentError);
      expect(() => maxPool2d(options as never)).toThrow(message);
    });
  });

  test('a window that does not tile the input throws at model construction with the formula', () => {
    const build = () => sequential([maxPool2d({ kernelSize: 2 })], { inputShape: [1, 5, 5] });
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(
      "maxPool2d '0': input [1,5,5] does not fit: output height (W − F + 2P)/S + 1 = (5 − 2 + 2·0)/2 + 1 = 2.50 is not a whole number",
    );
  });

  test('an input shape that is not [C,H,W] throws at model construction', () => {
    expect(() => sequential([maxPool2d({ kernelSize: 2 })], { inputShape: [4, 4] })).toThrow(
      "maxPool2d '0': expected an image input [C,H,W] (the batch dimension excluded), found [4,4]",
    );
  });

  test('forward with the wrong rank or channels throws naming the layer and both shapes', () => {
    const layer = maxPool2d({ kernelSize: 2 });
    layer.name = 'pool';
    layer.build([3, 4, 4], { rng: new Rng(0) });
    const expected = "maxPool2d 'pool': expected input [N,3,H,W] (built for [N,3,4,4]; H and W may differ), found";
    expect(() => layer.forward(new Tensor(new Float32Array(16), [1, 1, 4, 4]))).toThrow(`${expected} [1,1,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(48), [3, 4, 4]))).toThrow(`${expected} [3,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(27), [1, 3, 3, 3]))).toThrow(
      "maxPool2d 'pool': output height (W − F + 2P)/S + 1 = (3 − 2 + 2·0)/2 + 1 = 1.50 is not a whole number",
    );
  });
});
