import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, Tensor, add, backward, tensor } from '../../src/ops/index.js';
import { elasticNet, l1, l2, weightsOnly, type Regularizer } from '../../src/models/regularizers.js';
import { sequential } from '../../src/models/sequential.js';
import { dense } from '../../src/models/layers/dense.js';
import { arbTensor, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 30 };
const arbLambda = fc.double({ min: 0, max: 2, noNaN: true });
const sumOf = (t: Tensor, f: (v: number) => number): number => t.data.reduce((s, v) => s + f(v), 0);

/** The model of the brief: dense(3) then dense(2) on 4 inputs, biases made nonzero so that counting them would show. */
function twoLayerModel() {
  const net = sequential([dense(3), dense(2)], { inputShape: [4], seed: 7 });
  for (const [name, p] of net.namedParameters()) if (name.endsWith('bias')) p.data.fill(5);
  return net;
}

describe('regularizers', () => {
  test('worked example: w1 = [1,0,0,0] and w2 = [¼,¼,¼,¼] both score w·x = 1 on x = [1,1,1,1]; L2 gives 1 and ¼', () => {
    const w1 = tensor([1, 0, 0, 0]);
    const w2 = tensor([0.25, 0.25, 0.25, 0.25]);
    expect(l2(1).penalty(w1).item()).toBe(1);
    expect(l2(1).penalty(w2).item()).toBe(0.25); // L2 prefers the diffuse w2
    expect(l1(1).penalty(w1).item()).toBe(l1(1).penalty(w2).item()); // L1 cannot tell them apart
  });

  test('1-D parameters given by name are skipped by default and counted with an include override', () => {
    const named: [string, Tensor][] = [['w', tensor([1, 0, 0, 0])]];
    expect(l2(1).penalty(named).item()).toBe(0);
    expect(l2(1, { include: () => true }).penalty(named).item()).toBe(1);
    expect(l2(1, { include: (name) => name === 'w' }).penalty([['w', tensor([0.25, 0.25, 0.25, 0.25])]]).item()).toBe(0.25);
  });

  test('on a model, l2 counts the weights [3,4] and [2,3], not the biases', () => {
    const net = twoLayerModel();
    const named = Object.fromEntries(net.namedParameters());
    const expected = 0.1 * (sumOf(named['0.weight'], (v) => v * v) + sumOf(named['1.weight'], (v) => v * v));
    expect(l2(0.1).penalty(net).item()).toBeCloseTo(expected, 5);
    expect(l2(0.1).penalty(net.namedParameters()).item()).toBeCloseTo(expected, 5);
  });

  test('on a model, the gradient of l2(λ) is 2λw on every weight and nothing on the biases', () => {
    const net = twoLayerModel();
    backward(l2(0.1).penalty(net));
    for (const [name, p] of net.namedParameters()) {
      if (name.endsWith('weight')) p.grad!.data.forEach((g, i) => expect(g).toBeCloseTo(2 * 0.1 * p.data[i], 6));
      else expect(p.grad).toBeNull();
    }
  });

  test('include sees the full dotted names of the model', () => {
    const seen: string[] = [];
    l1(1, { include: (name) => (seen.push(name), false) }).penalty(twoLayerModel());
    expect(seen).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  test('the default filter keeps rank ≥ 2 tensors only', () => {
    expect(weightsOnly('bias', tensor([1, 2]))).toBe(false);
    expect(weightsOnly('weight', tensor([[1, 2]]))).toBe(true);
    expect(weightsOnly('conv', new Tensor(new Float32Array(4), [1, 1, 2, 2]))).toBe(true);
  });

  test.prop([arbTensor({ rank: [1, 3], dim: [1, 3], awayFrom: [0] }), arbLambda, arbLambda], runs)(
    'the gradient of every regularizer matches finite differences (away from 0 for L1)',
    (w, a, b) => {
      for (const reg of [l1(a), l2(b), elasticNet({ l1: a, l2: b })]) checkGradients((t) => reg.penalty(t), [w]);
    },
  );

  test.prop([arbTensor({ rank: [1, 3], dim: [1, 3] }), arbLambda, arbLambda], runs)(
    'for any w, l1 = λ·Σ|w|, l2 = λ·Σw², and elasticNet is their sum',
    (w, a, b) => {
      const absSum = sumOf(w, Math.abs);
      const squareSum = sumOf(w, (v) => v * v);
      expect(l1(a).penalty(w).item()).toBeCloseTo(a * absSum, 4);
      expect(l2(b).penalty(w).item()).toBeCloseTo(b * squareSum, 4);
      const both = elasticNet({ l1: a, l2: b }).penalty(w).item();
      expect(both).toBeCloseTo(add(l1(a).penalty(w), l2(b).penalty(w)).item(), 4);
    },
  );

  test('the gradient of l1(λ) is λ·sign(w), 0 at 0', () => {
    const w = tensor([[2, -3, 0]], undefined, { requiresGrad: true });
    backward(l1(0.5).penalty(w));
    expect(Array.from(w.grad!.data)).toEqual([0.5, -0.5, 0]);
  });

  test('worked example: elasticNet({ l1: 0.1, l2: 0.01 }) of [3, −4] is 0.1·7 + 0.01·25 = 0.95', () => {
    expect(elasticNet({ l1: 0.1, l2: 0.01 }).penalty(tensor([3, -4])).item()).toBeCloseTo(0.95, 6);
  });

  test('with nothing selected the penalty is a scalar 0', () => {
    const p = l2(1).penalty([]);
    expect(p.shape).toEqual([]);
    expect(p.item()).toBe(0);
    expect(elasticNet().penalty(twoLayerModel()).item()).toBe(0);
  });

  test('config() gives the kind and both coefficients', () => {
    expect(l1(0.1).config()).toEqual({ kind: 'l1', l1: 0.1, l2: 0 });
    expect(l2(0.2).config()).toEqual({ kind: 'l2', l1: 0, l2: 0.2 });
    expect(elasticNet({ l1: 0.1, l2: 0.2 }).config()).toEqual({ kind: 'elasticNet', l1: 0.1, l2: 0.2 });
  });

  test('bad coefficients and options are ArgumentErrors naming the regularizer', () => {
    expect(() => l2(-1)).toThrow(ArgumentError);
    expect(() => l2(-1)).toThrow('l2: lambda must be a finite number >= 0, found -1');
    expect(() => l1(NaN)).toThrow('l1: lambda must be a finite number >= 0, found NaN');
    expect(() => l1(undefined as unknown as number)).toThrow('l1: lambda must be a finite number >= 0, found undefined');
    expect(() => elasticNet({ l1: -0.1 })).toThrow('elasticNet: l1 must be a finite number >= 0, found -0.1');
    expect(() => elasticNet({ l2: Infinity })).toThrow('elasticNet: l2 must be a finite number >= 0, found Infinity');
    expect(() => elasticNet({ lambda: 1 } as never)).toThrow(
      "elasticNet: unknown option 'lambda' (expected one of l1, l2, include)",
    );
    expect(() => l2(1, { exclude: () => true } as never)).toThrow("l2: unknown option 'exclude' (expected one of include)");
    expect(() => l2(1, { include: 'weights' } as never)).toThrow(
      'l2: include must be a function (name, tensor) => boolean, found string',
    );
  });

  test('penalty refuses unnamed parameter lists and other values, pointing to the accepted forms', () => {
    const net = twoLayerModel();
    const reg: Regularizer = l2(1);
    expect(() => reg.penalty(net.parameters() as never)).toThrow(
      'l2.penalty: expected [name, tensor] pairs such as model.namedParameters(), found a Tensor ' +
        '(pass a single Tensor to penalize it directly)',
    );
    expect(() => reg.penalty(42 as never)).toThrow('l2.penalty: expected a model, [name, tensor] pairs or a Tensor, found number');
  });
});
