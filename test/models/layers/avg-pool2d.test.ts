import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, avgPool2d as avgPool2dOp, ones, tensor } from '../../../src/ops/index.js';
import { AvgPool2d, avgPool2d } from '../../../src/models/layers/avg-pool2d.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbPool2dConfig, arbTensorOfShape, checkGradients, type Pool2dConfig } from '../../../src/testing/index.js';

function layerFor(c: Pool2dConfig, countIncludePad = true): AvgPool2d {
  const layer = avgPool2d({ kernelSize: c.kernelSize, stride: c.stride, padding: c.padding, countIncludePad });
  layer.build(c.input.slice(1), { rng: new Rng(0) });
  return layer;
}

const arbCase = arbPool2dConfig({ maxChannels: 2, maxOutput: 3 }).chain((c) =>
  fc.tuple(fc.constant(c), arbTensorOfShape(c.input), fc.boolean()),
);

describe('avgPool2d layer', () => {
  prop.prop([arbPool2dConfig()], { numRuns: 40 })(
    'for any valid config, the built output shape equals the op’s output shape on a real batch',
    (c) => {
      const layer = layerFor(c);
      expect(layer.outputShape).toEqual(c.output.slice(1));
      const x = new Tensor(new Float32Array(c.input.reduce((a, b) => a * b, 1)), c.input);
      expect(layer.forward(x).shape).toEqual(c.output);
    },
  );

  prop.prop([arbCase], { numRuns: 20 })('for any valid config, forward equals the avgPool2d op', ([c, x, countIncludePad]) => {
    const { kernelSize, stride, padding } = c;
    const expected = avgPool2dOp(x, { kernelSize, stride, padding, countIncludePad });
    expect(layerFor(c, countIncludePad).forward(x).data).toEqual(expected.data);
  });

  prop.prop([arbCase], { numRuns: 20 })(
    'for any valid config, the input gradient matches finite differences',
    ([c, x, countIncludePad]) => {
      const layer = layerFor(c, countIncludePad);
      checkGradients((x) => layer.forward(x), [x]);
    },
  );

  test('2×2 windows average [[1,2],[3,4]] to 2.5; no parameters', () => {
    const net = sequential([avgPool2d({ kernelSize: 2 })], { inputShape: [1, 2, 2] });
    expect(net.forward(tensor([[[[1, 2], [3, 4]]]])).item()).toBe(2.5);
    expect(net.parameters()).toEqual([]);
  });

  test('countIncludePad: a corner window of ones with padding 1 averages to 4/9 counting the padding, 1 without', () => {
    const x = ones([1, 1, 3, 3]);
    const corner = (countIncludePad: boolean) => {
      const layer = avgPool2d({ kernelSize: 3, stride: 1, padding: 1, countIncludePad });
      layer.build([1, 3, 3], { rng: new Rng(0) });
      return layer.forward(x).data[0];
    };
    expect(corner(true)).toBeCloseTo(4 / 9, 6);
    expect(corner(false)).toBe(1);
  });

  test('forward accepts another H×W with the built channels', () => {
    const layer = avgPool2d({ kernelSize: 2 });
    layer.build([2, 8, 8], { rng: new Rng(0) });
    expect(layer.forward(new Tensor(new Float32Array(2 * 6 * 2), [1, 2, 6, 2])).shape).toEqual([1, 2, 3, 1]);
  });

  test('toJSON lists kernelSize, stride (defaulting to kernelSize), padding and countIncludePad', () => {
    expect(avgPool2d({ kernelSize: 2 }).toJSON()).toEqual({
      kind: 'avgPool2d',
      kernelSize: 2,
      stride: 2,
      padding: 0,
      countIncludePad: true,
    });
    expect(avgPool2d({ kernelSize: 3, stride: 1, padding: [1, 0], countIncludePad: false }).toJSON()).toEqual({
      kind: 'avgPool2d',
      kernelSize: 3,
      stride: 1,
      padding: [1, 0],
      countIncludePad: false,
    });
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['missing kernelSize', { stride: 2 }, 'avgPool2d: option kernelSize is required'],
      ['kernelSize of three numbers', { kernelSize: [2, 2, 2] }, 'avgPool2d: kernelSize must be an integer >= 1 or a pair [height, width] of them, found [2,2,2]'],
      ['padding above half the kernel', { kernelSize: 2, padding: [0, 2] }, 'avgPool2d: padding [0,2] must be at most half of kernelSize 2'],
      ['non-boolean countIncludePad', { kernelSize: 2, countIncludePad: 1 }, 'avgPool2d: countIncludePad must be true or false, found 1'],
      ['unsupported option', { kernelSize: 2, ceilMode: true }, 'avgPool2d: unknown option ceilMode (expected kernelSize, stride, padding, countIncludePad)'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => avgPool2d(options as never)).toThrow(ArgumentError);
      expect(() => avgPool2d(options as never)).toThrow(message);
    });
  });

  test('a window that does not tile the input throws at model construction with the formula', () => {
    const build = () => sequential([avgPool2d({ kernelSize: 3, stride: 2 })], { inputShape: [1, 6, 5] });
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(
      "avgPool2d '0': input [1,6,5] does not fit: output height (W − F + 2P)/S + 1 = (6 − 3 + 2·0)/2 + 1 = 2.50 is not a whole number",
    );
  });

  test('forward with the wrong rank or channels throws naming the layer and both shapes', () => {
    const layer = avgPool2d({ kernelSize: 2 });
    layer.build([3, 4, 4], { rng: new Rng(0) });
    const expected = 'avgPool2d: expected input [N,3,H,W] (built for [N,3,4,4]; H and W may differ), found';
    expect(() => layer.forward(new Tensor(new Float32Array(32), [1, 2, 4, 4]))).toThrow(`${expected} [1,2,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(48), [1, 3, 16]))).toThrow(`${expected} [1,3,16]`);
  });
});
