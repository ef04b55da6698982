import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, tensor, ArgumentError, ShapeError } from '../../src/ops/index.js';
import { maxPool2d, maxPool2dOutputShape } from '../../src/ops/max-pool2d.js';
import { arbPool2dConfig, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

// Max pooling is piecewise linear: its gradient is only defined where no two values in a
// window tie. Values drawn `distinct: 0.05` apart, probed with h = 1e-2 < 0.05, keep every
// window's winner the same at x − h, x and x + h, so finite differences see one linear
// piece. [-10, 10] holds 400 grid points, enough for the largest config (2·2·9·9 = 324).
const configAndInput = arbPool2dConfig({ maxChannels: 2 }).chain((config) =>
  fc.tuple(fc.constant(config), arbTensorOfShape(config.input, { distinct: 0.05, min: -10, max: 10 })),
);

/** The CS231n pooling example, as a [1, 1, 4, 4] tensor. */
const cs231n = () => tensor([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]).reshape([1, 1, 4, 4]);

describe('maxPool2d', () => {
  test.prop([configAndInput], runs)(
    'for any valid config and tie-free x, the maxPool2d gradient matches finite differences',
    ([config, x]) => {
      const opts = { kernelSize: config.kernelSize, stride: config.stride, padding: config.padding };
      checkGradients((t) => maxPool2d(t, opts), [x], { h: 1e-2 });
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
      expect(maxPool2dOutputShape(config.input, opts)).toEqual(expected);
      expect(maxPool2d(tensor(new Float32Array(n * c * h * w), config.input), opts).shape).toEqual(expected);
    },
  );

  test.prop(
    [
      fc
        .record({ size: fc.integer({ min: 1, max: 9 }), kernel: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 2, max: 3 }) })
        .filter(({ size, kernel, stride }) => (size - kernel) % stride !== 0 || size < kernel),
    ],
    runs,
  )('for any config where (W − F + 2P)/S + 1 is not a whole number ≥ 1, maxPool2d throws showing the formula', (c) => {
    const call = () => maxPool2d(tensor(new Float32Array(c.size), [1, 1, 1, c.size]), { kernelSize: [1, c.kernel], stride: c.stride });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(`maxPool2d: output width (W − F + 2P)/S + 1 = (${c.size} − ${c.kernel} + 2·0)/${c.stride} + 1 =`);
  });

  test('2×2 windows with stride 2 on the CS231n example give [[6, 8], [3, 4]]', () => {
    expect(maxPool2d(cs231n(), { kernelSize: 2 }).toArray()).toEqual([[[[6, 8], [3, 4]]]]);
  });

  test('the gradient lands only on each window’s winner (CS231n example)', () => {
    const x = cs231n();
    x.requiresGrad = true;
    backward(maxPool2d(x, { kernelSize: 2, stride: 2 }), tensor([10, 20, 30, 40], [1, 1, 2, 2]));
    expect(x.grad!.toArray()).toEqual([[[[0, 0, 0, 0], [0, 10, 0, 20], [30, 0, 0, 0], [0, 0, 0, 40]]]]);
  });

  test('on ties the first maximal element in row-major order takes the gradient, as in PyTorch', () => {
    const x = tensor([7, 7, 7, 7], [1, 1, 2, 2], { requiresGrad: true });
    backward(maxPool2d(x, { kernelSize: 2 }), tensor([1], [1, 1, 1, 1]));
    expect(Array.from(x.grad!.data)).toEqual([1, 0, 0, 0]);
  });

  test('an input that wins overlapping windows accumulates their gradients', () => {
    // Windows [1, 3] and [3, 2] overlap on the 3.
    const x = tensor([1, 3, 2], [1, 1, 1, 3], { requiresGrad: true });
    backward(maxPool2d(x, { kernelSize: [1, 2], stride: 1 }), tensor([5, 7], [1, 1, 1, 2]));
    expect(Array.from(x.grad!.data)).toEqual([0, 12, 0]);
  });

  test('padding acts as −∞: all-negative inputs keep their own max, never 0', () => {
    const x = tensor([[-1, -2], [-3, -4]]).reshape([1, 1, 2, 2]);
    expect(maxPool2d(x, { kernelSize: 3, stride: 1, padding: 1 }).toArray()).toEqual([[[[-1, -1], [-1, -1]]]]);
  });

  test('a NaN in a window propagates to its output, as in PyTorch', () => {
    const x = tensor([1, NaN, 3, 4, 5, 6, 7, 8], [1, 1, 2, 4]);
    const y = maxPool2d(x, { kernelSize: 2 });
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(y.data[1]).toBe(8);
  });

  test('channels and batch entries pool independently; x is not mutated', () => {
    const data = [1, 2, 3, 4, -1, -2, -3, -4, 9, 8, 7, 6, 0, 0, 0, 5];
    const x = tensor(data, [2, 2, 2, 2]);
    expect(Array.from(maxPool2d(x, { kernelSize: 2 }).data)).toEqual([4, -1, 9, 5]);
    expect(Array.from(x.data)).toEqual(data);
  });

  test('a 7×7 input with a 3×3 window and stride 3 is an error showing the formula', () => {
    expect(() => maxPool2d(tensor(new Float32Array(49), [1, 1, 7, 7]), { kernelSize: 3, stride: 3 })).toThrow(
      'maxPool2d: output height (W − F + 2P)/S + 1 = (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number ' +
        '(input height 7, kernel 3, stride 3, padding 0); input [1,1,7,7]',
    );
  });

  test('an input that is not [N,C,H,W] is rejected naming the shape', () => {
    expect(() => maxPool2d(tensor(new Float32Array(16), [4, 4]), { kernelSize: 2 })).toThrow(
      'maxPool2d: expected input of rank 4 [N,C,H,W], found shape [4,4]',
    );
  });

  test('bad kernel, stride and padding values are rejected naming the op, the value and the input shape', () => {
    const x = tensor(new Float32Array(16), [1, 1, 4, 4]);
    expect(() => maxPool2d(x, { kernelSize: 0 })).toThrow(ArgumentError);
    expect(() => maxPool2d(x, { kernelSize: 0 })).toThrow(
      'maxPool2d: kernelSize must be an integer >= 1 or a pair of them, found 0; input [1,1,4,4]',
    );
    expect(() => maxPool2d(x, { kernelSize: 2, stride: 1.5 })).toThrow('maxPool2d: stride must be an integer >= 1');
    expect(() => maxPool2d(x, { kernelSize: 2, padding: -1 })).toThrow('maxPool2d: padding must be an integer >= 0');
    expect(() => maxPool2d(x, {} as never)).toThrow('maxPool2d: options.kernelSize is required, input [1,1,4,4]');
    expect(() => maxPool2d(x, { kernelSize: 2, ceilMode: true } as never)).toThrow(
      'maxPool2d: unknown option ceilMode (expected kernelSize, stride, padding), input [1,1,4,4]',
    );
  });

  test('padding above half the kernel is rejected, as in PyTorch', () => {
    const x = tensor(new Float32Array(25), [1, 1, 5, 5]);
    expect(() => maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow(
      'maxPool2d: padding [2,2] must be at most half of kernelSize [3,3]',
    );
    expect(() => maxPool2d(x, { kernelSize: 3, padding: 2 })).toThrow('input [1,1,5,5]');
    // P = F/2 exactly is allowed: (5 − 2 + 2·1)/1 + 1 = 6.
    expect(maxPool2d(x, { kernelSize: 2, stride: 1, padding: 1 }).shape).toEqual([1, 1, 6, 6]);
  });
});
