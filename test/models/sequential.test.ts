import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { backward, mean, tensor, zeros, ArgumentError, ShapeError, Rng } from '../../src/ops/index.js';
import { sequential } from '../../src/models/sequential.js';
import { dense } from '../../src/models/layers/dense.js';
import { relu } from '../../src/models/layers/relu.js';
import { flatten } from '../../src/models/layers/flatten.js';
import { fromJSON } from '../../src/models/from-json.js';
import { countParameters } from '../../src/models/summary.js';
import { CheckpointError } from '../../src/models/errors.js';

describe('sequential', () => {
  test('a network of sizes [3, 4, 2] has 26 parameters: (3+1)·4 + (4+1)·2', () => {
    const net = sequential([dense(4), relu(), dense(2)], { inputShape: [3] });
    expect(countParameters(net)).toEqual({ total: 26, trainable: 26, frozen: 0 });
  });

  prop.prop([fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 })], { numRuns: 30 })(
    'for any layer sizes, parameters count Σ (n_i + 1)·n_{i+1} and names follow PyTorch indices',
    (sizes) => {
      const layers = sizes.slice(1).flatMap((n, i) => (i === 0 ? [dense(n)] : [relu(), dense(n)]));
      const net = sequential(layers, { inputShape: [sizes[0]] });
      const expected = sizes.slice(1).reduce((s, n, i) => s + (sizes[i] + 1) * n, 0);
      expect(countParameters(net).total).toBe(expected);
      const names = net.namedParameters().map(([n]) => n);
      expect(names).toEqual(layers.flatMap((l, i) => (l.kind === 'dense' ? [`${i}.weight`, `${i}.bias`] : [])));
    },
  );

  test('shape inference runs at construction: output shape and summary before any data', () => {
    const net = sequential([flatten(), dense(5), relu(), dense(3)], { inputShape: [2, 2, 2] });
    expect(net.outputShape).toEqual([3]);
    const text = net.summary();
    expect(text).toContain('Input shape: [N,2,2,2]');
    expect(text).toMatch(/1 dense\s+\[N,5\]\s+45/);
    expect(text).toMatch(/3 dense\s+\[N,3\]\s+18/);
    expect(text).toContain('Total params: 63');
    expect(text).toContain('Trainable params: 63');
    expect(text).toContain('Frozen params: 0');
  });

  test('dense weights use PyTorch layout [out, in], and y = x·Wᵀ + b', () => {
    const net = sequential([dense(2)], { inputShape: [3] });
    const layer = net.layers[0] as ReturnType<typeof dense>;
    expect(layer.weight.shape).toEqual([2, 3]);
    layer.weight.data.set([1, 2, 3, 4, 5, 6]);
    layer.bias!.data.set([10, 20]);
    expect(net.forward(tensor([[1, 1, 1]])).toArray()).toEqual([[16, 35]]);
  });

  test('the same seed builds the same weights; another seed does not', () => {
    const a = sequential([dense(4)], { inputShape: [3], seed: 5 });
    const b = sequential([dense(4)], { inputShape: [3], seed: 5 });
    const c = sequential([dense(4)], { inputShape: [3], seed: 6 });
    expect(a.parameters()[0].data).toEqual(b.parameters()[0].data);
    expect(a.parameters()[0].data).not.toEqual(c.parameters()[0].data);
  });

  test('a dense layer before a ReLU defaults to He initialization, otherwise to Glorot', () => {
    const net = sequential([dense(400), relu(), dense(400)], { inputShape: [400] });
    const limit = (i: number) => Math.max(...net.layers[i].parameters()[0].data.map(Math.abs));
    expect(limit(0)).toBeGreaterThan(Math.sqrt(6 / 800)); // He: ±√(6/400); Glorot would stay within ±√(6/800)
    expect(limit(2)).toBeLessThanOrEqual(Math.sqrt(6 / 800));
  });

  test('a batch of the wrong shape is rejected naming the layer and both shapes', () => {
    const net = sequential([dense(4), relu(), dense(2)], { inputShape: [3] });
    expect(() => net.forward(zeros([5, 4]))).toThrow(ShapeError);
    expect(() => net.forward(zeros([5, 4]))).toThrow("dense '0': expected input [N,3], found [5,4]");
    expect(() => net.forward(zeros([5]))).toThrow('sequential: expected input of rank 2 [N,3], found [5]');
  });

  test('a dense layer on an image input asks for flatten, at construction', () => {
    expect(() => sequential([dense(4)], { inputShape: [1, 2, 2] })).toThrow(
      "dense '0': expected a flat input [N, features], found [N,1,2,2] (add flatten() before it)",
    );
  });

  test('bad layer lists are rejected by position', () => {
    expect(() => sequential([dense(2), relu as never])).toThrow('sequential: element 1 is not a layer (found a function; call it, e.g. relu() rather than relu)');
    const d = dense(2);
    expect(() => sequential([d, d])).toThrow('sequential: layer 1 (dense) appears twice');
    expect(() => dense(0)).toThrow(ArgumentError);
  });

  test('an unbuilt layer explains how to build it', () => {
    expect(() => dense(3).forward(zeros([1, 2]))).toThrow("dense: the layer is not built; put it in sequential(..., { inputShape })");
    const layer = dense(3);
    layer.build([2], { rng: new Rng(0) });
    expect(layer.forward(zeros([4, 2])).shape).toEqual([4, 3]);
  });

  test('toJSON then fromJSON rebuilds the architecture; loadStateDict makes it compute the same', () => {
    const net = sequential([flatten(), dense(4, { kernelInitializer: 'heNormal' }), relu(), dense(2, { useBias: false })], {
      inputShape: [1, 3],
      seed: 3,
    });
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(json).toEqual({
      kind: 'sequential',
      inputShape: [1, 3],
      seed: 3,
      layers: [{ kind: 'flatten' }, { kind: 'dense', units: 4, kernelInitializer: 'heNormal' }, { kind: 'relu' }, { kind: 'dense', units: 2, useBias: false }],
    });
    const copy = fromJSON(json);
    copy.loadStateDict(net.stateDict());
    const x = tensor([[[0.5, -1, 2]]]);
    expect(copy.forward(x).data).toEqual(net.forward(x).data);
    expect(() => fromJSON({ kind: 'transformer' })).toThrow("fromJSON: unknown layer kind 'transformer'; known kinds:");
  });
});

