import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, type Tensor, backward, sum, tensor } from '../../../src/ops/index.js';
import { type BatchNorm, type BatchNormOptions, batchNorm1d, batchNorm2d } from '../../../src/models/layers/batch-norm.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 15 };
const eps = 1e-5;

/** Layer and batch for the three layouts: [N, F], [N, C, L] (batchNorm1d) and [N, C, H, W] (batchNorm2d). */
const layouts = [
  { name: '[N, F]', make: (o?: BatchNormOptions) => batchNorm1d(o), shape: (n: number) => [n, 3] },
  { name: '[N, C, L]', make: (o?: BatchNormOptions) => batchNorm1d(o), shape: (n: number) => [n, 2, 3] },
  { name: '[N, C, H, W]', make: (o?: BatchNormOptions) => batchNorm2d(o), shape: (n: number) => [n, 2, 2, 2] },
];

/** A layout, a batch of it with distinct values (so every channel has a spread) and random γ, β, running stats. */
const arbCase = fc
  .record({
    layout: fc.constantFrom(...layouts),
    n: fc.integer({ min: 2, max: 3 }),
    gamma: fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
    beta: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    runningMean: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
    runningVar: fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
  })
  .chain((c) => fc.tuple(fc.constant(c), arbTensorOfShape(c.layout.shape(c.n), { min: -4, max: 4, distinct: 0.3 })));

type Case = { layout: (typeof layouts)[number]; gamma: number[]; beta: number[]; runningMean: number[]; runningVar: number[] };

function setUp(c: Case, x: Tensor): BatchNorm {
  const layer = c.layout.make();
  layer.build(x.shape.slice(1), { rng: new Rng(0) });
  const channels = x.shape[1];
  layer.weight!.data.set(c.gamma.slice(0, channels));
  layer.bias!.data.set(c.beta.slice(0, channels));
  layer.runningMean!.data.set(c.runningMean.slice(0, channels));
  layer.runningVar!.data.set(c.runningVar.slice(0, channels));
  return layer;
}

