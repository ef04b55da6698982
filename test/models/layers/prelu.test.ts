import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, backward, leakyRelu as leakyReluOp, sum, tensor } from '../../../src/ops/index.js';
import { prelu } from '../../../src/models/layers/prelu.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 20 };

/** A batch `[N, C, ...]` of rank 2–4, per-channel slopes and whether to share one slope. */
const arbCase = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    channels: fc.integer({ min: 1, max: 3 }),
    spatial: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    shared: fc.boolean(),
    slopes: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
  })
  .chain((c) => fc.tuple(fc.constant(c), arbTensorOfShape([c.n, c.channels, ...c.spatial], { awayFrom: [0] })));

describe('prelu layer', () => {
  test('default: one slope 0.25, parameter weight [1]; [−2, 0, 3] → [−0.5, 0, 3]', () => {
    const layer = prelu();
    layer.build([3], { rng: new Rng(0) });
    expect(layer.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([['weight', [1]]]);
    expect(Array.from(layer.forward(tensor([[-2, 0, 3]])).data)).toEqual([-0.5, 0, 3]);
  });

  prop.prop([arbCase], runs)('for any slopes, prelu(x) = max(0, x) + a_c·min(0, x) with a_c the slope of channel c', ([c, x]) => {
    const layer = prelu({ numParameters: c.shared ? 1 : c.channels });
    layer.build(x.shape.slice(1), { rng: new Rng(0) });
    layer.weight.data.set(c.slopes.slice(0, layer.numParameters));
    const y = layer.forward(x);
    const inner = x.size / (c.n * c.channels);
    x.data.forEach((v, i) => {
      const channel = Math.floor(i / inner) % c.channels;
      const a = layer.weight.data[c.shared ? 0 : channel];
      expect(y.data[i]).toBeCloseTo(Math.max(0, v) + a * Math.min(0, v), 6);
    });
  });

  prop.prop([arbCase], runs)('gradients wrt the input and the slopes match finite differences', ([c, x]) => {
    const layer = prelu({ numParameters: c.shared ? 1 : c.channels });
    layer.build(x.shape.slice(1), { rng: new Rng(0) });
    layer.weight.data.set(c.slopes.slice(0, layer.numParameters));
    const report = checkLayerGradients(layer, x);
    expect(report.inputs.map((r) => r.name.split(' ')[0])).toEqual(['input', 'weight']);
  });

  prop.prop([arbTensorOfShape([2, 3]), fc.double({ min: -1, max: 1, noNaN: true })], runs)(
    'with a fixed slope a, prelu equals leakyRelu(x, a)',
    (x, a) => {
      const layer = prelu({ init: a });
      layer.build([3], { rng: new Rng(0) });
      Array.from(layer.forward(x).data).forEach((v, i) => expect(v).toBeCloseTo(leakyReluOp(x, Math.fround(a)).data[i], 6));
    },
  );

  test('at x = 0 the gradient wrt x is the slope, as in PyTorch', () => {
    const layer = prelu({ init: 0.3 });
    layer.build([1], { rng: new Rng(0) });
    const x = tensor([[0]], undefined, { requiresGrad: true });
    backward(sum(layer.forward(x)));
    expect(x.grad!.data[0]).toBeCloseTo(0.3, 6);
  });

  test('the slope gradient is Σ min(0, x) over the positions that share it', () => {
    const layer = prelu({ numParameters: 2 });
    layer.build([2], { rng: new Rng(0) });
    backward(sum(layer.forward(tensor([[-1, -2], [-3, 4]]))));
    expect(Array.from(layer.weight.grad!.data)).toEqual([-4, -2]);
  });

  test('in a sequential model the slope is named like PyTorch: 1.weight', () => {
    const net = sequential([dense(4), prelu({ numParameters: 4 })], { inputShape: [2] });
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '1.weight']);
    expect(net.toJSON().layers).toEqual([{ kind: 'dense', units: 4 }, { kind: 'prelu', numParameters: 4 }]);
  });

  test('numParameters must be 1 or the channel count: a build error naming the layer and both numbers', () => {
    expect(() => sequential([prelu({ numParameters: 3 })], { inputShape: [4, 5] })).toThrow(
      "prelu '0': numParameters 3 must be 1 or the channel count (axis 1), found input [N,4,5] with 4 channels",
    );
    expect(() => sequential([prelu({ numParameters: 3 })], { inputShape: [] })).toThrow(
      "prelu '0': numParameters 3 must be 1 or the channel count (axis 1), found input [N] without a channel axis",
    );
  });

  test('bad options are rejected at construction', () => {
    expect(() => prelu({ numParameters: 0 })).toThrow('prelu: numParameters must be a positive integer, found 0');
    expect(() => prelu({ init: NaN })).toThrow('prelu: init must be a finite number, found NaN');
    expect(() => prelu(null as never)).toThrow('prelu: options must be an object, found null');
  });
});
