import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, tensor } from '../../../src/ops/index.js';
import { dense } from '../../../src/models/layers/dense.js';
import { relu } from '../../../src/models/layers/relu.js';
import { flatten } from '../../../src/models/layers/flatten.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const arbDenseCase = fc
  .record({ n: fc.integer({ min: 1, max: 3 }), inputs: fc.integer({ min: 1, max: 4 }), units: fc.integer({ min: 1, max: 4 }), bias: fc.boolean(), seed: fc.integer() })
  .chain((c) => fc.tuple(fc.constant(c), arbTensorOfShape([c.n, c.inputs])));

describe('dense layer', () => {
  prop.prop([arbDenseCase], { numRuns: 30 })('gradients wrt input, weight and bias match finite differences', ([c, x]) => {
    const layer = dense(c.units, { useBias: c.bias });
    layer.build([c.inputs], { rng: new Rng(c.seed) });
    const report = checkLayerGradients(layer, x);
    expect(report.inputs.map((r) => r.name.split(' ')[0])).toEqual(c.bias ? ['input', 'weight', 'bias'] : ['input', 'weight']);
  });

  test('parameters: (n + 1)·m with bias, n·m without', () => {
    const withBias = dense(10);
    withBias.build([784], { rng: new Rng(0) });
    expect(withBias.parameters().reduce((s, p) => s + p.size, 0)).toBe(7850);
    const noBias = dense(10, { useBias: false });
    noBias.build([784], { rng: new Rng(0) });
    expect(noBias.parameters().reduce((s, p) => s + p.size, 0)).toBe(7840);
  });

  test('initializer options are used and bad ones name the layer', () => {
    const layer = dense(2, { kernelInitializer: 'ones', biasInitializer: { name: 'constant', value: 3 } });
    layer.build([2], { rng: new Rng(0) });
    expect(layer.forward(tensor([[1, 2]])).toArray()).toEqual([[6, 6]]);
    const bad = dense(2, { kernelInitializer: 'xavier' as never });
    expect(() => sequential([bad], { inputShape: [2] })).toThrow(`dense '0': unknown initializer "xavier"`);
  });

  test('units must be a positive integer', () => {
    expect(() => dense(2.5)).toThrow('dense: units must be a positive integer, found 2.5');
    expect(() => dense(-1)).toThrow('dense: units must be a positive integer, found -1');
  });

  test('toString shows the options', () => {
    expect(dense(3, { useBias: false }).toString()).toBe('dense(units=3, useBias=false)');
  });

  test('relu and flatten layers: shapes and values', () => {
    const net = sequential([flatten(), relu()], { inputShape: [2, 2] });
    expect(net.outputShape).toEqual([4]);
    expect(net.forward(tensor([[[1, -2], [-3, 4]]])).toArray()).toEqual([[1, 0, 0, 4]]);
  });
});
