import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, backward, gather, randn, tensor } from '../../../src/ops/index.js';
import { Embedding, embedding } from '../../../src/models/layers/embedding.js';
import { flatten } from '../../../src/models/layers/flatten.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { initializers } from '../../../src/models/initializers.js';
import { checkGradients } from '../../../src/testing/index.js';

/** A vocabulary size, an embedding size, and a batch of indices `[N, ...]` valid for it. */
const arbCase = fc
  .record({
    vocab: fc.integer({ min: 1, max: 6 }),
    dim: fc.integer({ min: 1, max: 3 }),
    shape: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  })
  .chain(({ vocab, dim, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const indices = fc.array(fc.nat({ max: vocab - 1 }), { minLength: size, maxLength: size });
    return fc.tuple(fc.constant({ vocab, dim }), indices.map((v) => new Tensor(Float32Array.from(v), shape)));
  });

function built(vocab: number, dim: number, x: Tensor, paddingIdx?: number): Embedding {
  const layer = embedding({ numEmbeddings: vocab, embeddingDim: dim, paddingIdx });
  layer.build(x.shape.slice(1), { rng: new Rng(0) });
  return layer;
}

/** The gradient `backward` leaves on the layer's registered weight for the output gradient `seed`. */
function weightGrad(layer: Embedding, x: Tensor, seed: Tensor): Float32Array {
  layer.weight.grad = null;
  backward(layer.forward(x), seed);
  return layer.stateDict().weight.grad!.data;
}

describe('embedding layer', () => {
  prop.prop([arbCase], { numRuns: 30 })(
    'for any indices [N, ...], the output is [N, ..., embeddingDim] holding the weight rows they pick (gather)',
    ([{ vocab, dim }, x]) => {
      const layer = built(vocab, dim, x);
      expect(layer.outputShape).toEqual([...x.shape.slice(1), dim]);
      const y = layer.forward(x);
      expect(y.shape).toEqual([...x.shape, dim]);
      expect(y.data).toEqual(gather(layer.weight, x).data);
    },
  );

  prop.prop([arbCase], { numRuns: 20 })(
    'for any indices, the gradient wrt the weight, through the layer’s own forward, matches finite differences',
    ([{ vocab, dim }, x]) => {
      const layer = built(vocab, dim, x);
      const original = layer.weight;
      // The forward reads `layer.weight`, so pointing it at checkGradients' leaf differentiates the layer itself.
      const through = (w: Tensor) => {
        layer.weight = w;
        try {
          return layer.forward(x);
        } finally {
          layer.weight = original;
        }
      };
      checkGradients(through, [original]);
    },
  );

  prop.prop([arbCase, fc.nat()], { numRuns: 20 })(
    'for any indices, the paddingIdx row gets no gradient and every other row gets gather’s gradient',
    ([{ vocab, dim }, x], pick) => {
      const paddingIdx = pick % vocab;
      const layer = built(vocab, dim, x, paddingIdx);
      const seed = randn([...x.shape, dim], new Rng(1));
      const leaf = new Tensor(layer.weight.data.slice(), layer.weight.shape, true);
      backward(gather(leaf, x), seed);
      const expected = leaf.grad!.data.slice();
      expected.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
      expect(weightGrad(layer, x, seed)).toEqual(expected);
    },
  );

  test('a worked example: indices [[1,1],[0,2]] with output gradient ones give row gradients 1, 2, 1, 0 (1, 0, 1, 0 with paddingIdx 1)', () => {
    const x = tensor([[1, 1], [0, 2]]);
    const seed = new Tensor(new Float32Array(2 * 2 * 2).fill(1), [2, 2, 2]);
    expect(Array.from(weightGrad(built(4, 2, x), x, seed))).toEqual([1, 1, 2, 2, 1, 1, 0, 0]);
    expect(Array.from(weightGrad(built(4, 2, x, 1), x, seed))).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
  });

  test('weights are N(0, 1) drawn from the model seed (as PyTorch), with the paddingIdx row zero', () => {
    const plain = sequential([embedding({ numEmbeddings: 5, embeddingDim: 3 })], { inputShape: [4], seed: 9 });
    const expected = randn([5, 3], new Rng(9)).data;
    expect(plain.stateDict()['0.weight'].data).toEqual(expected);
    const padded = sequential([embedding({ numEmbeddings: 5, embeddingDim: 3, paddingIdx: -1 })], { inputShape: [4], seed: 9 });
    expect(Array.from(padded.stateDict()['0.weight'].data)).toEqual([...Array.from(expected.slice(0, 12)), 0, 0, 0]);
  });

  test('embeddingsInitializer replaces the default', () => {
    const layer = embedding({ numEmbeddings: 2, embeddingDim: 2, embeddingsInitializer: initializers.constant(0.5) });
    layer.build([1], { rng: new Rng(0) });
    expect(Array.from(layer.weight.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(layer.toJSON().embeddingsInitializer).toEqual({ name: 'constant', value: 0.5 });
  });

  test('in a model: token ids [N, 12] → [N, 12, 16], parameter weight [1000, 16] as torch.nn.Embedding', () => {
    const net = sequential([embedding({ numEmbeddings: 1000, embeddingDim: 16, paddingIdx: 0 }), flatten(), dense(2)], {
      inputShape: [12],
    });
    expect(net.layers[0].outputShape).toEqual([12, 16]);
    expect(net.namedParameters()[0][0]).toBe('0.weight');
    expect(net.namedParameters()[0][1].shape).toEqual([1000, 16]);
    expect(net.forward(new Tensor(new Float32Array(3 * 12).fill(7), [3, 12])).shape).toEqual([3, 2]);
  });

  test('a frozen embedding receives no gradient', () => {
    const x = tensor([[0, 1]]);
    const layer = built(2, 2, x);
    layer.trainable = false;
    expect(layer.forward(x).requiresGrad).toBe(false);
  });

  test('forward accepts indices of another length with the built rank', () => {
    const layer = embedding({ numEmbeddings: 3, embeddingDim: 2 });
    layer.build([4], { rng: new Rng(0) });
    expect(layer.forward(tensor([[0, 1, 2, 0, 1, 2]])).shape).toEqual([1, 6, 2]);
  });

  test('toJSON holds the options', () => {
    expect(embedding({ numEmbeddings: 10, embeddingDim: 4, paddingIdx: -1 }).toJSON()).toEqual({
      kind: 'embedding',
      numEmbeddings: 10,
      embeddingDim: 4,
      paddingIdx: -1,
      embeddingsInitializer: undefined,
    });
  });

  describe('bad options throw at construction, naming the layer', () => {
    const cases: [string, unknown, string][] = [
      ['missing numEmbeddings', { embeddingDim: 4 }, 'embedding: option numEmbeddings is required'],
      ['non-integer embeddingDim', { numEmbeddings: 10, embeddingDim: 2.5 }, 'embedding: embeddingDim must be a positive integer, found 2.5'],
      ['paddingIdx out of range', { numEmbeddings: 10, embeddingDim: 4, paddingIdx: 10 }, 'embedding: paddingIdx must be an integer in [-10, 10) (numEmbeddings 10), found 10'],
      ['unknown option', { numEmbeddings: 10, embeddingDim: 4, maxNorm: 1 }, 'embedding: unknown option maxNorm'],
      ['unknown initializer', { numEmbeddings: 10, embeddingDim: 4, embeddingsInitializer: 'gauss' }, 'embedding: unknown initializer "gauss"'],
    ];
    test.each(cases)('%s', (_, options, message) => {
      expect(() => embedding(options as never)).toThrow(ArgumentError);
      expect(() => embedding(options as never)).toThrow(message);
    });
  });

  test('an index out of range or not whole throws naming the layer, the index and where it is', () => {
    const net = sequential([embedding({ numEmbeddings: 10, embeddingDim: 2 })], { inputShape: [3] });
    const call = (values: number[][]) => () => net.forward(tensor(values));
    expect(call([[1, 2, 3], [4, 10, 5]])).toThrow(ArgumentError);
    expect(call([[1, 2, 3], [4, 10, 5]])).toThrow(
      "embedding '0': input must hold integer indices in [0, 10), found 10 at input[1,1] (input [2,3])",
    );
    expect(call([[1, -1, 3]])).toThrow("embedding '0': input must hold integer indices in [0, 10), found -1 at input[0,1]");
    expect(call([[1, 2, 2.5]])).toThrow("embedding '0': input must hold integer indices in [0, 10), found 2.5 at input[0,2]");
  });

  test('indices of the wrong rank throw naming the layer and both shapes', () => {
    const layer = embedding({ numEmbeddings: 10, embeddingDim: 2 });
    layer.build([3], { rng: new Rng(0) });
    expect(() => layer.forward(tensor([1, 2, 3]))).toThrow(ShapeError);
    expect(() => layer.forward(tensor([1, 2, 3]))).toThrow('embedding: expected indices [N,L1] of rank 2 (built for [N,3]), found [3]');
  });
});
