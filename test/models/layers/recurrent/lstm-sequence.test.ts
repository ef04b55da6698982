import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, ShapeError, Tensor, backward, concat, randu, reshape, slice, stack, sum, mul, where } from '../../../../src/ops/index.js';
import { type CellWeights, lstmCell } from '../../../../src/models/layers/recurrent/cells.js';
import { lstmSequence } from '../../../../src/models/layers/recurrent/lstm-sequence.js';
import { checkGradients } from '../../../../src/testing/index.js';

/** Batch n, input size f, units h, steps t (odd sizes included), a seed, the direction, whether masked. */
const arbCase = fc.record({
  n: fc.integer({ min: 1, max: 5 }),
  f: fc.integer({ min: 1, max: 7 }),
  h: fc.integer({ min: 1, max: 9 }),
  t: fc.integer({ min: 1, max: 7 }),
  seed: fc.integer(),
  reverse: fc.boolean(),
  masked: fc.boolean(),
});
type Case = { n: number; f: number; h: number; t: number; seed: number; reverse: boolean; masked: boolean };

/** x [n, t, f], the packed state [n, 2h], and the four weights, uniform on [−0.8, 0.8]. */
function inputs(c: Case): Tensor[] {
  const rng = new Rng(c.seed);
  const u = (shape: number[]) => randu(shape, rng, { low: -0.8, high: 0.8 });
  return [u([c.n, c.t, c.f]), u([c.n, 2 * c.h]), u([4 * c.h, c.f]), u([4 * c.h, c.h]), u([4 * c.h]), u([4 * c.h])];
}

/** A 0/1 mask [n, t] drawn from the seed (about a third padding), or `null`. */
function maskOf(c: Case): Tensor | null {
  if (!c.masked) return null;
  const rng = new Rng(c.seed + 1);
  return new Tensor(Float32Array.from({ length: c.n * c.t }, () => (rng.uniform() < 0.35 ? 0 : 1)), [c.n, c.t]);
}

/** The node's two outputs side by side, `[n, t·h + 2h]`, so one function covers both. */
function bySequence(c: Case, mask: Tensor | null) {
  return (x: Tensor, state: Tensor, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor, biasHh: Tensor): Tensor => {
    const { hidden, final } = lstmSequence(x, state, { weightIh, weightHh, biasIh, biasHh }, { mask, reverse: c.reverse });
    return concat([reshape(hidden, [c.n, c.t * c.h]), final], 1);
  };
}

/** The same from the composed cell `lstmCell`, unrolled step by step, masked rows kept with `where`. */
function byCells(c: Case, mask: Tensor | null) {
  return (x: Tensor, state: Tensor, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor, biasHh: Tensor): Tensor => {
    const w: CellWeights = { weightIh, weightHh, biasIh, biasHh };
    let h = slice(state, [0, 0], [c.n, c.h]);
    let cs = slice(state, [0, c.h], [c.n, 2 * c.h]);
    const hs = new Array<Tensor>(c.t);
    for (let s = 0; s < c.t; s++) {
      const t = c.reverse ? c.t - 1 - s : s;
      const next = lstmCell(reshape(slice(x, [0, t], [c.n, t + 1]), [c.n, c.f]), h, cs, w);
      const column = mask === null ? null : reshape(slice(mask, [0, t], [c.n, t + 1]), [c.n, 1]);
      h = column === null ? next.h : where(column, next.h, h);
      cs = column === null ? next.c : where(column, next.c, cs);
      hs[t] = h;
    }
    return concat([reshape(stack(hs, 1), [c.n, c.t * c.h]), h, cs], 1);
  };
}

