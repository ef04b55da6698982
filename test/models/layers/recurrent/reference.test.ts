/**
 * The independent check of the recurrent layers' values and layouts: a plain-JS float64
 * implementation, with loops only (no streamgrad op, tensor or RNG), of the equations PyTorch
 * documents for `torch.nn.RNN`, `LSTM` and `GRU` (batch_first=True, PyTorch's parameter names,
 * shapes and gate order), fed the same state dict as the layer. Masks follow streamgrad's
 * documented semantics: a padded step leaves the state unchanged and its output is zero.
 */
import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor } from '../../../../src/ops/index.js';
import { lstm } from '../../../../src/models/layers/recurrent/lstm.js';
import { gru } from '../../../../src/models/layers/recurrent/gru.js';
import { rnn } from '../../../../src/models/layers/recurrent/rnn.js';
import type { Recurrent } from '../../../../src/models/layers/recurrent/recurrent.js';

type Kind = 'rnn' | 'lstm' | 'gru';
type Vec = number[];
type Mat = number[][];
const GATES: Record<Kind, number> = { rnn: 1, lstm: 4, gru: 3 };

/** mulberry32: a 32-bit PRNG of its own, so the test shares no randomness code with the library. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values rounded to float32, so the layer and the reference start from the same numbers. */
function uniformMatrix(rows: number, cols: number, next: () => number, scale: number): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround((next() * 2 - 1) * scale)));
}

/** PyTorch's parameter names and shapes for one configuration, with values. */
function stateDictFor(kind: Kind, inputSize: number, units: number, numLayers: number, dirs: number, seed: number): Map<string, Mat | Vec> {
  const next = prng(seed);
  const sd = new Map<string, Mat | Vec>();
  const rows = GATES[kind] * units;
  for (let l = 0; l < numLayers; l++) {
    for (let d = 0; d < dirs; d++) {
      const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
      sd.set(`weight_ih${suffix}`, uniformMatrix(rows, l === 0 ? inputSize : units * dirs, next, 0.7));
      sd.set(`weight_hh${suffix}`, uniformMatrix(rows, units, next, 0.7));
      sd.set(`bias_ih${suffix}`, uniformMatrix(1, rows, next, 0.7)[0]);
      sd.set(`bias_hh${suffix}`, uniformMatrix(1, rows, next, 0.7)[0]);
    }
  }
  return sd;
}

const sigma = (v: number) => 1 / (1 + Math.exp(-v));

/** `W·v + b` for a weight block of rows [from, from + units). */
function affine(w: Mat, v: Vec, b: Vec, from: number, units: number): Vec {
  return Array.from({ length: units }, (_, j) => {
    let s = b[from + j];
    for (let k = 0; k < v.length; k++) s += w[from + j][k] * v[k];
    return s;
  });
}

/** One step of PyTorch's documented cell equations, in float64. */
function cellStep(kind: Kind, x: Vec, h: Vec, c: Vec, wih: Mat, whh: Mat, bih: Vec, bhh: Vec, activation: 'tanh' | 'relu'): [Vec, Vec] {
  const H = h.length;
  const gi = (k: number) => affine(wih, x, bih, k * H, H);
  const gh = (k: number) => affine(whh, h, bhh, k * H, H);
  if (kind === 'rnn') {
    const a = gi(0).map((v, j) => v + gh(0)[j]);
    return [a.map((v) => (activation === 'tanh' ? Math.tanh(v) : Math.max(0, v))), c];
  }
  if (kind === 'lstm') {
    // i, f, g, o
    const [ai, af, ag, ao] = [0, 1, 2, 3].map((k) => gi(k).map((v, j) => v + gh(k)[j]));
    const cNext = c.map((cj, j) => sigma(af[j]) * cj + sigma(ai[j]) * Math.tanh(ag[j]));
    return [cNext.map((cj, j) => sigma(ao[j]) * Math.tanh(cj)), cNext];
  }
  // GRU: r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h
  const r = gi(0).map((v, j) => sigma(v + gh(0)[j]));
  const z = gi(1).map((v, j) => sigma(v + gh(1)[j]));
  const hn = gh(2);
  const n = gi(2).map((v, j) => Math.tanh(v + r[j] * hn[j]));
  return [n.map((nj, j) => (1 - z[j]) * nj + z[j] * h[j]), c];
}

interface Reference {
  sequence: number[][][]; // [N][T][H·dirs], zero at padded steps
  final: Mat; // [N][H·dirs]
  hn: number[][][]; // [L·dirs][N][H]
  cn: number[][][];
}