/** The values of each channel (axis 1) of `t`. */
function channels(t: Tensor): number[][] {
  const c = t.shape[1];
  const inner = t.size / (t.shape[0] * c);
  const out: number[][] = Array.from({ length: c }, () => []);
  t.data.forEach((v, i) => out[Math.floor(i / inner) % c].push(v));
  return out;
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const biasedVar = (v: number[]) => meanOf(v.map((x) => (x - meanOf(v)) ** 2));

describe('batch normalization', () => {
  test('worked example: after one training step on [[1, 2], [3, 4], [5, 9]], the running stats are hand-computed', () => {
    // Channel 0: 1, 3, 5 (mean 3, biased var 8/3, unbiased 4); channel 1: 2, 4, 9 (mean 5, biased 26/3, unbiased 13).
    const bn = batchNorm1d();
    bn.build([2], { rng: new Rng(0) });
    const y = bn.forward(tensor([[1, 2], [3, 4], [5, 9]]));
    expect(Array.from(bn.runningMean!.data)).toEqual([0.3, 0.5].map(Math.fround)); // 0.9·0 + 0.1·mean
    expect(bn.runningVar!.data[0]).toBeCloseTo(0.9 * 1 + 0.1 * 4, 6);
    expect(bn.runningVar!.data[1]).toBeCloseTo(0.9 * 1 + 0.1 * 13, 6);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(bn.numBatchesTracked!.shape).toEqual([]);
    const expected = [[1, 3, 5], [2, 4, 9]].map((v, c) => v.map((x) => (x - [3, 5][c]) / Math.sqrt([8 / 3, 26 / 3][c] + eps)));
    [0, 1, 2].forEach((row) => [0, 1].forEach((c) => expect(y.data[row * 2 + c]).toBeCloseTo(expected[c][row], 5)));
  });

  test('worked example, batchNorm2d: one mean and variance per channel over N, H and W', () => {
    // x[n, c, h, w]: channel 0 holds 0..3 and 8..11, channel 1 holds 4..7 and 12..15 (mean 5.5 and 9.5).
    const bn = batchNorm2d({ momentum: 0.5 });
    bn.build([2, 2, 2], { rng: new Rng(0) });
    bn.forward(tensor(Array.from({ length: 16 }, (_, i) => i), [2, 2, 2, 2]));
    expect(Array.from(bn.runningMean!.data)).toEqual([2.75, 4.75]);
    // Squared deviations of 0,1,2,3,8,9,10,11 from 5.5 sum to 138: unbiased variance 138/7, the same for
    // channel 1; running_var = 0.5·1 + 0.5·138/7.
    for (const v of bn.runningVar!.data) expect(v).toBeCloseTo(0.5 + (0.5 * 138) / 7, 5);
  });

  test('momentum null averages all batches seen (PyTorch momentum=None)', () => {
    const bn = batchNorm1d({ momentum: null });
    bn.build([1], { rng: new Rng(0) });
    bn.forward(tensor([[0], [2]])); // mean 1
    bn.forward(tensor([[4], [6]])); // mean 5
    bn.forward(tensor([[6], [6.5]])); // mean 6.25
    expect(bn.runningMean!.data[0]).toBeCloseTo((1 + 5 + 6.25) / 3, 5);
    expect(bn.numBatchesTracked!.item()).toBe(3);
  });

  prop.prop([arbCase], runs)(
    'in training, each channel of the output has mean ≈ 0 and variance σ²/(σ² + ε) ≈ 1 (γ = 1, β = 0)',
    ([c, x]) => {
      const bn = c.layout.make();
      bn.build(x.shape.slice(1), { rng: new Rng(0) });
      const inputs = channels(x);
      channels(bn.forward(x)).forEach((values, ch) => {
        const s2 = biasedVar(inputs[ch]);
        expect(Math.abs(meanOf(values))).toBeLessThan(1e-5);
        expect(biasedVar(values)).toBeCloseTo(s2 / (s2 + eps), 4);
        expect(biasedVar(values)).toBeGreaterThan(0.99);
      });
    },
  );

  prop.prop([arbCase], runs)('in training, gradients wrt x, γ and β match finite differences', ([c, x]) => {
    const report = checkLayerGradients(setUp(c, x), x);
    expect(report.inputs.map((r) => r.name.split(' ')[0])).toEqual(['input', 'weight', 'bias']);
  });

  prop.prop([arbCase], runs)('in evaluation, gradients wrt x, γ and β match finite differences', ([c, x]) => {
    checkLayerGradients(setUp(c, x).eval(), x);
  });

  prop.prop([arbCase], runs)('in evaluation, y = (x − running_mean)/√(running_var + ε)·γ + β and the buffers do not change', ([c, x]) => {
    const bn = setUp(c, x).eval();
    const before = bn.stateDict();
    const snapshot = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Array.from(v.data)]));
    const y = channels(bn.forward(x));
    channels(x).forEach((values, ch) =>
      values.forEach((v, i) => {
        const expected = ((v - bn.runningMean!.data[ch]) / Math.sqrt(bn.runningVar!.data[ch] + eps)) * bn.weight!.data[ch] + bn.bias!.data[ch];
        expect(y[ch][i]).toBeCloseTo(expected, 4);
      }),
    );
    for (const [k, v] of Object.entries(bn.stateDict())) expect(Array.from(v.data)).toEqual(snapshot[k]);
  });

  test('the state dict has PyTorch names, shapes and initial values', () => {
    const net = sequential([dense(4), batchNorm1d()], { inputShape: [3] });
    const state = net.stateDict();
    expect(Object.keys(state)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(Array.from(state['1.weight'].data)).toEqual([1, 1, 1, 1]);
    expect(Array.from(state['1.bias'].data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(state['1.running_mean'].data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(state['1.running_var'].data)).toEqual([1, 1, 1, 1]);
    expect(state['1.num_batches_tracked'].shape).toEqual([]);
    expect(net.namedParameters().map(([name]) => name)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  test('backward leaves the running statistics alone and reaches γ and β', () => {
    const bn = batchNorm1d();
    bn.build([2], { rng: new Rng(0) });
    const x = tensor([[1, 2], [3, 5]], undefined, { requiresGrad: true });
    backward(sum(bn.forward(x)));
    expect(bn.runningMean!.grad).toBeNull();
    expect(Array.from(bn.bias!.grad!.data)).toEqual([2, 2]);
  });

  test('affine: false has no parameters; trackRunningStats: false has no buffers and uses batch statistics in eval', () => {
    const plain = batchNorm1d({ affine: false });
    plain.build([2], { rng: new Rng(0) });
    expect(Object.keys(plain.stateDict())).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    const untracked = batchNorm1d({ trackRunningStats: false });
    untracked.build([1], { rng: new Rng(0) });
    expect(Object.keys(untracked.stateDict())).toEqual(['weight', 'bias']);
    const y = untracked.eval().forward(tensor([[1], [3]]));
    expect(Array.from(y.data).map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 1]);
  });

  test('a batch of one in training is an error like PyTorch; in evaluation it is fine', () => {
    const net = sequential([batchNorm1d()], { inputShape: [4] });
    expect(() => net.forward(tensor([[1, 2, 3, 4]]))).toThrow(
      "batchNorm1d '0': expected more than 1 value per channel when training, found input [1,4]",
    );
    expect(net.eval().forward(tensor([[1, 2, 3, 4]])).shape).toEqual([1, 4]);
    const image = sequential([batchNorm2d()], { inputShape: [3, 1, 1] });
    expect(() => image.forward(tensor([0, 1, 2], [1, 3, 1, 1]))).toThrow(
      "batchNorm2d '0': expected more than 1 value per channel when training, found input [1,3,1,1]",
    );
  });

  test('inputs of the wrong rank are build errors naming the layer', () => {
    expect(() => sequential([batchNorm1d()], { inputShape: [2, 3, 4] })).toThrow(
      "batchNorm1d '0': expected input [N, C] or [N, C, L], found [N,2,3,4]",
    );
    expect(() => sequential([batchNorm2d()], { inputShape: [10] })).toThrow(
      "batchNorm2d '0': expected input [N, C, H, W], found [N,10] (use batchNorm1d for [N, C] or [N, C, L])",
    );
  });

  test('bad options are rejected at construction', () => {
    expect(() => batchNorm1d({ eps: 0 })).toThrow('batchNorm1d: eps must be a finite number > 0, found 0');
    expect(() => batchNorm2d({ momentum: 1.5 })).toThrow('batchNorm2d: momentum must be a number in [0, 1] or null, found 1.5');
    expect(() => batchNorm2d({ affine: 'yes' as never })).toThrow('batchNorm2d: affine must be a boolean, found yes');
    expect(() => batchNorm1d({ trackRunningStats: 1 as never })).toThrow('batchNorm1d: trackRunningStats must be a boolean, found 1');
    expect(() => batchNorm1d(3 as never)).toThrow('batchNorm1d: options must be an object, found 3');
  });

  test('its JSON form keeps the options, momentum null included', () => {
    expect(batchNorm2d({ momentum: null, eps: 1e-3 }).toJSON()).toEqual({ kind: 'batchNorm2d', momentum: null, eps: 1e-3 });
    expect(JSON.parse(JSON.stringify(batchNorm1d().toJSON()))).toEqual({ kind: 'batchNorm1d' });
  });
});
