import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { firstValueFrom, toArray } from 'rxjs';
import { ArgumentError, Rng, ShapeError, Tensor, backward, mul, randu, slice, sum } from '../../../../src/ops/index.js';
import { lstm, LSTM } from '../../../../src/models/layers/recurrent/lstm.js';
import { gru } from '../../../../src/models/layers/recurrent/gru.js';
import { rnn } from '../../../../src/models/layers/recurrent/rnn.js';
import type { ForwardWithStateOptions, Recurrent } from '../../../../src/models/layers/recurrent/recurrent.js';
import { unstackTime } from '../../../../src/models/layers/recurrent/time-steps.js';
import { dense } from '../../../../src/models/layers/dense.js';
import { sequential } from '../../../../src/models/sequential.js';
import { fromArray } from '../../../../src/streams/sources/from-array.js';
import { padBatch } from '../../../../src/streams/pad-batch.js';
import { checkGradients, checkLayerGradients } from '../../../../src/testing/index.js';

type Kind = 'rnn' | 'lstm' | 'gru';
const KINDS: Kind[] = ['rnn', 'lstm', 'gru'];
const GATES: Record<Kind, number> = { rnn: 1, lstm: 4, gru: 3 };

function make(kind: Kind, options: Record<string, unknown>): Recurrent {
  return kind === 'lstm' ? lstm(options as never) : kind === 'gru' ? gru(options as never) : rnn(options as never);
}

function built(kind: Kind, options: Record<string, unknown>, inputShape: number[], seed = 0): Recurrent {
  const layer = make(kind, options);
  layer.build(inputShape, { rng: new Rng(seed) });
  return layer;
}

/** A right-padded 0/1 mask [n, t] with the given lengths. */
function maskOf(lengths: readonly number[], t: number): Tensor {
  return new Tensor(Float32Array.from(lengths.flatMap((l) => Array.from({ length: t }, (_, s) => (s < l ? 1 : 0)))), [lengths.length, t]);
}

