/**
 * A whole LSTM sequence (one layer, one direction) as one autograd node. Everything is kept in
 * the order the steps are taken, time-major (row `s·N + r` is row r at step s), so each step's
 * block is contiguous: the forward projects every step's input with one GEMM, then per step runs
 * one GEMM for the recurrent product and one pass over the gates; the VJP runs back through the
 * steps with one GEMM each for `dh` and computes the weight gradients with one GEMM each over all
 * steps. The per-step cells (`cells.ts`, `fused-cells.ts`) are the specification; the tests check
 * this node against them.
 */
import { Tensor } from '../../../ops/index.js';
import { kernels } from '../../../ops/kernels/backend.js';
import type { CellWeights } from './cells.js';
import { sigmoidInPlace, tanhInPlace, tanhInto } from './fast-math.js';
import {
  type SequenceOptions,
  type SequenceResult,
  checkSequence,
  projectSteps,
  recordSequence,
  toSteps,
  weightGradients,
} from './sequence-node.js';

/** What the forward keeps for the VJP, all in step order. */
interface LstmTape {
  readonly n: number;
  readonly time: number;
  readonly units: number;
  readonly reverse: boolean;
  /** `[N, T]` of 0/1, batch first, or `null`. */
  readonly mask: Float32Array | null;
  /** `[T·N, 4H]`: the input part of the pre-activations, then (after each step) i, f, g, o. */
  readonly gates: Float32Array;
  /** `[(T+1)·N, H]`: block s holds h before step s, block T the final h. */
  readonly h: Float32Array;
  /** `[(T+1)·N, H]`: the same for c. */
  readonly c: Float32Array;
  /** `[T·N, H]`: tanh c after each step. */
  readonly tanhC: Float32Array;
}

/**
 * Runs an LSTM over a batch-first sequence from the packed initial state `[h | c]`, gates
 * i, f, g, o as in `lstmCell`: with `a = x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh`,
 * `i, f, o = σ(aᵢ, a_f, a_o)`, `g = tanh(a_g)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
 * A row whose mask is 0 at a step keeps its state there (and its hidden output is that state).
 * VJP per step, from `dh'` (the output's gradient plus the next step's) and `dc'`:
 *
 * ```
 * dc̃ = dc' + dh' ⊙ o ⊙ (1 − tanh²c')            dc = dc̃ ⊙ f,   dh = da·W_hh
 * da_o = dh' ⊙ tanh c' ⊙ o(1 − o)               da_i = dc̃ ⊙ g ⊙ i(1 − i)
 * da_f = dc̃ ⊙ c ⊙ f(1 − f)                      da_g = dc̃ ⊙ i ⊙ (1 − g²)
 * ```
 *
 * then over all steps at once `dx = da·W_ih`, `dW_ih = daᵀ·x`, `dW_hh = daᵀ·h_prev`,
 * `db_ih = db_hh = Σ da`.
 *
 * @param x - the input, `[N, T, F]`, batch first.
 * @param state - the initial `[h | c]`, `[N, 2H]`.
 * @param weights - `weightIh [4H, F]`, `weightHh [4H, H]`, `biasIh`, `biasHh` `[4H]`.
 * @param opts.mask - `[N, T]` of 0/1; padded steps keep the state.
 * @param opts.reverse - run the steps T−1 … 0.
 * @returns `hidden` `[N, T, H]` and the final `[h | c]` `[N, 2H]`.
 * @throws ShapeError naming the node and every shape when they do not fit.
 * @example
 * ```ts
 * const { hidden, final } = lstmSequence(x, zeros([n, 2 * h]), { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export function lstmSequence(x: Tensor, state: Tensor, weights: CellWeights, opts: SequenceOptions = {}): SequenceResult {
  const mask = opts.mask ?? null;
  const { n, time, features, units } = checkSequence('lstmSequence', x, state, weights, 4, 2, mask);
  const reverse = opts.reverse ?? false;
  const gemm = kernels().gemm;
  const width = 4 * units;
  const block = n * units;
  const xs = toSteps(x.data, n, time, features, reverse);
  const tape: LstmTape = {
    n,
    time,
    units,
    reverse,
    mask: mask?.data ?? null,
    gates: projectSteps(gemm, xs, n * time, weights, width),
    h: new Float32Array((time + 1) * block),
    c: new Float32Array((time + 1) * block),
    tanhC: new Float32Array(time * block),
  };
  unpackRows(state.data, tape.h, tape.c, n, units);
  const hidden = new Float32Array(n * time * units);
  const product = new Float32Array(n * width);
  for (let s = 0; s < time; s++) {
    gemm(tape.h, s * block, weights.weightHh.data, 0, product, 0, n, units, width, false, true);
    forwardStep(tape, s, product, hidden);
  }
  const final = packRows(tape.h.subarray(time * block), tape.c.subarray(time * block), n, units);
  const inputs = [x, state, weights.weightIh, weights.weightHh, weights.biasIh, weights.biasHh];
  return recordSequence('lstmSequence', new Tensor(hidden, [n, time, units]), new Tensor(final, [n, 2 * units]), inputs, (gHidden, gFinal) => {
    const dh = new Float32Array(block);
    const dc = new Float32Array(block);
    unpackRows(gFinal, dh, dc, n, units);
    const da = new Float32Array(time * n * width);
    const fromHidden = new Float32Array(block);
    for (let s = time - 1; s >= 0; s--) {
      backwardStep(tape, s, gHidden, dh, dc, da);
      gemm(da, s * n * width, weights.weightHh.data, 0, fromHidden, 0, n, width, units, false, false);
      const t = reverse ? time - 1 - s : s;
      for (let r = 0; r < n; r++) {
        if (tape.mask === null || tape.mask[r * time + t] !== 0) dh.set(fromHidden.subarray(r * units, (r + 1) * units), r * units);
      }
    }
    const dState = state.requiresGrad ? new Tensor(packRows(dh, dc, n, units), state.shape) : null;
    const [dx, dWih, dWhh, dbIh, dbHh] = weightGradients(gemm, da, da, xs, tape.h, x, weights, reverse);
    return [dx, dState, dWih, dWhh, dbIh, dbHh];
  });
}

/**
 * Step s of the forward, given the recurrent product `h·W_hhᵀ` (`[N, 4H]`): turns the step's
 * block of `gates` into i, f, g, o, writes h and c after the step into block s + 1 and h into
 * `hidden` (`[N, T, H]`). Masked rows carry h and c over.
 */
