import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import {
  ArgumentError,
  Rng,
  ShapeError,
  Tensor,
  add,
  backward,
  concat,
  matmul,
  randu,
  reshape,
  slice,
  stack,
  transpose,
  where,
  zeros,
} from '../../../../src/ops/index.js';
import { type CellWeights, gruCell, lstmCell, rnnCell } from '../../../../src/models/layers/recurrent/cells.js';
import {
  fusedGruCell,
  fusedLstmCell,
  fusedRnnCell,
  gruStep,
  lstmStep,
  rnnStep,
} from '../../../../src/models/layers/recurrent/fused-cells.js';
import { checkGradients } from '../../../../src/testing/index.js';

type Kind = 'rnn' | 'lstm' | 'gru';
const GATES: Record<Kind, number> = { rnn: 1, lstm: 4, gru: 3 };

/** A small configuration: batch n, input size i, units h, steps t, a seed for values and a 0/1 mask [n, t]. */
const arbCase = fc.record({
  n: fc.integer({ min: 1, max: 3 }),
  i: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 3 }),
  t: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer(),
  reverse: fc.boolean(),
});
type Case = { n: number; i: number; h: number; t: number; seed: number; reverse: boolean };

/** x [n, t, i], h0, c0 [n, h], and the four weights, uniform on [−0.8, 0.8] (values of order one). */
function inputs(kind: Kind, c: Case): Tensor[] {
  const rng = new Rng(c.seed);
  const u = (shape: number[]) => randu(shape, rng, { low: -0.8, high: 0.8 });
  const g = GATES[kind] * c.h;
  return [u([c.n, c.t, c.i]), u([c.n, c.h]), u([c.n, c.h]), u([g, c.i]), u([g, c.h]), u([g]), u([g])];
}

/** A 0/1 mask [n, t] drawn from the seed, or `null`. */
function maskOf(c: Case, masked: boolean): number[][] | null {
  if (!masked) return null;
  const rng = new Rng(c.seed + 1);
  return Array.from({ length: c.n }, () => Array.from({ length: c.t }, () => (rng.uniform() < 0.35 ? 0 : 1)));
}

/**
 * Unrolls one cell over the steps of x (forwards or backwards), carrying the state through
 * masked steps, and returns every step's state stacked `[t, n, stateWidth]`. `fused` picks the
 * fused steps or the composed cells; the steps are cut out of x with `slice` (not the layer's helper).
 */
function unroll(kind: Kind, fused: boolean, c: Case, mask: number[][] | null) {
  return (x: Tensor, h0: Tensor, c0: Tensor, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor, biasHh: Tensor): Tensor => {
    const w: CellWeights = { weightIh, weightHh, biasIh, biasHh };
    let h = h0;
    let cs = c0;
    const out: Tensor[] = [];
    for (let s = 0; s < c.t; s++) {
      const t = c.reverse ? c.t - 1 - s : s;
      const xt = reshape(slice(x, [0, t], [c.n, t + 1]), [c.n, c.i]);
      const column = mask === null ? null : new Tensor(Float32Array.from(mask.map((row) => row[t])), [c.n, 1]);
      let nextH: Tensor;
      let nextC = cs;
      if (kind === 'lstm') {
        ({ h: nextH, c: nextC } = fused ? fusedLstmStep(xt, h, cs, w, column) : lstmCell(xt, h, cs, w));
      } else if (kind === 'gru') {
        nextH = fused ? gruStep(project(xt, w), h, w, { mask: column?.reshape([c.n]) }) : gruCell(xt, h, w);
      } else {
        nextH = fused ? rnnStep(project(xt, w), h, w, 'tanh', { mask: column?.reshape([c.n]) }) : rnnCell(xt, h, w);
      }
      if (column !== null && !fused) {
        nextH = where(column, nextH, h);
        nextC = where(column, nextC, cs);
      }
      h = nextH;
      cs = nextC;
      out.push(kind === 'lstm' ? concat([h, cs], 1) : h);
    }
    return stack(out);
  };
}

/** `x·W_ihᵀ + b_ih` by the composed ops, so only the recurrent step is the fused code under test. */
function project(x: Tensor, w: CellWeights): Tensor {
  return add(matmul(x, transpose(w.weightIh)), w.biasIh);
}