/** The layer seen through `forwardWithState(x, options).output`, for `checkLayerGradients`. */
function through(layer: Recurrent, options: ForwardWithStateOptions) {
  return { forward: (x: Tensor) => layer.forwardWithState(x, options).output, namedParameters: () => layer.namedParameters() };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('recurrent layers: shapes, names and layouts', () => {
  prop.prop(
    [fc.constantFrom<Kind>(...KINDS), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 4 })],
    { numRuns: 30 },
  )('output [N,T,H·dirs] with returnSequences, else [N,H·dirs]; h (and c) [layers·dirs,N,H]', (kind, numLayers, bidirectional, returnSequences, units) => {
    const layer = built(kind, { units, numLayers, bidirectional, returnSequences }, [5, 3]);
    const dirs = bidirectional ? 2 : 1;
    expect(layer.outputShape).toEqual(returnSequences ? [5, units * dirs] : [units * dirs]);
    // Another sequence length than the built one is accepted.
    const { output, h, c } = layer.forwardWithState(randu([2, 7, 3], new Rng(1)));
    expect(output.shape).toEqual(returnSequences ? [2, 7, units * dirs] : [2, units * dirs]);
    expect(h.shape).toEqual([numLayers * dirs, 2, units]);
    expect(c?.shape ?? null).toEqual(kind === 'lstm' ? [numLayers * dirs, 2, units] : null);
  });

  test('a stacked bidirectional LSTM has PyTorch’s names, order and shapes (torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True))', () => {
    const layer = built('lstm', { units: 5, numLayers: 2, bidirectional: true }, [4, 3]);
    const shapes = Object.fromEntries(layer.namedParameters().map(([name, p]) => [name, p.shape]));
    expect(shapes).toEqual({
      weight_ih_l0: [20, 3], weight_hh_l0: [20, 5], bias_ih_l0: [20], bias_hh_l0: [20],
      weight_ih_l0_reverse: [20, 3], weight_hh_l0_reverse: [20, 5], bias_ih_l0_reverse: [20], bias_hh_l0_reverse: [20],
      weight_ih_l1: [20, 10], weight_hh_l1: [20, 5], bias_ih_l1: [20], bias_hh_l1: [20],
      weight_ih_l1_reverse: [20, 10], weight_hh_l1_reverse: [20, 5], bias_ih_l1_reverse: [20], bias_hh_l1_reverse: [20],
    });
    expect(Object.keys(layer.stateDict())).toEqual(Object.keys(shapes));
  });

  prop.prop([fc.constantFrom<Kind>(...KINDS), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 })], { numRuns: 30 })(
    'the parameter count is PyTorch’s: Σ over layers and directions of gates·H·(in + H + 2)',
    (kind, numLayers, bidirectional, inputSize, units) => {
      const layer = built(kind, { units, numLayers, bidirectional }, [2, inputSize]);
      const dirs = bidirectional ? 2 : 1;
      let expected = 0;
      for (let l = 0; l < numLayers; l++) expected += dirs * GATES[kind] * units * ((l === 0 ? inputSize : units * dirs) + units + 2);
      expect(layer.parameters().reduce((s, p) => s + p.size, 0)).toBe(expected);
    },
  );

  test('every weight and bias starts uniform on [−1/√H, 1/√H] (PyTorch’s init), spread across the range', () => {
    const layer = built('gru', { units: 16, numLayers: 2 }, [3, 8]);
    const bound = 1 / Math.sqrt(16);
    for (const [, p] of layer.namedParameters()) {
      const values = Array.from(p.data);
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      if (p.size >= 48) expect(Math.max(...values) - Math.min(...values)).toBeGreaterThan(1.5 * bound);
    }
  });

  test('forgetBias sets bias_ih’s forget block (rows H..2H) and zeroes bias_hh’s, so b_if + b_hf = forgetBias', () => {
    const layer = built('lstm', { units: 3, forgetBias: 1, bidirectional: true }, [2, 2]) as LSTM;
    const sd = layer.stateDict();
    for (const suffix of ['_l0', '_l0_reverse']) {
      expect(Array.from(sd[`bias_ih${suffix}`].data.subarray(3, 6))).toEqual([1, 1, 1]);
      expect(Array.from(sd[`bias_hh${suffix}`].data.subarray(3, 6))).toEqual([0, 0, 0]);
      expect(Array.from(sd[`bias_ih${suffix}`].data.subarray(0, 3)).every((v) => v !== 1)).toBe(true);
    }
  });

  test('the same seed builds the same weights; the options do not shift them (dropout’s RNG is drawn after)', () => {
    const a = built('lstm', { units: 4 }, [2, 3], 5);
    const b = built('lstm', { units: 4, dropout: 0.3, returnSequences: true }, [2, 3], 5);
    expect(a.parameters().map((p) => Array.from(p.data))).toEqual(b.parameters().map((p) => Array.from(p.data)));
  });

  test('inside sequential: names are prefixed (0.weight_ih_l0), summary and other lengths work', () => {
    const net = sequential([gru({ units: 4, bidirectional: true }), dense(2)], { inputShape: [6, 3] });
    expect(net.namedParameters().map(([n]) => n).slice(0, 2)).toEqual(['0.weight_ih_l0', '0.weight_hh_l0']);
    expect(net.outputShape).toEqual([2]);
    expect(net.forward(randu([3, 9, 3], new Rng(0))).shape).toEqual([3, 2]);
    expect(net.summary()).toContain('gru');
  });

  test('toJSON holds every option and the factory rebuilds the same configuration from it', () => {
    const layer = lstm({ units: 3, numLayers: 2, bidirectional: true, dropout: 0.25, forgetBias: 1, returnSequences: true });
    const json = JSON.parse(JSON.stringify(layer.toJSON()));
    expect(json).toEqual({
      kind: 'lstm', units: 3, forgetBias: 1, numLayers: 2, bidirectional: true, dropout: 0.25,
      returnSequences: true, returnState: false, fused: true,
    });
    const { kind: _kind, ...options } = json;
    expect(lstm(options).toJSON()).toEqual(json);
    expect(rnn({ units: 2, activation: 'relu' }).toString()).toBe(
      'rnn(units=2, activation=relu, numLayers=1, bidirectional=false, dropout=0, returnSequences=false, returnState=false, fused=true)',
    );
  });
});

