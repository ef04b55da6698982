import { describe, expect, test } from 'vitest';
import { test as propTest, fc } from '@fast-check/vitest';
import { ArgumentError, Rng, ShapeError, Tensor, concat, randn, slice, zeros } from '../../src/ops/index.js';
import { dense, embedding, gru, lstm, rnn } from '../../src/models/index.js';
import { type SequenceState, sequenceModel } from '../../src/models/sequence-model.js';

const V = 7;

function charModel(kind: 'lstm' | 'gru', seed = 1) {
  const recurrent = kind === 'lstm' ? lstm({ units: 5, numLayers: 2, returnSequences: true }) : gru({ units: 5, numLayers: 2, returnSequences: true });
  return sequenceModel({ embedding: embedding({ numEmbeddings: V, embeddingDim: 3 }), recurrent, head: dense(V), inputShape: [4], seed });
}

function tokens(rows: number, steps: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: rows * steps }, () => Math.floor(rng.uniform() * V)), [rows, steps]);
}

function expectClose(a: Tensor, b: Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  for (let i = 0; i < a.size; i++) expect(Math.abs(a.data[i] - b.data[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b.data[i])));
}

describe('sequenceModel: names and state layout', () => {
  test('parameters have PyTorch names: embedding.weight, lstm.weight_ih_l0 ..., head.weight', () => {
    const names = charModel('lstm').namedParameters().map(([n]) => n);
    const layer = (l: number) => [`lstm.weight_ih_l${l}`, `lstm.weight_hh_l${l}`, `lstm.bias_ih_l${l}`, `lstm.bias_hh_l${l}`];
    expect(names).toEqual(['embedding.weight', ...layer(0), ...layer(1), 'head.weight', 'head.bias']);
    expect(Object.keys(charModel('lstm').stateDict())).toEqual(names);
  });

  test('an LSTM state is { h_l0, h_l1, c_l0, c_l1 } of [B, H]; a bidirectional GRU\'s is { h_l0, h_l0_reverse }', () => {
    const { state } = charModel('lstm').forwardWithState(tokens(3, 4, 0), null);
    expect(Object.keys(state)).toEqual(['h_l0', 'h_l1', 'c_l0', 'c_l1']);
    for (const t of Object.values(state)) expect(t.shape).toEqual([3, 5]);
    const bi = sequenceModel({ recurrent: gru({ units: 2, bidirectional: true, returnSequences: true }), head: dense(1), inputShape: [3, 2] });
    expect(bi.stateNames).toEqual(['h_l0', 'h_l0_reverse']);
    expect(bi.forwardWithState(randn([2, 3, 2], new Rng(0)), null).output.shape).toEqual([2, 3, 1]);
  });

  test('the output is [B, T, V], the head applied at every step', () => {
    const model = charModel('gru');
    const x = tokens(2, 6, 3);
    const { output } = model.forwardWithState(x, null);
    expect(output.shape).toEqual([2, 6, V]);
    const hidden = model.recurrent.forwardWithState(model.embedding!.forward(x)).output;
    const step = slice(hidden, [0, 5], [2, 6]).reshape([2, 5]);
    expectClose(slice(output, [0, 5], [2, 6]).reshape([2, V]), model.head.forward(step));
  });

  test('a null state is the zero state', () => {
    const model = charModel('lstm');
    const x = tokens(2, 3, 4);
    const zero: SequenceState = Object.fromEntries(model.stateNames.map((n) => [n, zeros([2, 5])]));
    expectClose(model.forwardWithState(x, zero).output, model.forwardWithState(x, null).output, 0);
  });

  test('the same seed gives the same weights; loadStateDict carries them to a model of another seed', () => {
    const a = charModel('lstm', 3);
    const b = charModel('lstm', 4);
    expect(a.parameters().map((p) => Array.from(p.data))).toEqual(charModel('lstm', 3).parameters().map((p) => Array.from(p.data)));
    b.loadStateDict(a.stateDict());
    const x = tokens(2, 5, 1);
    expectClose(b.forward(x), a.forward(x), 0);
  });
});