function forwardStep(tape: LstmTape, s: number, product: Float32Array, hidden: Float32Array): void {
  const { n, time, units, gates, h, c, tanhC, mask } = tape;
  const t = tape.reverse ? time - 1 - s : s;
  const width = 4 * units;
  for (let r = 0; r < n; r++) {
    const prev = (s * n + r) * units;
    const next = prev + n * units;
    const out = (r * time + t) * units;
    if (mask !== null && mask[r * time + t] === 0) {
      h.copyWithin(next, prev, prev + units);
      c.copyWithin(next, prev, prev + units);
      hidden.set(h.subarray(prev, prev + units), out);
      continue;
    }
    const ga = (s * n + r) * width;
    const pa = r * width;
    sigmoidInPlace(gates, ga, product, pa, 2 * units);
    tanhInPlace(gates, ga + 2 * units, product, pa + 2 * units, units);
    sigmoidInPlace(gates, ga + 3 * units, product, pa + 3 * units, units);
    for (let j = 0; j < units; j++) c[next + j] = gates[ga + units + j] * c[prev + j] + gates[ga + j] * gates[ga + 2 * units + j];
    tanhInto(tanhC, prev, c, next, units);
    for (let j = 0; j < units; j++) {
      const hNext = gates[ga + 3 * units + j] * tanhC[prev + j];
      h[next + j] = hNext;
      hidden[out + j] = hNext;
    }
  }
}

/**
 * Step s of the VJP: adds the output's gradient at the step to `dh`, writes the step's block of
 * `da` (left zero for masked rows) and turns `dc` into the gradient of c before the step
 * (masked rows pass `dh` and `dc` through unchanged).
 */
function backwardStep(tape: LstmTape, s: number, gHidden: Float32Array | null, dh: Float32Array, dc: Float32Array, da: Float32Array): void {
  const { n, time, units, gates, c, tanhC, mask } = tape;
  const t = tape.reverse ? time - 1 - s : s;
  const width = 4 * units;
  for (let r = 0; r < n; r++) {
    const at = r * units;
    const out = (r * time + t) * units;
    if (gHidden !== null) {
      for (let j = 0; j < units; j++) dh[at + j] += gHidden[out + j];
    }
    if (mask !== null && mask[r * time + t] === 0) continue;
    const prev = (s * n + r) * units;
    const ga = (s * n + r) * width;
    for (let j = 0; j < units; j++) {
      const i = gates[ga + j];
      const f = gates[ga + units + j];
      const g = gates[ga + 2 * units + j];
      const o = gates[ga + 3 * units + j];
      const tc = tanhC[prev + j];
      const dhj = dh[at + j];
      const dcTotal = dc[at + j] + dhj * o * (1 - tc * tc);
      da[ga + j] = dcTotal * g * i * (1 - i);
      da[ga + units + j] = dcTotal * c[prev + j] * f * (1 - f);
      da[ga + 2 * units + j] = dcTotal * i * (1 - g * g);
      da[ga + 3 * units + j] = dhj * tc * o * (1 - o);
      dc[at + j] = dcTotal * f;
    }
  }
}

/** Splits each row of a packed `[N, 2H]` state `[h | c]` into the first `N·H` floats of `h` and `c`. */
function unpackRows(packed: Float32Array, h: Float32Array, c: Float32Array, n: number, units: number): void {
  for (let r = 0; r < n; r++) {
    h.set(packed.subarray(2 * r * units, (2 * r + 1) * units), r * units);
    c.set(packed.subarray((2 * r + 1) * units, (2 * r + 2) * units), r * units);
  }
}

/** The packed `[N, 2H]` state `[h | c]` of the first `N·H` floats of `h` and `c`. */
function packRows(h: Float32Array, c: Float32Array, n: number, units: number): Float32Array {
  const packed = new Float32Array(2 * n * units);
  for (let r = 0; r < n; r++) {
    packed.set(h.subarray(r * units, (r + 1) * units), 2 * r * units);
    packed.set(c.subarray(r * units, (r + 1) * units), (2 * r + 1) * units);
  }
  return packed;
}
