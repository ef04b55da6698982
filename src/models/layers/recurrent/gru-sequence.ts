/**
 * A whole GRU sequence (one layer, one direction) as one autograd node, laid out as the LSTM's
 * (`lstm-sequence.ts`): everything in step order, time-major, one GEMM per step each way and one
 * GEMM per weight gradient over all steps. `gruCell` (`cells.ts`) is the specification; the tests
 * check this node against it.
 */
import { Tensor } from '../../../ops/index.js';
import { kernels } from '../../../ops/kernels/backend.js';
import type { CellWeights } from './cells.js';
import { sigmoidInPlace, tanhInto } from './fast-math.js';
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
interface GruTape {
  readonly n: number;
  readonly time: number;
  readonly units: number;
  readonly reverse: boolean;
  /** `[N, T]` of 0/1, batch first, or `null`. */
  readonly mask: Float32Array | null;
  /** `[T·N, 3H]`: the input part of the pre-activations (b_hh in r and z), then r, z, n. */
  readonly gates: Float32Array;
  /** `[T·N, H]`: `hh_n = h·W_hnᵀ + b_hn` at each step. */
  readonly hiddenN: Float32Array;
  /** `[(T+1)·N, H]`: block s holds h before step s, block T the final h. */
  readonly h: Float32Array;
}

/**
 * Runs a GRU over a batch-first sequence from the initial `h`, gates r, z, n as in `gruCell`
 * (PyTorch's reset placement): with `hh = h·W_hhᵀ + b_hh`, `r = σ(xp_r + hh_r)`,
 * `z = σ(xp_z + hh_z)`, `n = tanh(xp_n + r ⊙ hh_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`. A row whose
 * mask is 0 at a step keeps its state there. VJP per step, from `dh'`:
 *
 * ```
 * da_n = dh' ⊙ (1 − z) ⊙ (1 − n²)       da_z = dh' ⊙ (h − n) ⊙ z(1 − z)
 * da_r = da_n ⊙ hh_n ⊙ r(1 − r)
 * dxp = [da_r, da_z, da_n],  dhh = [da_r, da_z, da_n ⊙ r],  dh = dh' ⊙ z + dhh·W_hh
 * ```
 *
 * then over all steps at once `dx = dxp·W_ih`, `dW_ih = dxpᵀ·x`, `dW_hh = dhhᵀ·h_prev`,
 * `db_ih = Σ dxp`, `db_hh = Σ dhh`.
 *
 * @param x - the input, `[N, T, F]`, batch first.
 * @param state - the initial h, `[N, H]`.
 * @param weights - `weightIh [3H, F]`, `weightHh [3H, H]`, `biasIh`, `biasHh` `[3H]`.
 * @param opts.mask - `[N, T]` of 0/1; padded steps keep the state.
 * @param opts.reverse - run the steps T−1 … 0.
 * @returns `hidden` `[N, T, H]` and the final h `[N, H]`.
 * @throws ShapeError naming the node and every shape when they do not fit.
 * @example
 * ```ts
 * const { hidden, final } = gruSequence(x, zeros([n, h]), { weightIh, weightHh, biasIh, biasHh });
 * ```
 */
