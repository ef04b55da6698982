import { describe, expect, test } from 'vitest';
import { test as prop } from '@fast-check/vitest';
import { Rng, ShapeError, Tensor, avgPool2d, tensor } from '../../../src/ops/index.js';
import { globalAvgPool2d } from '../../../src/models/layers/global-avg-pool2d.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensor, checkGradients } from '../../../src/testing/index.js';

const arbImages = arbTensor({ rank: [4, 4], dim: [1, 4] });

function built(channels: number) {
  const layer = globalAvgPool2d();
  layer.build([channels, 1, 1], { rng: new Rng(0) });
  return layer;
}

describe('globalAvgPool2d layer', () => {
  prop.prop([arbImages], { numRuns: 30 })(
    'for any [N,C,H,W], the output is [N,C] and equals avgPool2d with an H×W window, flattened (AdaptiveAvgPool2d(1) + Flatten)',
    (x) => {
      const [n, c, h, w] = x.shape;
      const y = built(c).forward(x);
      expect(y.shape).toEqual([n, c]);
      const pooled = avgPool2d(x, { kernelSize: [h, w] });
      Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(pooled.data[i], 5));
    },
  );

  prop.prop([arbImages], { numRuns: 20 })('for any input, the gradient matches finite differences', (x) => {
    const layer = built(x.shape[1]);
    checkGradients((x) => layer.forward(x), [x]);
  });

  test('a worked example: channel means of a [1,2,2,2] batch are [2.5, 10]; no parameters', () => {
    const x = tensor([[[[1, 2], [3, 4]], [[10, 10], [10, 10]]]]);
    const layer = built(2);
    expect(layer.forward(x).toArray()).toEqual([[2.5, 10]]);
    expect(layer.parameters()).toEqual([]);
  });

  test('in a model it maps [C,H,W] to [C], so a classifier follows whatever the image size', () => {
    const net = sequential([globalAvgPool2d(), dense(3)], { inputShape: [8, 7, 5] });
    expect(net.layers[0].outputShape).toEqual([8]);
    expect(net.layers[0].forward(new Tensor(new Float32Array(8 * 9 * 9), [1, 8, 9, 9])).shape).toEqual([1, 8]);
  });

  test('toJSON has no options', () => {
    expect(globalAvgPool2d().toJSON()).toEqual({ kind: 'globalAvgPool2d' });
    expect(String(globalAvgPool2d())).toBe('globalAvgPool2d()');
  });

  test('an input shape that is not [C,H,W] throws at model construction', () => {
    expect(() => sequential([globalAvgPool2d()], { inputShape: [10] })).toThrow(
      "globalAvgPool2d '0': expected an image input [C,H,W] (the batch dimension excluded), found [10]",
    );
  });

  test('forward with the wrong rank or channels throws naming the layer and both shapes', () => {
    const layer = globalAvgPool2d();
    layer.build([3, 4, 4], { rng: new Rng(0) });
    const expected = 'globalAvgPool2d: expected input [N,3,H,W] (built for [N,3,4,4]; H and W may differ), found';
    expect(() => layer.forward(new Tensor(new Float32Array(32), [1, 2, 4, 4]))).toThrow(ShapeError);
    expect(() => layer.forward(new Tensor(new Float32Array(32), [1, 2, 4, 4]))).toThrow(`${expected} [1,2,4,4]`);
    expect(() => layer.forward(new Tensor(new Float32Array(3), [1, 3]))).toThrow(`${expected} [1,3]`);
  });
});