describe('recurrent layers: gradients through the whole layer', () => {
  for (const kind of KINDS) {
    for (const masked of [false, true]) {
      prop.prop([fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 2 }), fc.nat()], { numRuns: 4 })(
        `${kind}${masked ? ' with a mask' : ''}: gradients wrt the input and every parameter match finite differences ` +
          '(any direction, 1–2 layers, sequence or final output, fused or composed)',
        (bidirectional, returnSequences, fused, numLayers, seed) => {
          const layer = built(kind, { units: 2, numLayers, bidirectional, returnSequences, fused }, [3, 2], seed);
          const x = randu([2, 3, 2], new Rng(seed + 1), { low: -1, high: 1 });
          const mask = masked ? maskOf([2, 3 - (seed % 3)], 3) : null;
          checkLayerGradients(through(layer, { mask }), x);
        },
      );
    }
  }

  prop.prop([fc.constantFrom<Kind>(...KINDS), fc.boolean(), fc.nat()], { numRuns: 6 })(
    'gradients wrt the initial state match finite differences',
    (kind, bidirectional, seed) => {
      const layer = built(kind, { units: 2, bidirectional, returnSequences: true }, [3, 2], seed);
      const x = randu([2, 3, 2], new Rng(seed));
      const dirs = bidirectional ? 2 : 1;
      const h0 = randu([dirs, 2, 2], new Rng(seed + 1), { low: -1, high: 1 });
      const c0 = randu([dirs, 2, 2], new Rng(seed + 2), { low: -1, high: 1 });
      if (kind === 'lstm') checkGradients((h, c) => layer.forwardWithState(x, { initialState: { h, c } }).output, [h0, c0]);
      else checkGradients((h) => layer.forwardWithState(x, { initialState: { h } }).output, [h0]);
    },
  );

  prop.prop([fc.constantFrom<Kind>(...KINDS), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.nat()], { numRuns: 20 })(
    'the fused layer equals the composed layer: outputs, states and every gradient within 1e-5, masks included',
    (kind, bidirectional, returnSequences, numLayers, seed) => {
      const run = (fused: boolean) => {
        const layer = built(kind, { units: 3, numLayers, bidirectional, returnSequences, fused }, [4, 2], seed);
        const x = new Tensor(randu([3, 4, 2], new Rng(seed), { low: -2, high: 2 }).data, [3, 4, 2], true);
        const result = layer.forwardWithState(x, { mask: maskOf([4, 2, 0], 4) });
        backward(sum(mul(result.output, randu(result.output.shape, new Rng(9), { low: -1, high: 1 }))));
        return { values: [result.output, result.h, ...(result.c ? [result.c] : [])], grads: [x, ...layer.parameters()].map((p) => p.grad!) };
      };
      const fused = run(true);
      const composed = run(false);
      fused.values.forEach((v, i) => expect(maxDiff(v.data, composed.values[i].data)).toBeLessThan(1e-5));
      fused.grads.forEach((g, i) => expect(maxDiff(g.data, composed.grads[i].data)).toBeLessThan(1e-5));
    },
  );

  test('unstackTime: a second backward over the same graph gives the same gradient (its buffer is cleared)', () => {
    const x = new Tensor(randu([2, 3, 2], new Rng(0)).data, [2, 3, 2], true);
    const steps = unstackTime(x);
    const y = sum(mul(steps[0], 2), undefined);
    backward(y);
    const first = Array.from(x.grad!.data);
    x.grad = null;
    backward(y);
    expect(Array.from(x.grad!.data)).toEqual(first);
    expect(first).toEqual([2, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]);
  });
});