function fusedLstmStep(x: Tensor, h: Tensor, c: Tensor, w: CellWeights, column: Tensor | null) {
  const units = h.shape[1];
  const n = h.shape[0];
  const next = lstmStep(project(x, w), concat([h, c], 1), w, { mask: column?.reshape([n]) });
  return { h: slice(next, [0, 0], [n, units]), c: slice(next, [0, units], [n, 2 * units]) };
}

/** Values and every input's gradient of `Σ r·f(inputs)` for a fixed direction r. */
function valueAndGrads(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): { value: Float32Array; grads: Float32Array[] } {
  const leaves = xs.map((x) => new Tensor(x.data.slice(), x.shape, true));
  const y = f(...leaves);
  const r = randu(y.shape, new Rng(7), { low: -1, high: 1 });
  backward(y, r);
  return { value: y.data, grads: leaves.map((l) => l.grad?.data ?? new Float32Array(l.size)) };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const KINDS: Kind[] = ['rnn', 'lstm', 'gru'];

describe('composed recurrent cells', () => {
  for (const kind of KINDS) {
    for (const masked of [false, true]) {
      prop.prop([arbCase], { numRuns: 8 })(
        `${kind}Cell unrolled over up to 4 steps${masked ? ' with a mask' : ''}, either direction: gradients wrt x, h0, c0 and the weights match finite differences`,
        (c) => {
          checkGradients(unroll(kind, false, c, maskOf(c, masked)), inputs(kind, c), { wrt: kind === 'lstm' ? undefined : [0, 1, 3, 4, 5, 6] });
        },
      );
    }
  }

  test('rnnCell with relu is max(0, pre-activation)', () => {
    const w = { weightIh: new Tensor(Float32Array.of(1, -1), [2, 1]), weightHh: zeros([2, 2]), biasIh: zeros([2]), biasHh: zeros([2]) };
    const h = rnnCell(new Tensor(Float32Array.of(2), [1, 1]), zeros([1, 2]), w, 'relu');
    expect(Array.from(h.data)).toEqual([2, 0]);
  });

  test('shape errors name the cell, the expected layout and every shape found', () => {
    const w = { weightIh: zeros([8, 3]), weightHh: zeros([6, 2]), biasIh: zeros([8]), biasHh: zeros([8]) };
    expect(() => lstmCell(zeros([1, 3]), zeros([1, 2]), zeros([1, 2]), w)).toThrow(ShapeError);
    expect(() => lstmCell(zeros([1, 3]), zeros([1, 2]), zeros([1, 2]), w)).toThrow(
      'lstmCell: expected x [N,I], h [N,H], c [N,H], weightIh [4H,I], weightHh [4H,H], biasIh [4H], biasHh [4H]; ' +
        'found x [1,3], h [1,2], c [1,2], weightIh [8,3], weightHh [6,2], biasIh [8], biasHh [8]',
    );
    expect(() => gruCell(zeros([1, 3]), zeros([1, 2]), { ...w, weightIh: zeros([6, 2]), biasIh: zeros([6]), biasHh: zeros([6]) })).toThrow(
      'gruCell: expected x [N,I], h [N,H], weightIh [3H,I]',
    );
    const rnnW = { weightIh: zeros([2, 3]), weightHh: zeros([2, 2]), biasIh: zeros([2]), biasHh: zeros([2]) };
    expect(() => rnnCell(zeros([1, 3]), zeros([1, 2]), rnnW, 'sigmoid' as never)).toThrow(
      "rnnCell: activation must be 'tanh' or 'relu', found sigmoid",
    );
    expect(() => rnnCell(zeros([1, 3]), null as never, rnnW)).toThrow(ArgumentError);
    expect(() => rnnCell(zeros([1, 3]), null as never, rnnW)).toThrow('rnnCell: h must be a Tensor, found null');
  });
});

describe('fused recurrent steps', () => {
  for (const kind of KINDS) {
    for (const masked of [false, true]) {
      prop.prop([arbCase], { numRuns: 8 })(
        `fused ${kind} step unrolled over up to 4 steps${masked ? ' with a mask' : ''}, either direction: gradients match finite differences`,
        (c) => {
          checkGradients(unroll(kind, true, c, maskOf(c, masked)), inputs(kind, c), { wrt: kind === 'lstm' ? undefined : [0, 1, 3, 4, 5, 6] });
        },
      );

      prop.prop([arbCase], { numRuns: 15 })(
        `fused ${kind} step equals the composed cell${masked ? ' with a mask' : ''}: values and gradients within 1e-5`,
        (c) => {
          const mask = maskOf(c, masked);
          const xs = inputs(kind, c);
          const fused = valueAndGrads(unroll(kind, true, c, mask), xs);
          const composed = valueAndGrads(unroll(kind, false, c, mask), xs);
          expect(maxDiff(fused.value, composed.value)).toBeLessThan(1e-5);
          fused.grads.forEach((g, k) => expect(maxDiff(g, composed.grads[k])).toBeLessThan(1e-5));
        },
      );
    }
  }

  prop.prop([arbCase], { numRuns: 15 })('fusedRnnCell, fusedLstmCell and fusedGruCell equal their composed cells, relu included', (c) => {
    for (const kind of KINDS) {
      const xs = inputs(kind, { ...c, t: 1 });
      const x2 = (x: Tensor) => reshape(x, [c.n, c.i]);
      const pairs: [(...t: Tensor[]) => Tensor, (...t: Tensor[]) => Tensor][] =
        kind === 'lstm'
          ? [[
              (x, h, cc, a, b, d, e) => { const s = fusedLstmCell(x2(x), h, cc, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }); return concat([s.h, s.c], 1); },
              (x, h, cc, a, b, d, e) => { const s = lstmCell(x2(x), h, cc, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }); return concat([s.h, s.c], 1); },
            ]]
          : kind === 'gru'
            ? [[
                (x, h, _c, a, b, d, e) => fusedGruCell(x2(x), h, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }),
                (x, h, _c, a, b, d, e) => gruCell(x2(x), h, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }),
              ]]
            : (['tanh', 'relu'] as const).map((act) => [
                (x: Tensor, h: Tensor, _c: Tensor, a: Tensor, b: Tensor, d: Tensor, e: Tensor) => fusedRnnCell(x2(x), h, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }, act),
                (x: Tensor, h: Tensor, _c: Tensor, a: Tensor, b: Tensor, d: Tensor, e: Tensor) => rnnCell(x2(x), h, { weightIh: a, weightHh: b, biasIh: d, biasHh: e }, act),
              ]);
      for (const [f, g] of pairs) {
        const a = valueAndGrads(f, xs);
        const b = valueAndGrads(g, xs);
        expect(maxDiff(a.value, b.value)).toBeLessThan(1e-5);
        a.grads.forEach((gr, k) => expect(maxDiff(gr, b.grads[k])).toBeLessThan(1e-5));
      }
    }
  });

  test('a masked row keeps its state and passes its gradient straight through', () => {
    const rng = new Rng(3);
    const w = { weightHh: randu([12, 3], rng), biasHh: randu([12], rng) };
    const state = new Tensor(randu([2, 6], rng).data, [2, 6], true);
    const next = lstmStep(randu([2, 12], rng), state, w, { mask: new Tensor(Float32Array.of(0, 1), [2]) });
    expect(Array.from(next.data.subarray(0, 6))).toEqual(Array.from(state.data.subarray(0, 6)));
    expect(Array.from(next.data.subarray(6))).not.toEqual(Array.from(state.data.subarray(6)));
    const seed = randu([2, 6], rng);
    backward(next, seed);
    expect(Array.from(state.grad!.data.subarray(0, 6))).toEqual(Array.from(seed.data.subarray(0, 6)));
  });

  test('step shape errors name the step and the shapes', () => {
    const w = { weightHh: zeros([9, 3]), biasHh: zeros([9]) };
    expect(() => gruStep(zeros([2, 9]), zeros([2, 2]), w)).toThrow(
      'gruStep: expected xp [N,3H], state [N,H], weightHh [3H,H], biasHh [3H]; found xp [2,9], state [2,2], weightHh [9,3], biasHh [9]',
    );
    expect(() => gruStep(zeros([2, 9]), zeros([2, 3]), w, { mask: zeros([3]) })).toThrow('gruStep: expected mask [N] = [2], found [3]');
    expect(() => lstmStep(zeros([2, 12]), zeros([2, 3]), { weightHh: zeros([12, 3]), biasHh: zeros([12]) })).toThrow(
      'lstmStep: expected xp [N,4H], state [N,2H]',
    );
  });
});
