import { describe, expect, test } from 'vitest';
import { Rng, Tensor, add, argmax, backward, noGrad, tensor } from '../../src/ops/index.js';
import { sequential } from '../../src/models/sequential.js';
import { dense } from '../../src/models/layers/dense.js';
import { relu } from '../../src/models/layers/relu.js';
import { tanh } from '../../src/models/layers/activations.js';
import { crossEntropy } from '../../src/models/losses/index.js';
import { adam, sgd } from '../../src/models/optimizers/index.js';
import { l2 } from '../../src/models/regularizers.js';
import type { Layer } from '../../src/models/layer.js';
import type { Optimizer } from '../../src/models/optimizers/index.js';

/** The CS231n spiral: K arms of N points, radius 0..1, angle spread by N(0, 0.2²) noise. */
function spirals(pointsPerClass: number, classes: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < classes; k++) {
    for (let i = 0; i < pointsPerClass; i++) {
      const r = i / (pointsPerClass - 1);
      const t = (k * 4 + (4 * i) / (pointsPerClass - 1)) + rng.normal() * 0.2;
      xs.push(r * Math.sin(t), r * Math.cos(t));
      ys.push(k);
    }
  }
  return { x: tensor(xs, [pointsPerClass * classes, 2]), y: tensor(ys) };
}

/** Full-batch training on softmax cross-entropy plus an L2 penalty of the weights. */
function train(net: Layer, opt: Optimizer, x: Tensor, y: Tensor, steps: number, lambda = 1e-4): void {
  const regularizer = l2(lambda);
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    backward(add(crossEntropy(net.forward(x), y), regularizer.penalty(net)));
    opt.step();
  }
}

function accuracy(net: Layer, x: Tensor, y: Tensor): number {
  const predicted = noGrad(() => argmax(net.forward(x), 1));
  let correct = 0;
  for (let i = 0; i < y.size; i++) if (predicted.data[i] === y.data[i]) correct++;
  return correct / y.size;
}

describe('learning end to end on small data', () => {
  test('a 2-layer network learns XOR to 100% accuracy', () => {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([0, 1, 1, 0]);
    const net = sequential([dense(8), tanh(), dense(2)], { inputShape: [2], seed: 1 });
    train(net, adam(net, { lr: 0.05 }), x, y, 300);
    expect(accuracy(net, x, y)).toBe(1);
  });

  test('the three-class spiral (300 points): a small ReLU network reaches ≥ 95%, a linear softmax classifier stays near 50%', () => {
    const { x, y } = spirals(100, 3, 0);
    const linear = sequential([dense(3)], { inputShape: [2], seed: 0 });
    train(linear, sgd(linear, { lr: 1 }), x, y, 200);
    const linearAccuracy = accuracy(linear, x, y);
    expect(linearAccuracy).toBeGreaterThan(0.4);
    expect(linearAccuracy).toBeLessThan(0.6);

    const net = sequential([dense(100), relu(), dense(3)], { inputShape: [2], seed: 0 });
    train(net, adam(net, { lr: 0.02 }), x, y, 600);
    expect(accuracy(net, x, y)).toBeGreaterThanOrEqual(0.95);
  });
});