export function gruSequence(x: Tensor, state: Tensor, weights: CellWeights, opts: SequenceOptions = {}): SequenceResult {
  const mask = opts.mask ?? null;
  const { n, time, features, units } = checkSequence('gruSequence', x, state, weights, 3, 1, mask);
  const reverse = opts.reverse ?? false;
  const gemm = kernels().gemm;
  const width = 3 * units;
  const block = n * units;
  const xs = toSteps(x.data, n, time, features, reverse);
  const tape: GruTape = {
    n,
    time,
    units,
    reverse,
    mask: mask?.data ?? null,
    gates: projectSteps(gemm, xs, n * time, weights, 2 * units),
    hiddenN: new Float32Array(time * block),
    h: new Float32Array((time + 1) * block),
  };
  tape.h.set(state.data);
  const hidden = new Float32Array(n * time * units);
  const product = new Float32Array(n * width);
  for (let s = 0; s < time; s++) {
    gemm(tape.h, s * block, weights.weightHh.data, 0, product, 0, n, units, width, false, true);
    forwardStep(tape, s, product, weights.biasHh.data, hidden);
  }
  const final = tape.h.slice(time * block);
  const inputs = [x, state, weights.weightIh, weights.weightHh, weights.biasIh, weights.biasHh];
  return recordSequence('gruSequence', new Tensor(hidden, [n, time, units]), new Tensor(final, [n, units]), inputs, (gHidden, gFinal) => {
    const dh = gFinal.slice();
    const dxp = new Float32Array(time * n * width);
    const dhh = new Float32Array(time * n * width);
    const fromHidden = new Float32Array(block);
    for (let s = time - 1; s >= 0; s--) {
      backwardStep(tape, s, gHidden, dh, dxp, dhh);
      // Masked rows have dhh = 0 there, so adding to every row leaves their pass-through intact.
      gemm(dhh, s * n * width, weights.weightHh.data, 0, fromHidden, 0, n, width, units, false, false);
      for (let k = 0; k < block; k++) dh[k] += fromHidden[k];
    }
    const dState = state.requiresGrad ? new Tensor(dh, state.shape) : null;
    const [dx, dWih, dWhh, dbIh, dbHh] = weightGradients(gemm, dxp, dhh, xs, tape.h, x, weights, reverse);
    return [dx, dState, dWih, dWhh, dbIh, dbHh];
  });
}

/**
 * Step s of the forward, given `h·W_hhᵀ` (`[N, 3H]`): turns the step's block of `gates` into
 * r, z, n, keeps `hh_n`, writes h after the step into block s + 1 and into `hidden`
 * (`[N, T, H]`). Masked rows carry h over.
 */
function forwardStep(tape: GruTape, s: number, product: Float32Array, biasHh: Float32Array, hidden: Float32Array): void {
  const { n, time, units, gates, hiddenN, h, mask } = tape;
  const t = tape.reverse ? time - 1 - s : s;
  const width = 3 * units;
  for (let r = 0; r < n; r++) {
    const prev = (s * n + r) * units;
    const next = prev + n * units;
    const out = (r * time + t) * units;
    if (mask !== null && mask[r * time + t] === 0) {
      h.copyWithin(next, prev, prev + units);
      hidden.set(h.subarray(prev, prev + units), out);
      continue;
    }
    const ga = (s * n + r) * width;
    const pa = r * width;
    sigmoidInPlace(gates, ga, product, pa, 2 * units);
    for (let j = 0; j < units; j++) {
      const hn = product[pa + 2 * units + j] + biasHh[2 * units + j];
      hiddenN[prev + j] = hn;
      gates[ga + 2 * units + j] += gates[ga + j] * hn;
    }
    tanhInto(gates, ga + 2 * units, gates, ga + 2 * units, units);
    for (let j = 0; j < units; j++) {
      const z = gates[ga + units + j];
      const hNext = (1 - z) * gates[ga + 2 * units + j] + z * h[prev + j];
      h[next + j] = hNext;
      hidden[out + j] = hNext;
    }
  }
}

/**
 * Step s of the VJP: adds the output's gradient at the step to `dh`, writes the step's blocks of
 * `dxp` and `dhh` (left zero for masked rows) and turns `dh` into its direct part `dh' ⊙ z`
 * (masked rows pass `dh` through unchanged).
 */
function backwardStep(tape: GruTape, s: number, gHidden: Float32Array | null, dh: Float32Array, dxp: Float32Array, dhh: Float32Array): void {
  const { n, time, units, gates, hiddenN, h, mask } = tape;
  const t = tape.reverse ? time - 1 - s : s;
  const width = 3 * units;
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
      const rj = gates[ga + j];
      const z = gates[ga + units + j];
      const nj = gates[ga + 2 * units + j];
      const g = dh[at + j];
      const dan = g * (1 - z) * (1 - nj * nj);
      const daz = g * (h[prev + j] - nj) * z * (1 - z);
      const dar = dan * hiddenN[prev + j] * rj * (1 - rj);
      dxp[ga + j] = dar;
      dxp[ga + units + j] = daz;
      dxp[ga + 2 * units + j] = dan;
      dhh[ga + j] = dar;
      dhh[ga + units + j] = daz;
      dhh[ga + 2 * units + j] = dan * rj;
      dh[at + j] = g * z;
    }
  }
}
