import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor, backward, concat, randu, reshape, slice, stack, where } from '../../../../src/ops/index.js';
import { type CellWeights, gruCell } from '../../../../src/models/layers/recurrent/cells.js';
import { gruSequence } from '../../../../src/models/layers/recurrent/gru-sequence.js';
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

/** x [n, t, f], h0 [n, h], and the four weights, uniform on [−0.8, 0.8]. */
function inputs(c: Case): Tensor[] {
  const rng = new Rng(c.seed);
  const u = (shape: number[]) => randu(shape, rng, { low: -0.8, high: 0.8 });
  return [u([c.n, c.t, c.f]), u([c.n, c.h]), u([3 * c.h, c.f]), u([3 * c.h, c.h]), u([3 * c.h]), u([3 * c.h])];
}

/** A 0/1 mask [n, t] drawn from the seed (about a third padding), or `null`. */
function maskOf(c: Case): Tensor | null {
  if (!c.masked) return null;
  const rng = new Rng(c.seed + 1);
  return new Tensor(Float32Array.from({ length: c.n * c.t }, () => (rng.uniform() < 0.35 ? 0 : 1)), [c.n, c.t]);
}

/** The node's two outputs side by side, `[n, t·h + h]`. */
function bySequence(c: Case, mask: Tensor | null) {
  return (x: Tensor, h0: Tensor, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor, biasHh: Tensor): Tensor => {
    const { hidden, final } = gruSequence(x, h0, { weightIh, weightHh, biasIh, biasHh }, { mask, reverse: c.reverse });
    return concat([reshape(hidden, [c.n, c.t * c.h]), final], 1);
  };
}

/** The same from the composed cell `gruCell`, unrolled step by step, masked rows kept with `where`. */
function byCells(c: Case, mask: Tensor | null) {
  return (x: Tensor, h0: Tensor, weightIh: Tensor, weightHh: Tensor, biasIh: Tensor, biasHh: Tensor): Tensor => {
    const w: CellWeights = { weightIh, weightHh, biasIh, biasHh };
    let h = h0;
    const hs = new Array<Tensor>(c.t);
    for (let s = 0; s < c.t; s++) {
      const t = c.reverse ? c.t - 1 - s : s;
      const next = gruCell(reshape(slice(x, [0, t], [c.n, t + 1]), [c.n, c.f]), h, w);
      h = mask === null ? next : where(reshape(slice(mask, [0, t], [c.n, t + 1]), [c.n, 1]), next, h);
      hs[t] = h;
    }
    return concat([reshape(stack(hs, 1), [c.n, c.t * c.h]), h], 1);
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

describe('gruSequence: the whole sequence as one node', () => {
  prop.prop([arbCase], { numRuns: 60 })(
    'equals gruCell unrolled step by step: hidden sequence, final h and the gradients wrt x, h0 and every weight within 1e-5 (float32), masks and both directions included',
    (c) => {
      const mask = maskOf(c);
      const fused = valueAndGrads(bySequence(c, mask), inputs(c));
      const composed = valueAndGrads(byCells(c, mask), inputs(c));
      expect(maxDiff(fused.value, composed.value)).toBeLessThan(1e-5);
      fused.grads.forEach((g, i) => expect(maxDiff(g, composed.grads[i])).toBeLessThan(1e-5));
    },
  );

  prop.prop([arbCase.map((c) => ({ ...c, n: Math.min(c.n, 3), f: Math.min(c.f, 3), h: Math.min(c.h, 3), t: Math.min(c.t, 4) }))], { numRuns: 12 })(
    'its gradients wrt x, h0 and every weight match centered finite differences (masks and both directions)',
    (c) => {
      checkGradients(bySequence(c, maskOf(c)), inputs(c));
    },
  );

  test('shapes that do not fit name the node, what it expected and what it found', () => {
    const [x, h0, weightIh, , biasIh, biasHh] = inputs({ n: 2, f: 3, h: 2, t: 3, seed: 1, reverse: false, masked: false });
    expect(() => gruSequence(x, h0, { weightIh, weightHh: biasHh, biasIh, biasHh })).toThrow(
      'gruSequence: expected x [N,T,F] (T >= 1), state [N,H], weightIh [3H,F], weightHh [3H,H], biasIh and biasHh [3H]; found x [2,3,3], state [2,2], weightIh [6,3], weightHh [6], biasIh [6], biasHh [6]',
    );
  });
});