describe('sequenceModel: carried state', () => {
  propTest.prop([fc.constantFrom<'lstm' | 'gru'>('lstm', 'gru'), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 100 })], { numRuns: 12 })(
    'for any cut of a sequence, two windows with carried state equal one long forward (outputs and final state)',
    (kind, cut, seed) => {
      const model = charModel(kind);
      const x = tokens(2, 8, seed);
      const whole = model.forwardWithState(x, null);
      const first = model.forwardWithState(slice(x, [0, 0], [2, cut]), null);
      const second = model.forwardWithState(slice(x, [0, cut], [2, 8]), first.state);
      expectClose(concat([first.output, second.output], 1), whole.output);
      for (const name of model.stateNames) expectClose(second.state[name], whole.state[name]);
    },
  );

  test('without an embedding, a [B, T, F] input runs through an rnn with carried state', () => {
    const model = sequenceModel({ recurrent: rnn({ units: 3, returnSequences: true }), head: dense(2), inputShape: [4, 2], seed: 2 });
    const x = randn([2, 6, 2], new Rng(5));
    const whole = model.forwardWithState(x, null);
    const first = model.forwardWithState(slice(x, [0, 0, 0], [2, 2, 2]), null);
    const second = model.forwardWithState(slice(x, [0, 2, 0], [2, 6, 2]), first.state);
    expectClose(concat([first.output, second.output], 1), whole.output);
  });

  test('train() and eval() reach every layer', () => {
    const model = charModel('lstm');
    model.eval();
    expect([model.training, model.embedding!.training, model.recurrent.training, model.head.training]).toEqual([false, false, false, false]);
    model.train();
    expect(model.recurrent.training).toBe(true);
  });
});

describe('sequenceModel: bad input', () => {
  const model = charModel('lstm');

  test('an input of the wrong rank names what was expected', () => {
    expect(() => model.forwardWithState(randn([2, 3, 1], new Rng(0)), null)).toThrow(ShapeError);
    expect(() => model.forwardWithState(randn([2, 3, 1], new Rng(0)), null)).toThrow(
      'sequenceModel: expected input [B,T] of token indices (with an embedding), found [2,3,1]',
    );
    const plain = sequenceModel({ recurrent: gru({ units: 2, returnSequences: true }), head: dense(1), inputShape: [3, 2] });
    expect(() => plain.forwardWithState(tokens(2, 3, 0), null)).toThrow('sequenceModel: expected input [B,T,F] (no embedding), found [2,3]');
  });

  test('a state tensor of the wrong shape is a ShapeError naming the key and both shapes', () => {
    const { state } = model.forwardWithState(tokens(2, 3, 0), null);
    expect(() => model.forwardWithState(tokens(3, 3, 0), state)).toThrow(
      "sequenceModel: state 'h_l0' must be [B,H] = [3,5] for input of 3 rows, found [2,5]",
    );
    expect(() => model.forwardWithState(tokens(2, 3, 0), { ...state, c_l1: zeros([2, 4]) })).toThrow(ShapeError);
  });

  test('a state with missing or unknown keys is an ArgumentError listing them', () => {
    const { state } = model.forwardWithState(tokens(2, 3, 0), null);
    const { c_l1: _dropped, ...rest } = state;
    expect(() => model.forwardWithState(tokens(2, 3, 0), { ...rest, h: zeros([2, 5]) })).toThrow(ArgumentError);
    expect(() => model.forwardWithState(tokens(2, 3, 0), { ...rest, h: zeros([2, 5]) })).toThrow(
      'sequenceModel: expected state { h_l0, h_l1, c_l0, c_l1 } (tensors), found { h_l0, h_l1, c_l0, h }; missing c_l1; unknown h',
    );
  });

  test('bad options are rejected when the model is created', () => {
    const head = () => dense(2);
    expect(() => sequenceModel({ recurrent: lstm({ units: 2 }), head: head(), inputShape: [3, 2] })).toThrow(
      'sequenceModel: the lstm layer must return every step; create it with returnSequences: true',
    );
    expect(() => sequenceModel({ recurrent: dense(2) as never, head: head(), inputShape: [3, 2] })).toThrow(
      'sequenceModel: recurrent must be an rnn, lstm or gru layer, found a dense layer',
    );
    expect(() => sequenceModel({ recurrent: lstm({ units: 2, returnSequences: true }), head: head(), inputShape: [3] })).toThrow(
      'sequenceModel: inputShape must be [T, F] (no embedding) of sizes >= 1, found [3]',
    );
    const shared = dense(2);
    expect(() => sequenceModel({ embedding: shared, recurrent: lstm({ units: 2, returnSequences: true }), head: shared, inputShape: [3] })).toThrow(
      'sequenceModel: the same layer appears twice',
    );
    expect(() => sequenceModel({ recurrent: lstm({ units: 2, returnSequences: true }), head: head(), inputShape: [3, 2], dropout: 0.1 } as never)).toThrow(
      'sequenceModel: unknown option(s) dropout',
    );
  });
});