/** Values and every input's gradient of `Σ r·f(inputs)` for a fixed random direction r. */
function valueAndGrads(f: (...xs: Tensor[]) => Tensor, xs: Tensor[]): { value: Float32Array; grads: Float32Array[] } {
  const leaves = xs.map((x) => new Tensor(x.data.slice(), x.shape, true));
  const y = f(...leaves);
  backward(y, randu(y.shape, new Rng(7), { low: -1, high: 1 }));
  return { value: y.data, grads: leaves.map((l) => l.grad!.data) };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('lstmSequence: the whole sequence as one node', () => {
  prop.prop([arbCase], { numRuns: 60 })(
    'equals lstmCell unrolled step by step: hidden sequence, final [h | c] and the gradients wrt x, the state and every weight within 1e-5 (float32), masks and both directions included',
    (c) => {
      const mask = maskOf(c);
      const fused = valueAndGrads(bySequence(c, mask), inputs(c));
      const composed = valueAndGrads(byCells(c, mask), inputs(c));
      expect(maxDiff(fused.value, composed.value)).toBeLessThan(1e-5);
      fused.grads.forEach((g, i) => expect(maxDiff(g, composed.grads[i])).toBeLessThan(1e-5));
    },
  );

  prop.prop([arbCase.map((c) => ({ ...c, n: Math.min(c.n, 3), f: Math.min(c.f, 3), h: Math.min(c.h, 3), t: Math.min(c.t, 4) }))], { numRuns: 12 })(
    'its gradients wrt x, the state and every weight match centered finite differences (masks and both directions)',
    (c) => {
      checkGradients(bySequence(c, maskOf(c)), inputs(c));
    },
  );

  test('a worked example: one unit, one step, zero weights except the input weight 1 and b_ih = [0, 0, 0, 0]', () => {
    // a = x·W_ihᵀ = [x, x, x, x] with x = 1: i = f = o = σ(1), g = tanh(1); c' = f·c0 + i·g, h' = o·tanh(c').
    const w = {
      weightIh: new Tensor(Float32Array.of(1, 1, 1, 1), [4, 1]),
      weightHh: new Tensor(new Float32Array(4), [4, 1]),
      biasIh: new Tensor(new Float32Array(4), [4]),
      biasHh: new Tensor(new Float32Array(4), [4]),
    };
    const { hidden, final } = lstmSequence(new Tensor(Float32Array.of(1), [1, 1, 1]), new Tensor(Float32Array.of(0, 0.5), [1, 2]), w);
    const s = 1 / (1 + Math.exp(-1));
    const c1 = s * 0.5 + s * Math.tanh(1);
    expect(hidden.data[0]).toBeCloseTo(s * Math.tanh(c1), 6);
    expect(Array.from(final.data).map((v) => Number(v.toFixed(6)))).toEqual([s * Math.tanh(c1), c1].map((v) => Number(v.toFixed(6))));
  });

  test('masked steps keep the state: a fully masked sequence returns the initial state and zero gate gradients', () => {
    const c: Case = { n: 2, f: 3, h: 2, t: 3, seed: 5, reverse: false, masked: false };
    const [x, state, ...weights] = inputs(c).map((t) => new Tensor(t.data, t.shape, true));
    const [weightIh, weightHh, biasIh, biasHh] = weights;
    const { hidden, final } = lstmSequence(x, state, { weightIh, weightHh, biasIh, biasHh }, { mask: new Tensor(new Float32Array(6), [2, 3]) });
    expect(Array.from(final.data)).toEqual(Array.from(state.data));
    backward(sum(mul(final, 3)));
    expect(Array.from(state.grad!.data)).toEqual(new Array(8).fill(3));
    expect(Array.from(x.grad!.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(weightHh.grad!.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(hidden.data.subarray(0, 2))).toEqual(Array.from(state.data.subarray(0, 2)));
  });

  test('a second backward over the same graph gives the same gradients (the hidden gradient is not kept between passes)', () => {
    const c: Case = { n: 2, f: 2, h: 3, t: 4, seed: 11, reverse: true, masked: true };
    const [x, state, weightIh, weightHh, biasIh, biasHh] = inputs(c);
    const xs = new Tensor(x.data, x.shape, true);
    const { hidden, final } = lstmSequence(xs, state, { weightIh, weightHh, biasIh, biasHh }, { mask: maskOf(c) });
    const loss = sum(concat([reshape(hidden, [2, 12]), final], 1));
    backward(loss);
    const first = Array.from(xs.grad!.data);
    xs.grad = null;
    backward(sum(final));
    const onlyFinal = Array.from(xs.grad!.data);
    xs.grad = null;
    backward(loss);
    expect(Array.from(xs.grad!.data)).toEqual(first);
    expect(onlyFinal).not.toEqual(first);
  });

  test('shapes that do not fit name the node, what it expected and what it found', () => {
    const [x, state, weightIh, weightHh, biasIh, biasHh] = inputs({ n: 2, f: 3, h: 2, t: 3, seed: 1, reverse: false, masked: false });
    const w = { weightIh, weightHh, biasIh, biasHh };
    expect(() => lstmSequence(reshape(x, [6, 3]), state, w)).toThrow(ShapeError);
    expect(() => lstmSequence(x, slice(state, [0, 0], [1, 4]), w)).toThrow(
      'lstmSequence: expected x [N,T,F] (T >= 1), state [N,2H], weightIh [4H,F], weightHh [4H,H], biasIh and biasHh [4H]; found x [2,3,3], state [1,4]',
    );
    expect(() => lstmSequence(x, state, w, { mask: new Tensor(new Float32Array(2), [2, 1]) })).toThrow(
      'lstmSequence: expected mask [N,T] = [2,3], found [2,1]',
    );
    expect(() => lstmSequence(x, state, { ...w, weightHh: null as unknown as Tensor })).toThrow('lstmSequence: weightHh must be a Tensor, found null');
  });
});