describe('state dicts, modes and freezing', () => {
  test('loadStateDict reports every mismatch at once and changes nothing', () => {
    const net = sequential([dense(4), relu(), dense(2)], { inputShape: [3] });
    const before = net.parameters().map((p) => p.data.slice());
    const bad = { '0.weight': zeros([4, 3]), '0.bias': zeros([5]), '2.weight': zeros([2, 4]), extra: zeros([1]) };
    let message = '';
    try {
      net.loadStateDict(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      message = (e as Error).message;
    }
    expect(message).toContain('0.bias: shape [5] does not match the model\'s [4]');
    expect(message).toContain('missing 2.bias [2]');
    expect(message).toContain('unexpected extra [1]');
    net.parameters().forEach((p, i) => expect(p.data).toEqual(before[i]));
  });

  test('loadStateDict with strict: false loads what is present', () => {
    const net = sequential([dense(2)], { inputShape: [1] });
    net.loadStateDict({ '0.bias': tensor([7, 8]) }, { strict: false });
    expect(Array.from((net.layers[0] as ReturnType<typeof dense>).bias!.data)).toEqual([7, 8]);
  });

  test('eval() and train() switch every layer below the model', () => {
    const inner = sequential([dense(2), relu()]);
    const net = sequential([inner, dense(1)], { inputShape: [2] });
    net.eval();
    expect([net, inner, ...inner.layers, net.layers[1]].every((m) => !m.training)).toBe(true);
    net.train();
    expect([net, inner, ...inner.layers, net.layers[1]].every((m) => m.training)).toBe(true);
  });

  test('a frozen layer gets no gradient and counts as frozen in the summary', () => {
    const net = sequential([dense(3), relu(), dense(1)], { inputShape: [2] });
    net.layers[0].trainable = false;
    backward(mean(net.forward(tensor([[1, 2]]))));
    expect(net.layers[0].parameters().every((p) => p.grad === null)).toBe(true);
    expect(net.layers[2].parameters().every((p) => p.grad !== null)).toBe(true);
    expect(countParameters(net)).toEqual({ total: 13, trainable: 4, frozen: 9 });
    expect(net.summary()).toMatch(/0 dense\s+\[N,3\]\s+9 \(frozen\)/);
    net.layers[0].trainable = true;
    expect(countParameters(net).frozen).toBe(0);
  });

  test('nested sequential models name parameters with dotted paths', () => {
    const net = sequential([sequential([dense(2), relu()]), dense(1)], { inputShape: [3] });
    expect(net.namedParameters().map(([n]) => n)).toEqual(['0.0.weight', '0.0.bias', '1.weight', '1.bias']);
    expect(Object.keys(net.stateDict())).toEqual(['0.0.weight', '0.0.bias', '1.weight', '1.bias']);
  });
});

describe('fully convolutional stacks', () => {
  test('a sequential of conv layers accepts images of another size than it was built for', async () => {
    const { conv2d } = await import('../../src/models/layers/conv2d.js');
    const net = sequential([conv2d({ filters: 2, kernelSize: 3, padding: 1 }), relu()], { inputShape: [1, 8, 8] });
    expect(net.forward(zeros([1, 1, 5, 6])).shape).toEqual([1, 2, 5, 6]);
    expect(() => net.forward(zeros([1, 3, 5, 6]))).toThrow("conv2d '0'");
  });
});
