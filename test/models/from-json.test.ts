import { describe, expect, test } from 'vitest';
import { Rng, randn, noGrad } from '../../src/ops/index.js';
import * as models from '../../src/models/index.js';
import type { Layer, LayerConfig } from '../../src/models/index.js';

const m = models;

/** One model per layer kind, each with the input shape it needs. */
const cases: Array<[string, () => Layer, number[]]> = [
  ['dense', () => m.dense(3, { kernelInitializer: m.initializers.heNormal(), useBias: false }), [4]],
  ['flatten', () => m.flatten(), [2, 3]],
  ['relu', () => m.relu(), [4]],
  ['conv2d', () => m.conv2d({ filters: 2, kernelSize: 3, stride: 1, padding: 'same', dilation: 1 }), [1, 5, 5]],
  ['convTranspose2d', () => m.convTranspose2d({ filters: 2, kernelSize: 2, stride: 2 }), [1, 3, 3]],
  ['maxPool2d', () => m.maxPool2d({ kernelSize: 2 }), [1, 4, 4]],
  ['avgPool2d', () => m.avgPool2d({ kernelSize: 2, countIncludePad: false }), [1, 4, 4]],
  ['globalAvgPool2d', () => m.globalAvgPool2d(), [2, 3, 3]],
  ['upsample', () => m.upsample({ scaleFactor: 2 }), [1, 2, 2]],
  ['leakyRelu', () => m.leakyRelu({ negativeSlope: 0.2 }), [4]],
  ['elu', () => m.elu({ alpha: 0.5 }), [4]],
  ['sigmoid', () => m.sigmoid(), [4]],
  ['tanh', () => m.tanh(), [4]],
  ['softmax', () => m.softmax({ axis: -1 }), [4]],
  ['prelu', () => m.prelu({ numParameters: 2, init: 0.1 }), [2, 3]],
  ['maxout', () => m.maxout({ pieces: 2 }), [4]],
  ['dropout', () => m.dropout(0.3), [4]],
  ['batchNorm1d', () => m.batchNorm1d({ momentum: 0.2 }), [4]],
  ['batchNorm2d', () => m.batchNorm2d({ eps: 1e-3 }), [2, 3, 3]],
  ['residual', () => m.residual(m.sequential([m.dense(5), m.relu()])), [4]],
  ['sequential', () => m.sequential([m.dense(2), m.tanh()]), [3]],
  ['embedding', () => m.embedding({ numEmbeddings: 5, embeddingDim: 2, paddingIdx: 0 }), [3]],
  ['rnn', () => m.rnn({ units: 3, activation: 'relu', bidirectional: true }), [4, 2]],
  ['lstm', () => m.lstm({ units: 3, numLayers: 2, forgetBias: 1, returnSequences: true }), [4, 2]],
  ['gru', () => m.gru({ units: 3, dropout: 0.2, numLayers: 2 }), [4, 2]],
];

/** Random inputs; integer indices for the embedding. */
function input(kind: string, inputShape: number[]) {
  const x = randn([2, ...inputShape], new Rng(9));
  if (kind === 'embedding') x.data.forEach((v, i) => (x.data[i] = Math.abs(Math.round(v * 2)) % 5));
  return x;
}

describe('fromJSON', () => {
  test.each(cases)('%s: toJSON → JSON text → fromJSON rebuilds a model that computes the same', (kind, make, inputShape) => {
    const original = m.sequential([make()], { inputShape, seed: 2 });
    const json = JSON.parse(JSON.stringify(original.toJSON())) as LayerConfig;
    expect((json.layers as LayerConfig[])[0].kind).toBe(kind);
    const copy = m.fromJSON(json);
    expect(copy.toJSON()).toEqual(original.toJSON());
    copy.loadStateDict(original.stateDict());
    original.eval();
    copy.eval();
    const x = input(kind, inputShape);
    noGrad(() => expect(copy.forward(x).data).toEqual(original.forward(x).data));
  });

  test('every layer kind fromJSON knows is covered above', () => {
    const known = (() => {
      try {
        m.fromJSON({ kind: '?' });
      } catch (e) {
        return (e as Error).message.split('known kinds: ')[1].split(', ');
      }
      return [];
    })();
    expect(known.sort()).toEqual(cases.map(([k]) => k).sort());
  });

  test('a config that is not an object with a kind is rejected', () => {
    expect(() => m.fromJSON(null as never)).toThrow('fromJSON: expected { kind: string, ... }, found null');
  });
});
