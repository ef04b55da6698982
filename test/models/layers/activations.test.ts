import { describe, expect, test } from 'vitest';
import { test as prop } from '@fast-check/vitest';
import { Rng, type Tensor, elu as eluOp, leakyRelu as leakyReluOp, sigmoid as sigmoidOp, softmax as softmaxOp, tanh as tanhOp, tensor } from '../../../src/ops/index.js';
import { elu, leakyRelu, sigmoid, softmax, tanh } from '../../../src/models/layers/activations.js';
import { dense } from '../../../src/models/layers/dense.js';
import type { Layer } from '../../../src/models/layer.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbShape, arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 20 };

/** A batch `[N, ...shape]` with N in 1..3 and 0–3 further axes. */
const arbBatch = (opts: { min?: number; max?: number; awayFrom?: number[] } = {}) =>
  arbShape({ rank: [1, 4], dim: [1, 3] }).chain((shape) => arbTensorOfShape(shape, opts));

function built<L extends Layer>(layer: L, batch: Tensor): L {
  layer.build(batch.shape.slice(1), { rng: new Rng(0) });
  return layer;
}

const cases: [string, () => Layer, (x: Tensor) => Tensor][] = [
  ['leakyRelu', () => leakyRelu({ negativeSlope: 0.2 }), (x) => leakyReluOp(x, 0.2)],
  ['elu', () => elu({ alpha: 0.5 }), (x) => eluOp(x, 0.5)],
  ['sigmoid', () => sigmoid(), sigmoidOp],
  ['tanh', () => tanh(), tanhOp],
  ['softmax', () => softmax(), (x) => softmaxOp(x, -1)],
];

describe.each(cases)('%s layer', (kind, make, op) => {
  prop.prop([arbBatch()], runs)(`for any batch, the ${kind} layer equals the ${kind} op and keeps the shape`, (x) => {
    const layer = built(make(), x);
    const y = layer.forward(x);
    expect(y.shape).toEqual(x.shape);
    expect(Array.from(y.data)).toEqual(Array.from(op(x).data));
    expect(layer.outputShape).toEqual(x.shape.slice(1));
  });
  prop.prop([arbBatch({ awayFrom: [0] })], runs)(`${kind} gradient wrt the input matches finite differences`, (x) => {
    checkLayerGradients(built(make(), x), x);
  });
  test(`${kind} has no parameters and its JSON form has its kind`, () => {
    const layer = make();
    expect(layer.toJSON().kind).toBe(kind);
    expect(built(layer, tensor([[1, 2]])).parameters()).toEqual([]);
  });
});

describe('leakyRelu layer', () => {
  test('the default slope is 0.01: [−2, 3] → [−0.02, 3]', () => {
    expect(Array.from(built(leakyRelu(), tensor([[-2, 3]])).forward(tensor([[-2, 3]])).data)).toEqual([
      Math.fround(-0.02),
      3,
    ]);
  });
  test('config recreates the options and toString shows them', () => {
    expect(leakyRelu({ negativeSlope: 0.2 }).toJSON()).toEqual({ kind: 'leakyRelu', negativeSlope: 0.2 });
    expect(leakyRelu({ negativeSlope: 0.2 }).toString()).toBe('leakyRelu(negativeSlope=0.2)');
  });
  test('a non-finite slope is rejected at construction', () => {
    expect(() => leakyRelu({ negativeSlope: NaN })).toThrow('leakyRelu: negativeSlope must be a finite number, found NaN');
  });
  test('options must be an object', () => {
    expect(() => leakyRelu(0.2 as never)).toThrow('leakyRelu: options must be an object, found 0.2');
  });
  test('a dense layer before it defaults to He initialization (ReLU family)', () => {
    const net = sequential([dense(200), leakyRelu()], { inputShape: [50] });
    const limit = Math.max(...Array.from(net.layers[0].parameters()[0].data, Math.abs));
    expect(limit).toBeGreaterThan(Math.sqrt(6 / 250)); // beyond the Glorot limit, within He's √(6/50)
    expect(limit).toBeLessThanOrEqual(Math.sqrt(6 / 50));
  });
});