describe('recurrent layers: masks', () => {
  prop.prop([fc.constantFrom<Kind>(...KINDS), fc.boolean(), fc.integer({ min: 1, max: 2 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }), fc.nat()], {
    numRuns: 25,
  })(
    'a padded sequence gives what the same sequence unpadded gives: final output, and sequence values at real steps; zeros at padded steps',
    (kind, bidirectional, numLayers, lengths, seed) => {
      const t = 5;
      const layer = built(kind, { units: 3, numLayers, bidirectional, returnSequences: true }, [t, 2], seed);
      const finalLayer = built(kind, { units: 3, numLayers, bidirectional }, [t, 2], seed);
      const x = randu([lengths.length, t, 2], new Rng(seed), { low: -1, high: 1 });
      const mask = maskOf(lengths, t);
      const sequence = layer.forwardWithState(x, { mask }).output;
      const final = finalLayer.forwardWithState(x, { mask });
      const width = 3 * (bidirectional ? 2 : 1);
      lengths.forEach((length, n) => {
        const alone = slice(x, [n, 0], [n + 1, length]);
        const expectedSequence = layer.forward(alone).data;
        const got = sequence.data.subarray(n * t * width, n * t * width + length * width);
        expect(maxDiff(got, expectedSequence)).toBeLessThan(1e-6);
        expect(Array.from(sequence.data.subarray(n * t * width + length * width, (n + 1) * t * width)).every((v) => v === 0)).toBe(true);
        expect(maxDiff(final.output.data.subarray(n * width, (n + 1) * width), finalLayer.forward(alone).data)).toBeLessThan(1e-6);
      });
    },
  );

  test('a mask from padBatch drives the layer: each sequence’s output equals its run alone', async () => {
    const rng = new Rng(4);
    const samples = [3, 1, 4].map((length) => ({ x: randu([length, 2], rng), y: new Tensor(Float32Array.of(0), []) }));
    const [batch] = await firstValueFrom(fromArray(samples).pipe(padBatch(3), toArray()));
    const layer = built('lstm', { units: 2 }, [4, 2]);
    const { output } = layer.forwardWithState(batch.x, { mask: batch.mask });
    samples.forEach((s, n) => {
      const alone = layer.forward(new Tensor(s.x.data, [1, ...s.x.shape]));
      expect(maxDiff(output.data.subarray(n * 2, n * 2 + 2), alone.data)).toBeLessThan(1e-6);
    });
  });

  test('padded steps get no gradient: d output / d x is zero there', () => {
    const layer = built('gru', { units: 2, bidirectional: true, returnSequences: true }, [4, 2]);
    const x = new Tensor(randu([1, 4, 2], new Rng(1)).data, [1, 4, 2], true);
    backward(sum(layer.forwardWithState(x, { mask: maskOf([2], 4) }).output));
    expect(Array.from(x.grad!.data.subarray(4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(x.grad!.data.subarray(0, 4)).every((v) => v !== 0)).toBe(true);
  });
});

describe('recurrent layers: dropout, states and options', () => {
  test('dropout acts between layers only, and only in training', () => {
    const x = randu([4, 5, 3], new Rng(0));
    const stacked = built('lstm', { units: 8, numLayers: 2, dropout: 0.5, returnSequences: true }, [5, 3], 1);
    const plain = built('lstm', { units: 8, numLayers: 2, returnSequences: true }, [5, 3], 1);
    const expected = plain.forward(x).data;
    const trained = stacked.forward(x).data;
    expect(maxDiff(trained, expected)).toBeGreaterThan(1e-2);
    expect(maxDiff(stacked.forward(x).data, trained)).toBeGreaterThan(1e-2); // fresh masks each call
    stacked.eval();
    expect(maxDiff(stacked.forward(x).data, expected)).toBe(0);
    // One layer: nothing between layers, so no dropout even in training (as PyTorch).
    const single = built('gru', { units: 8, dropout: 0.5, returnSequences: true }, [5, 3], 1);
    const singlePlain = built('gru', { units: 8, returnSequences: true }, [5, 3], 1);
    expect(maxDiff(single.train().forward(x).data, singlePlain.forward(x).data)).toBe(0);
  });

  test('rngState / setRngState replay the same dropout masks', () => {
    const x = randu([2, 3, 2], new Rng(0));
    const layer = built('rnn', { units: 4, numLayers: 3, dropout: 0.4 }, [3, 2]);
    const saved = layer.rngState();
    const first = layer.forward(x).data;
    layer.setRngState(saved);
    expect(Array.from(layer.forward(x).data)).toEqual(Array.from(first));
    expect(() => rnn({ units: 2 }).rngState()).toThrow("rnn: rngState needs a built layer (its RNG is created when it is built)");
  });

  test('an initial state changes the output; h_n of one call continues the sequence in the next (carrying state = one long call)', () => {
    const layer = built('lstm', { units: 3, numLayers: 2 }, [6, 2]);
    const x = randu([2, 6, 2], new Rng(2));
    const whole = layer.forwardWithState(x);
    const first = layer.forwardWithState(slice(x, [0, 0], [2, 3]));
    const second = layer.forwardWithState(slice(x, [0, 3]), { initialState: { h: first.h, c: first.c } });
    expect(maxDiff(second.output.data, whole.output.data)).toBeLessThan(1e-6);
    expect(maxDiff(second.c!.data, whole.c!.data)).toBeLessThan(1e-6);
  });

  test('returnState keeps the final states of forward in lastState; forward still returns the output only', () => {
    const layer = built('gru', { units: 2, returnState: true }, [3, 2]);
    expect(layer.lastState).toBeNull();
    const x = randu([2, 3, 2], new Rng(0));
    const output = layer.forward(x);
    expect(output.shape).toEqual([2, 2]);
    expect(layer.lastState!.h.shape).toEqual([1, 2, 2]);
    expect(Array.from(layer.lastState!.h.data)).toEqual(Array.from(output.data));
    expect(layer.lastState!.c).toBeNull();
    const quiet = built('gru', { units: 2 }, [3, 2]);
    quiet.forward(x);
    expect(quiet.lastState).toBeNull();
  });

  test.each([
    [() => lstm({} as never), 'lstm: option units is required'],
    [() => gru({ units: 0 }), 'gru: units must be a positive integer, found 0'],
    [() => rnn({ units: 2, numLayers: 1.5 }), 'rnn: numLayers must be a positive integer, found 1.5'],
    [() => lstm({ units: 2, dropout: 1 }), 'lstm: dropout must be a number in [0, 1), found 1'],
    [() => lstm({ units: 2, bidirectional: 'yes' as never }), 'lstm: bidirectional must be true or false, found'],
    [() => rnn({ units: 2, activation: 'sigmoid' as never }), `rnn: activation must be 'tanh' or 'relu', found "sigmoid"`],
    [() => lstm({ units: 2, forgetBias: Number.NaN }), 'lstm: forgetBias must be a finite number, found NaN'],
    [() => gru({ units: 2, forgetBias: 1 } as never), 'gru: unknown option forgetBias'],
    [() => gru({ units: 2, batchFirst: true } as never), 'gru: unknown option batchFirst'],
  ])('bad options are rejected at creation: %#', (create, message) => {
    expect(create).toThrow(ArgumentError);
    expect(create).toThrow(message);
  });

  test('bad inputs, masks and states name the layer, what was expected and what was found', () => {
    const layer = built('lstm', { units: 2, bidirectional: true }, [3, 4]);
    expect(() => layer.forward(randu([2, 3, 5], new Rng(0)))).toThrow(
      'lstm: expected input [N,T,4] (batch first, T >= 1 steps of 4 features), found [2,3,5]',
    );
    expect(() => layer.forward(randu([2, 4], new Rng(0)))).toThrow(ShapeError);
    const x = randu([2, 3, 4], new Rng(0));
    expect(() => layer.forwardWithState(x, { mask: maskOf([1], 3) })).toThrow('lstm: expected mask [N,T] = [2,3] (1 real step, 0 padding), found [1,3]');
    expect(() => layer.forwardWithState(x, { mask: new Tensor(Float32Array.of(1, 1, 1, 1, 0.5, 0), [2, 3]) })).toThrow(
      'lstm: mask must hold 0 (padding) or 1 (real step), found 0.5 at mask[1,1]',
    );
    const h = randu([2, 2, 2], new Rng(0));
    expect(() => layer.forwardWithState(x, { initialState: { h } })).toThrow(
      'lstm: initialState: expected c [numLayers·dirs,N,H] = [2,2,2], found nothing',
    );
    expect(() => layer.forwardWithState(x, { initialState: { h: randu([1, 2, 2], new Rng(0)), c: h } })).toThrow(
      'lstm: initialState: expected h [numLayers·dirs,N,H] = [2,2,2], found [1,2,2]',
    );
    expect(() => built('gru', { units: 2 }, [3, 4]).forwardWithState(x, { initialState: { h: randu([1, 2, 2], new Rng(0)), c: h } })).toThrow(
      'gru: initialState: gru has no cell state; pass { h } only (c is for lstm)',
    );
    expect(() => layer.forwardWithState(x, { masks: null } as never)).toThrow("lstm: forwardWithState: unknown option masks");
    expect(() => sequential([lstm({ units: 2 })], { inputShape: [4] })).toThrow(
      "lstm '0': expected a sequence input [N,T,F] (batch first), so a built shape [T,F], found [N,4]",
    );
    expect(() => rnn({ units: 2 }).forward(x)).toThrow('rnn: the layer is not built');
  });
});