function reference(
  kind: Kind,
  sd: Map<string, Mat | Vec>,
  x: number[][][],
  o: { units: number; numLayers: number; dirs: number; mask: Mat | null; h0: number[][][] | null; c0: number[][][] | null; activation: 'tanh' | 'relu' },
): Reference {
  const N = x.length;
  const T = x[0].length;
  const H = o.units;
  let input = x;
  const hn: number[][][] = [];
  const cn: number[][][] = [];
  for (let l = 0; l < o.numLayers; l++) {
    const out: number[][][] = Array.from({ length: N }, () => Array.from({ length: T }, () => [] as number[]));
    for (let d = 0; d < o.dirs; d++) {
      const suffix = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const k = l * o.dirs + d;
      const [wih, whh] = [sd.get(`weight_ih${suffix}`) as Mat, sd.get(`weight_hh${suffix}`) as Mat];
      const [bih, bhh] = [sd.get(`bias_ih${suffix}`) as Vec, sd.get(`bias_hh${suffix}`) as Vec];
      hn[k] = [];
      cn[k] = [];
      for (let n = 0; n < N; n++) {
        let h = o.h0 === null ? new Array<number>(H).fill(0) : [...o.h0[k][n]];
        let c = o.c0 === null ? new Array<number>(H).fill(0) : [...o.c0[k][n]];
        for (let s = 0; s < T; s++) {
          const t = d === 1 ? T - 1 - s : s;
          if (o.mask === null || o.mask[n][t] === 1) [h, c] = cellStep(kind, input[n][t], h, c, wih, whh, bih, bhh, o.activation);
          out[n][t].push(...h);
        }
        hn[k][n] = h;
        cn[k][n] = c;
      }
    }
    input = out;
  }
  const last = hn.slice(-o.dirs);
  return {
    sequence: input.map((row, n) => row.map((v, t) => (o.mask !== null && o.mask[n][t] === 0 ? v.map(() => 0) : v))),
    final: Array.from({ length: N }, (_, n) => last.flatMap((dir) => dir[n])),
    hn,
    cn,
  };
}

function toTensor(values: Mat | Vec | number[][][]): Tensor {
  const shape: number[] = [];
  let v: unknown = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return new Tensor(Float32Array.from((values as unknown[]).flat(3) as number[]), shape);
}

function maxAbsDiff(t: Tensor, expected: unknown[]): number {
  const flat = expected.flat(3) as number[];
  expect(t.size).toBe(flat.length);
  let worst = 0;
  for (let i = 0; i < flat.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - flat[i]));
  return worst;
}

function make(kind: Kind, options: Record<string, unknown>): Recurrent {
  return kind === 'lstm' ? lstm(options as never) : kind === 'gru' ? gru(options as never) : rnn(options as never);
}

const arbConfig = fc.record({
  kind: fc.constantFrom<Kind>('rnn', 'lstm', 'gru'),
  n: fc.integer({ min: 1, max: 3 }),
  t: fc.integer({ min: 1, max: 6 }),
  inputSize: fc.integer({ min: 1, max: 4 }),
  units: fc.integer({ min: 1, max: 4 }),
  numLayers: fc.integer({ min: 1, max: 3 }),
  bidirectional: fc.boolean(),
  masked: fc.boolean(),
  withInitialState: fc.boolean(),
  relu: fc.boolean(),
  fused: fc.boolean(),
  seed: fc.nat(),
});