describe('elu layer', () => {
  test('elu saturates at −alpha: elu({ alpha: 2 }) of [−1000, 0, 2] is [−2, 0, 2]', () => {
    const x = tensor([[-1000, 0, 2]]);
    expect(Array.from(built(elu({ alpha: 2 }), x).forward(x).data)).toEqual([-2, 0, 2]);
  });
  test('alpha must be a finite number > 0', () => {
    expect(() => elu({ alpha: 0 })).toThrow('elu: alpha must be a finite number > 0, found 0');
    expect(() => elu({ alpha: Infinity })).toThrow('elu: alpha must be a finite number > 0, found Infinity');
  });
  test('config keeps the options', () => {
    expect(elu({ alpha: 2 }).toJSON()).toEqual({ kind: 'elu', alpha: 2 });
  });
});

describe('sigmoid and tanh layers', () => {
  prop.prop([arbBatch({ min: -10, max: 10 })], runs)('for any x, sigmoid is in [0, 1] and tanh(x) = 2·sigmoid(2x) − 1', (x) => {
    const s = built(sigmoid(), x).forward(x);
    for (const v of s.data) expect(v >= 0 && v <= 1).toBe(true);
    const twice = tensor(Array.from(x.data, (v) => 2 * v), x.shape);
    const viaSigmoid = Array.from(built(sigmoid(), x).forward(twice).data, (v) => 2 * v - 1);
    Array.from(built(tanh(), x).forward(x).data).forEach((v, i) => expect(v).toBeCloseTo(viaSigmoid[i], 5));
  });
});

describe('softmax layer', () => {
  test('the axis counts the batch as axis 0: softmax({ axis: 1 }) normalizes the channels of [N, C, L]', () => {
    const x = tensor([[[0, 1], [0, 2]]]); // [1, 2, 2]
    const y = built(softmax({ axis: 1 }), x).forward(x);
    expect(y.data[0] + y.data[2]).toBeCloseTo(1, 6);
    expect(y.data[1] + y.data[3]).toBeCloseTo(1, 6);
    expect(y.data[0]).toBeCloseTo(0.5, 6);
  });
  prop.prop([arbBatch({ min: -20, max: 20 })], runs)('for any batch, each row of softmax() is ≥ 0 and sums to 1', (x) => {
    const y = built(softmax(), x).forward(x);
    const n = x.shape[x.rank - 1];
    for (let row = 0; row < y.size / n; row++) {
      const values = Array.from(y.data.subarray(row * n, (row + 1) * n));
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      for (const p of values) expect(p).toBeGreaterThanOrEqual(0);
    }
  });
  test('an axis beyond the rank is a build error naming the layer and the input', () => {
    expect(() => sequential([softmax({ axis: 2 })], { inputShape: [4] })).toThrow(
      "softmax '0': axis 2 is out of range for input [N,4] of rank 2",
    );
    expect(() => sequential([softmax({ axis: -3 })], { inputShape: [4] })).toThrow("softmax '0': axis -3 is out of range");
  });
  test('the axis must be an integer', () => {
    expect(() => softmax({ axis: 1.5 })).toThrow('softmax: axis must be an integer, found 1.5');
  });
  test('config keeps the options', () => {
    expect(softmax({ axis: 1 }).toJSON()).toEqual({ kind: 'softmax', axis: 1 });
    expect(softmax().toJSON()).toEqual({ kind: 'softmax' });
  });
  test('used after dense, rows of a model output sum to 1', () => {
    const net = sequential([dense(5), softmax()], { inputShape: [3], seed: 2 });
    const y = net.forward(tensor([[1, 2, 3], [-1, 0, 1]]));
    expect(y.data.slice(0, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(y.data.slice(5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});
