import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { backward, sum, tensor, ArgumentError, ShapeError } from '../../src/ops/index.js';
import { upsampleNearest2d, upsampleNearest2dOutputShape, type UpsampleNearest2dOptions } from '../../src/ops/upsample-nearest2d.js';
import { arbShape, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };

const arbScale = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })));
const arbSize = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })));
const arbOptions: fc.Arbitrary<UpsampleNearest2dOptions> = fc.oneof(
  arbScale.map((scaleFactor) => ({ scaleFactor })),
  arbSize.map((size) => ({ size })),
);
const arbInput = arbShape({ rank: [4, 4], dim: [1, 3] }).chain((shape) => arbTensorOfShape(shape));

describe('upsampleNearest2d', () => {
  test.prop([arbInput, arbOptions], runs)(
    'for any x and scale factor or size, the upsampleNearest2d gradient matches finite differences',
    (x, opts) => {
      checkGradients((t) => upsampleNearest2d(t, opts), [x]);
    },
  );

  test.prop([arbInput, arbScale], runs)(
    'for any x and integer scale s, every output equals its source x[⌊i/sH⌋, ⌊j/sW⌋] and the shape is [N, C, H·sH, W·sW]',
    (x, scale) => {
      const [sH, sW] = typeof scale === 'number' ? [scale, scale] : scale;
      const [n, c, h, w] = x.shape;
      const y = upsampleNearest2d(x, { scaleFactor: scale });
      expect(y.shape).toEqual([n, c, h * sH, w * sW]);
      expect(upsampleNearest2dOutputShape(x.shape, { scaleFactor: scale })).toEqual(y.shape);
      const [H, W] = [h * sH, w * sW];
      for (let p = 0; p < n * c; p++) {
        for (let i = 0; i < H; i++) {
          for (let j = 0; j < W; j++) {
            expect(y.data[(p * H + i) * W + j]).toBe(x.data[(p * h + Math.floor(i / sH)) * w + Math.floor(j / sW)]);
          }
        }
      }
    },
  );

  test.prop([arbInput, arbScale], runs)(
    'for any x and integer scale s, the gradient of sum(upsample(x)) is sH·sW everywhere',
    (x, scale) => {
      const [sH, sW] = typeof scale === 'number' ? [scale, scale] : scale;
      const leaf = tensor(x.data, x.shape, { requiresGrad: true });
      backward(sum(upsampleNearest2d(leaf, { scaleFactor: scale })));
      for (const g of leaf.grad!.data) expect(g).toBe(sH * sW);
    },
  );

  test('[[1, 2], [3, 4]] upsampled by 2 is the 4×4 block matrix', () => {
    const x = tensor([[1, 2], [3, 4]]).reshape([1, 1, 2, 2]);
    expect(upsampleNearest2d(x, { scaleFactor: 2 }).toArray()).toEqual([
      [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]],
    ]);
  });

  test('backward sums the gradient over each source pixel’s copies', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 2, 2], { requiresGrad: true });
    const seed = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 1, 4, 4]);
    backward(upsampleNearest2d(x, { scaleFactor: 2 }), seed);
    // Top-left block 1+2+5+6, top-right 3+4+7+8, ...
    expect(Array.from(x.grad!.data)).toEqual([14, 22, 46, 54]);
  });

  test('a pair scale factor scales each dimension: [1, 3] triples the columns only', () => {
    const x = tensor([[1, 2], [3, 4]]).reshape([1, 1, 2, 2]);
    expect(upsampleNearest2d(x, { scaleFactor: [1, 3] }).toArray()).toEqual([[[[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]]]]);
  });

  test('an explicit size uses PyTorch nearest indices floor(dst · in/out): 2×2 to 3×3 and 4×4 to 2×2', () => {
    const x = tensor([[1, 2], [3, 4]]).reshape([1, 1, 2, 2]);
    expect(upsampleNearest2d(x, { size: [3, 3] }).toArray()).toEqual([[[[1, 1, 2], [1, 1, 2], [3, 3, 4]]]]);
    const y = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 1, 4, 4]);
    expect(upsampleNearest2d(y, { size: 2 }).toArray()).toEqual([[[[1, 3], [9, 11]]]]);
  });

  test('an input that is not [N,C,H,W] is rejected naming the shape', () => {
    expect(() => upsampleNearest2d(tensor([1, 2, 3, 4], [2, 2]), { scaleFactor: 2 })).toThrow(ShapeError);
    expect(() => upsampleNearest2d(tensor([1, 2, 3, 4], [2, 2]), { scaleFactor: 2 })).toThrow(
      'upsampleNearest2d: expected input of rank 4 [N,C,H,W], found shape [2,2]',
    );
    expect(() => upsampleNearest2d(tensor(new Float32Array(0), [1, 1, 0, 2]), { size: 2 })).toThrow(
      'upsampleNearest2d: input height and width must be at least 1, found shape [1,1,0,2]',
    );
  });

  test('bad options are rejected naming the op, the value and the input shape', () => {
    const x = tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    expect(() => upsampleNearest2d(x, { scaleFactor: 1.5 })).toThrow(ArgumentError);
    expect(() => upsampleNearest2d(x, { scaleFactor: 1.5 })).toThrow(
      'upsampleNearest2d: scaleFactor must be an integer >= 1 or a pair of them, found 1.5; input [1,1,2,2]',
    );
    expect(() => upsampleNearest2d(x, { size: [0, 2] })).toThrow('upsampleNearest2d: size must be an integer >= 1');
    expect(() => upsampleNearest2d(x, { scaleFactor: 2, size: 4 } as never)).toThrow(
      'upsampleNearest2d: give exactly one of scaleFactor or size, input [1,1,2,2]',
    );
    expect(() => upsampleNearest2d(x, {} as never)).toThrow('upsampleNearest2d: give exactly one of scaleFactor or size');
    expect(() => upsampleNearest2d(x, { scaleFactor: 2, mode: 'bilinear' } as never)).toThrow(
      'upsampleNearest2d: unknown option mode (expected scaleFactor, size), input [1,1,2,2]',
    );
  });
});