describe('recurrent layers against an independent float64 reference of PyTorch’s equations', () => {
  prop.prop([arbConfig], { numRuns: 60 })(
    'a state dict with PyTorch’s names and shapes loads strictly, and output, sequence, h_n and c_n match the reference within 2e-6',
    (c) => {
      const dirs = c.bidirectional ? 2 : 1;
      const activation = c.kind === 'rnn' && c.relu ? 'relu' : 'tanh';
      const sd = stateDictFor(c.kind, c.inputSize, c.units, c.numLayers, dirs, c.seed);
      const next = prng(c.seed + 17);
      const x = Array.from({ length: c.n }, () => uniformMatrix(c.t, c.inputSize, next, 1.5));
      // Right-padded lengths in [0, T] (a fully padded row keeps its initial state).
      const mask = c.masked ? Array.from({ length: c.n }, () => {
        const length = Math.floor(next() * (c.t + 1));
        return Array.from({ length: c.t }, (_, t) => (t < length ? 1 : 0));
      }) : null;
      const states = c.numLayers * dirs;
      const h0 = c.withInitialState ? Array.from({ length: states }, () => uniformMatrix(c.n, c.units, next, 0.5)) : null;
      const c0 = c.withInitialState && c.kind === 'lstm' ? Array.from({ length: states }, () => uniformMatrix(c.n, c.units, next, 0.5)) : null;

      const options = { units: c.units, numLayers: c.numLayers, bidirectional: c.bidirectional, fused: c.fused, ...(c.kind === 'rnn' ? { activation } : {}) };
      const bySequence = make(c.kind, { ...options, returnSequences: true });
      const byFinal = make(c.kind, options);
      for (const layer of [bySequence, byFinal]) {
        layer.build([c.t, c.inputSize], { rng: new Rng(0) });
        expect(Object.keys(layer.stateDict())).toEqual([...sd.keys()]);
        layer.loadStateDict(Object.fromEntries([...sd].map(([k, v]) => [k, toTensor(v)])));
      }
      const run = (layer: Recurrent) =>
        layer.forwardWithState(toTensor(x), {
          mask: mask === null ? null : toTensor(mask),
          initialState: h0 === null ? null : { h: toTensor(h0), c: c0 === null ? null : toTensor(c0) },
        });
      const expected = reference(c.kind, sd, x, { units: c.units, numLayers: c.numLayers, dirs, mask, h0, c0, activation });
      const sequence = run(bySequence);
      const final = run(byFinal);
      expect(maxAbsDiff(sequence.output, expected.sequence)).toBeLessThan(2e-6);
      expect(maxAbsDiff(final.output, expected.final)).toBeLessThan(2e-6);
      expect(maxAbsDiff(final.h, expected.hn)).toBeLessThan(2e-6);
      if (c.kind === 'lstm') expect(maxAbsDiff(final.c!, expected.cn)).toBeLessThan(2e-6);
      else expect(final.c).toBeNull();
    },
  );
});

describe('a hand-computed two-step LSTM (H = 1, I = 1, N = 1, biases 0)', () => {
  // Gates i, f, g, o: W_ih = [0.5, −0.5, 1, 0]ᵀ, W_hh = [0.1, 0.2, −0.3, 0.4]ᵀ; x = [1, 2]; h0 = c0 = 0.
  //
  // Step 1 (x = 1, h = 0): pre-activations W_ih·1 + W_hh·0 = [0.5, −0.5, 1, 0]
  //   i = σ(0.5) = 0.622459, f = σ(−0.5) = 0.377541, g = tanh(1) = 0.761594, o = σ(0) = 0.5
  //   c1 = f·0 + i·g = 0.622459·0.761594 = 0.4740614
  //   h1 = o·tanh(c1) = 0.5·0.4414750 = 0.2207375
  // Step 2 (x = 2, h = 0.2207375): pre = [1 + 0.022074, −1 + 0.044147, 2 − 0.066221, 0 + 0.088295]
  //                                   = [1.022074, −0.955853, 1.933779, 0.088295]
  //   i = σ(1.022074) = 0.735376, f = σ(−0.955853) = 0.277709, g = tanh(1.933779) = 0.959038,
  //   o = σ(0.088295) = 0.522059
  //   c2 = f·c1 + i·g = 0.277709·0.474061 + 0.735376·0.959038 = 0.1316513 + 0.7052537 = 0.8369050
  //   h2 = o·tanh(c2) = 0.522059·0.684166 = 0.3571754
  test('sequence [h1, h2] = [0.2207375, 0.3571754], final c = 0.8369050', () => {
    for (const fused of [true, false]) {
      const layer = lstm({ units: 1, returnSequences: true, fused });
      layer.build([2, 1], { rng: new Rng(0) });
      layer.loadStateDict({
        weight_ih_l0: new Tensor(Float32Array.of(0.5, -0.5, 1, 0), [4, 1]),
        weight_hh_l0: new Tensor(Float32Array.of(0.1, 0.2, -0.3, 0.4), [4, 1]),
        bias_ih_l0: new Tensor(new Float32Array(4), [4]),
        bias_hh_l0: new Tensor(new Float32Array(4), [4]),
      });
      const { output, h, c } = layer.forwardWithState(new Tensor(Float32Array.of(1, 2), [1, 2, 1]));
      expect(output.shape).toEqual([1, 2, 1]);
      expect(output.data[0]).toBeCloseTo(0.2207375, 6);
      expect(output.data[1]).toBeCloseTo(0.3571754, 6);
      expect(h.data[0]).toBeCloseTo(0.3571754, 6);
      expect(c!.data[0]).toBeCloseTo(0.8369050, 6);
    }
  });
});
