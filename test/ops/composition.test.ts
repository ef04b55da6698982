import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { backward, conv2d, matmul, maxPool2d, mean, relu, softmax, sum, tanh, tensor } from '../../src/ops/index.js';
import { arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

describe('ops composed', () => {
  test('maxPool(relu(conv(I, F))) for I=[[1,0,2],[3,1,0],[0,0,4]], F=[[1,0],[0,1]] with a 2×2 pool is 5', () => {
    const image = tensor([[1, 0, 2], [3, 1, 0], [0, 0, 4]]).reshape([1, 1, 3, 3]);
    const filter = tensor([[1, 0], [0, 1]]).reshape([1, 1, 2, 2]);
    const features = relu(conv2d(image, filter));
    expect(features.toArray()).toEqual([[[[2, 0], [3, 5]]]]);
    expect(maxPool2d(features, { kernelSize: 2 }).item()).toBe(5);
  });

  test('the gradient of that pooled value flows back only through the winning window', () => {
    const image = tensor([[1, 0, 2], [3, 1, 0], [0, 0, 4]], undefined).reshape([1, 1, 3, 3]);
    const filter = tensor([[1, 0], [0, 1]], [1, 1, 2, 2], { requiresGrad: true });
    backward(sum(maxPool2d(relu(conv2d(image, filter)), { kernelSize: 2 })));
    // The winner is output (1,1) = I[1][1]·F[0][0] + I[2][2]·F[1][1], so dF = [[1, 0], [0, 4]].
    expect(filter.grad!.toArray()).toEqual([[[[1, 0], [0, 4]]]]);
  });

  prop.prop(
    [fc.tuple(arbTensorOfShape([2, 1, 4, 4]), arbTensorOfShape([3, 1, 3, 3]), arbTensorOfShape([12, 5]))],
    { numRuns: 15 },
  )('a small CNN (conv → tanh → flatten → matmul → softmax) has correct gradients end to end', ([x, w, v]) => {
    const net = (input: typeof x, kernel: typeof w, dense: typeof v) =>
      mean(softmax(matmul(tanh(conv2d(input, kernel, { padding: 0 })).reshape([2, 12]), dense)), 0);
    checkGradients(net, [x, w, v]);
  });
});
