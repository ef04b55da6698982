import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, tensor, upsampleNearest2d } from '../../../src/ops/index.js';
import { upsample } from '../../../src/models/layers/upsample.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbShape, arbTensorOfShape, checkGradients } from '../../../src/testing/index.js';

const arbScale = fc.oneof(
  fc.integer({ min: 1, max: 3 }),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
);
const arbCase = fc.tuple(arbShape({ rank: [4, 4], dim: [1, 3] }), arbScale).chain(([shape, scaleFactor]) =>
  fc.tuple(arbTensorOfShape(shape), fc.constant(scaleFactor)),
);

describe('upsample layer', () => {
  prop.prop([arbCase], { numRuns: 30 })(
    'for any input and scale, the built shape is [C, H·sH, W·sW] and forward equals upsampleNearest2d',
    ([x, scaleFactor]) => {
      const layer = upsample({ scaleFactor });
      const [sH, sW] = typeof scaleFactor === 'number' ? [scaleFactor, scaleFactor] : scaleFactor;
      const [n, c, h, w] = x.shape;
      expect(layer.build([c, h, w], { rng: new Rng(0) })).toEqual([c, h * sH, w * sW]);
      const y = layer.forward(x);
      expect(y.shape).toEqual([n, c, h * sH, w * sW]);
      expect(y.data).toEqual(upsampleNearest2d(x, { scaleFactor }).data);
    },
  );

  prop.prop([arbCase], { numRuns: 20 })('for any input and scale, the gradient matches finite differences', ([x, scaleFactor]) => {
    const layer = upsample({ scaleFactor });
    layer.build(x.shape.slice(1), { rng: new Rng(0) });
    checkGradients((x) => layer.forward(x), [x]);
  });

  test('scale 2 turns every pixel into a 2×2 block; no parameters', () => {
    const net = sequential([upsample({ scaleFactor: 2 })], { inputShape: [1, 2, 2] });
    expect(net.forward(tensor([[[[1, 2], [3, 4]]]])).toArray()).toEqual([
      [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]],
    ]);
    expect(net.parameters()).toEqual([]);
  });

  test('forward accepts another H×W with the built channels', () => {
    const layer = upsample({ scaleFactor: [1, 2] });
    layer.build([2, 4, 4], { rng: new Rng(0) });
    expect(layer.forward(new Tensor(new Float32Array(2 * 3 * 5), [1, 2, 3, 5])).shape).toEqual([1, 2, 3, 10]);
  });

  test('toJSON holds the scale factor', () => {
    expect(upsample({ scaleFactor: [2, 3] }).toJSON()).toEqual({ kind: 'upsample', scaleFactor: [2, 3] });
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['missing scaleFactor', {}, 'upsample: option scaleFactor is required'],
      ['fractional scale', { scaleFactor: 1.5 }, 'upsample: scaleFactor must be an integer >= 1 or a pair [height, width] of them, found 1.5'],
      ['zero scale', { scaleFactor: [2, 0] }, 'upsample: scaleFactor must be an integer >= 1'],
      ['unsupported option', { scaleFactor: 2, mode: 'bilinear' }, 'upsample: unknown option mode (expected scaleFactor)'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => upsample(options as never)).toThrow(ArgumentError);
      expect(() => upsample(options as never)).toThrow(message);
    });
  });

  test('an input shape that is not [C,H,W] throws at model construction', () => {
    expect(() => sequential([upsample({ scaleFactor: 2 })], { inputShape: [3, 4] })).toThrow(
      "upsample '0': expected an image input [C,H,W] (the batch dimension excluded), found [3,4]",
    );
  });

  test('forward with the wrong rank or channels throws naming the layer and both shapes', () => {
    const layer = upsample({ scaleFactor: 2 });
    layer.build([3, 4, 4], { rng: new Rng(0) });
    const expected = 'upsample: expected input [N,3,H,W] (built for [N,3,4,4]; H and W may differ), found';
    expect(() => layer.forward(new Tensor(new Float32Array(16), [1, 1, 4, 4]))).toThrow(ShapeError);
    expect(() => layer.forward(new Tensor(new Float32Array(16), [1, 1, 4, 4]))).toThrow(`${expected} [1,1,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(48), [3, 4, 4]))).toThrow(`${expected} [3,4,4]`);
  });
});
