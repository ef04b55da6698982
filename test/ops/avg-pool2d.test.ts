import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, tensor, ArgumentError, ShapeError } from '../../src/ops/index.js';
import { avgPool2d, avgPool2dOutputShape } from '../../src/ops/avg-pool2d.js';
import { arbPool2dConfig, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

// Average pooling is linear, so any values and the default h work.
const configAndInput = arbPool2dConfig().chain((config) =>
  fc.tuple(fc.constant(config), arbTensorOfShape(config.input), fc.boolean()),
);

/** The CS231n pooling example, as a [1, 1, 4, 4] tensor. */
const cs231n = () => tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).reshape([1, 1, 4, 4]);

describe('avgPool2d', () => {
  test.prop([configAndInput], runs)(
    'for any valid config, x and countIncludePad, the avgPool2d gradient matches finite differences',
    ([config, x, countIncludePad]) => {
      const opts = { kernelSize: config.kernelSize, stride: config.stride, padding: config.padding, countIncludePad };
      checkGradients((t) => avgPool2d(t, opts), [x]);
    },
  );

  test.prop([arbPool2dConfig()], runs)(
    'for any valid config, the output size is (W − F + 2P)/S + 1 per spatial dimension',
    (config) => {
      const [n, c, h, w] = config.input;
      const opts = { kernelSize: config.kernelSize, stride: config.stride, padding: config.padding };
      const size = (d: number, i: number) =>
        (d - config.kernelSize[i] + 2 * config.padding[i]) / config.stride[i] + 1;
      const expected = [n, c, size(h, 0), size(w, 1)];
      expect(avgPool2dOutputShape(config.input, opts)).toEqual(expected);
      expect(avgPool2d(tensor(new Float32Array(n * c * h * w), config.input), opts).shape).toEqual(expected);
    },
  );

  test.prop([arbPool2dConfig({ maxPadding: 0 }), fc.double({ min: -5, max: 5, noNaN: true })], runs)(
    'for any valid config without padding, pooling a constant tensor gives that constant',
    (config, v) => {
      const [n, c, h, w] = config.input;
      const x = tensor(new Float32Array(n * c * h * w).fill(v), config.input);
      const y = avgPool2d(x, { kernelSize: config.kernelSize, stride: config.stride });
      for (const value of y.data) expect(value).toBeCloseTo(Math.fround(v), 5);
    },
  );

  test('2×2 windows with stride 2 on the CS231n example give the window means', () => {
    expect(avgPool2d(cs231n(), { kernelSize: 2 }).toArray()).toEqual([[[[3.25, 5.25], [2, 2]]]]);
  });

  test('each input cell receives g / (F·F) from each window that holds it', () => {
    const x = cs231n();
    x.requiresGrad = true;
    backward(avgPool2d(x, { kernelSize: 2 }), tensor([4, 8, 12, 16], [1, 1, 2, 2]));
    expect(x.grad!.toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
  });

  test('overlapping windows add their shares: a 3×3 input, 2×2 windows, stride 1', () => {
    const x = tensor(new Float32Array(9), [1, 1, 3, 3], { requiresGrad: true });
    backward(avgPool2d(x, { kernelSize: 2, stride: 1 }), tensor([4, 4, 4, 4], [1, 1, 2, 2]));
    expect(x.grad!.toArray()).toEqual([[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]);
  });

  test('countIncludePad (default true) divides by F·F, counting zero padding; false divides by real inputs', () => {
    // A 2×2 input of ones with 3×3 windows, padding 1: every window covers the 4 real ones.
    const x = tensor([1, 1, 1, 1], [1, 1, 2, 2], { requiresGrad: true });
    const opts = { kernelSize: 3, stride: 1, padding: 1 };
    const included = avgPool2d(x, opts);
    for (const v of included.data) expect(v).toBeCloseTo(4 / 9, 6);
    expect(Array.from(avgPool2d(x, { ...opts, countIncludePad: false }).data)).toEqual([1, 1, 1, 1]);
    // Backward with countIncludePad false: each of 4 windows gives every input 1/4 of its gradient.
    backward(avgPool2d(x, { ...opts, countIncludePad: false }), tensor([1, 2, 3, 6], [1, 1, 2, 2]));
    expect(Array.from(x.grad!.data)).toEqual([3, 3, 3, 3]);
  });

  test('a 7×7 input with a 3×3 window and stride 3 is an error showing the formula', () => {
    expect(() => avgPool2d(tensor(new Float32Array(49), [1, 1, 7, 7]), { kernelSize: 3, stride: 3 })).toThrow(
      'avgPool2d: output height (W − F + 2P)/S + 1 = (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number',
    );
    expect(() => avgPool2d(tensor(new Float32Array(49), [1, 1, 7, 7]), { kernelSize: 3, stride: 3 })).toThrow(ShapeError);
  });

  test('an input that is not [N,C,H,W] is rejected naming the shape', () => {
    expect(() => avgPool2d(tensor(new Float32Array(8), [2, 2, 2]), { kernelSize: 2 })).toThrow(
      'avgPool2d: expected input of rank 4 [N,C,H,W], found shape [2,2,2]',
    );
  });

  test('bad kernel, stride, padding and countIncludePad values are rejected naming the op and the input shape', () => {
    const x = tensor(new Float32Array(16), [1, 1, 4, 4]);
    expect(() => avgPool2d(x, { kernelSize: [2, 0] })).toThrow(ArgumentError);
    expect(() => avgPool2d(x, { kernelSize: [2, 0] })).toThrow(
      'avgPool2d: kernelSize must be an integer >= 1 or a pair of them, found [2,0]; input [1,1,4,4]',
    );
    expect(() => avgPool2d(x, { kernelSize: 2, stride: 0 })).toThrow('avgPool2d: stride must be an integer >= 1');
    expect(() => avgPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(
      'avgPool2d: padding [2,2] must be at most half of kernelSize [3,3]',
    );
    expect(() => avgPool2d(x, { kernelSize: 2, countIncludePad: 'yes' } as never)).toThrow(
      'avgPool2d: countIncludePad must be a boolean, found yes; input [1,1,4,4]',
    );
    expect(() => avgPool2d(x, { kernelSize: 2, divisorOverride: 3 } as never)).toThrow(
      'avgPool2d: unknown option divisorOverride (expected kernelSize, stride, padding, countIncludePad), input [1,1,4,4]',
    );
  });
});
