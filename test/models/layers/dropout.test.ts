import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, backward, full, sum, tensor } from '../../../src/ops/index.js';
import { Dropout, dropout } from '../../../src/models/layers/dropout.js';
import { BatchNorm1d, batchNorm1d } from '../../../src/models/layers/batch-norm.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape } from '../../../src/testing/index.js';

const runs = { numRuns: 20 };
const n = 20_000;

function built(p: number, shape: number[], seed: number): Dropout {
  const layer = dropout(p);
  layer.build(shape, { rng: new Rng(seed) });
  return layer;
}

describe('dropout layer', () => {
  prop.prop([arbTensorOfShape([2, 3, 2]), fc.double({ min: 0, max: 0.95, noNaN: true })], runs)(
    'in evaluation mode dropout is the identity',
    (x, p) => {
      const layer = built(p, [3, 2], 0).eval();
      expect(layer.forward(x)).toBe(x);
    },
  );

  prop.prop([fc.double({ min: 0.05, max: 0.9, noNaN: true }), fc.integer()], runs)(
    'in training, E[output] ≈ input: the mean of dropout(c) over 20,000 elements is c within 5 standard errors',
    (p, seed) => {
      // Each element is c/(1 − p) with probability 1 − p, else 0: mean c, standard error c·√(p/((1 − p)·n)).
      const c = 1.5;
      const y = built(p, [n], seed).forward(full([1, n], c));
      const average = y.data.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(average - c)).toBeLessThan(5 * c * Math.sqrt(p / ((1 - p) * n)));
    },
  );

  prop.prop([fc.double({ min: 0.05, max: 0.9, noNaN: true }), fc.integer()], runs)(
    'in training, the kept fraction is 1 − p within 5 standard errors √(p(1 − p)/n), and kept values are x/(1 − p)',
    (p, seed) => {
      const y = built(p, [n], seed).forward(full([1, n], 2));
      const kept = y.data.filter((v) => v !== 0);
      expect(Math.abs(kept.length / n - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      const worst = kept.reduce((m, v) => Math.max(m, Math.abs(v - 2 / (1 - p))), 0);
      expect(worst).toBeLessThan(1e-5);
    },
  );

  prop.prop([fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer(), arbTensorOfShape([3, 4])], runs)(
    'the gradient is mask/(1 − p): the same seed twice draws the same mask, read off dropout(ones)',
    (p, seed, x) => {
      const mask = built(p, [4], seed).forward(full([3, 4], 1));
      const input = tensor(Array.from(x.data), x.shape, { requiresGrad: true });
      backward(sum(built(p, [4], seed).forward(input)));
      expect(Array.from(input.grad!.data)).toEqual(Array.from(mask.data));
      for (const m of mask.data) expect(m === 0 || Math.abs(m - 1 / (1 - p)) < 1e-5).toBe(true);
    },
  );

  test('rngState/setRngState replay the same masks', () => {
    const layer = built(0.5, [16], 7);
    const saved = layer.rngState();
    const first = Array.from(layer.forward(full([2, 16], 1)).data);
    const second = Array.from(layer.forward(full([2, 16], 1)).data);
    expect(second).not.toEqual(first);
    layer.setRngState(JSON.parse(JSON.stringify(saved)));
    expect(Array.from(layer.forward(full([2, 16], 1)).data)).toEqual(first);
  });

  test('the model seed fixes the masks: two models with the same seed drop the same units', () => {
    const make = () => sequential([dense(8), dropout(0.5)], { inputShape: [4], seed: 3 });
    const x = full([2, 4], 1);
    expect(Array.from(make().forward(x).data)).toEqual(Array.from(make().forward(x).data));
  });

  test('p = 0 is the identity in training too', () => {
    const x = tensor([[1, 2, 3]]);
    expect(built(0, [3], 0).forward(x)).toBe(x);
  });

  test('p must be in [0, 1)', () => {
    expect(() => dropout(1)).toThrow('dropout: p must be a number in [0, 1), found 1');
    expect(() => dropout(-0.1)).toThrow('dropout: p must be a number in [0, 1), found -0.1');
    expect(() => dropout(NaN)).toThrow('dropout: p must be a number in [0, 1), found NaN');
  });

  test('the RNG state needs a built layer', () => {
    expect(() => dropout().rngState()).toThrow('dropout: rngState needs a built layer');
  });

  test('no parameters or buffers; its JSON form recreates it', () => {
    const layer = built(0.3, [2], 0);
    expect(layer.stateDict()).toEqual({});
    expect(layer.toJSON()).toEqual({ kind: 'dropout', p: 0.3 });
    expect(dropout().p).toBe(0.5);
  });
});

describe('train/eval switching', () => {
  test('eval() on sequential([dense, batchNorm1d, dropout]) switches both dropout and batch norm, train() switches back', () => {
    const net = sequential([dense(6), batchNorm1d(), dropout(0.5)], { inputShape: [3], seed: 1 });
    const bn = net.layers[1] as BatchNorm1d;
    const x = tensor([[1, 2, 3], [-1, 0, 2], [0.5, -2, 1], [3, 1, -1]]);

    net.eval();
    expect(net.layers.map((l) => l.training)).toEqual([false, false, false]);
    const a = Array.from(net.forward(x).data);
    expect(Array.from(net.forward(x).data)).toEqual(a); // deterministic: no mask, running statistics
    expect(bn.numBatchesTracked!.item()).toBe(0);

    net.train();
    expect(net.layers.map((l) => l.training)).toEqual([true, true, true]);
    const y = net.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(y.data.some((v) => v === 0)).toBe(true); // dropout masks again
  });
});
