/**
 * Fused recurrent steps: each computes one time step of a cell with one forward and one
 * hand-written VJP (one autograd node per step instead of about twenty), for speed. The
 * composed cells in `cells.ts` are the specification; the tests check that these agree with
 * them in values and gradients, masks included.
 *
 * A step starts from the input projection `xp = x·W_ihᵀ + b_ih`, which a recurrent layer
 * computes for every time step at once with one matrix product, and adds the recurrent part
 * `h·W_hhᵀ + b_hh` itself. A step may be given a mask `[N]`: where it is 0 the row keeps its
 * previous state (`h' = h`, `c' = c`) and its gradient passes straight through to that state.
 */
import { ArgumentError, Tensor, add, matmul, record, transpose } from '../../../ops/index.js';
import { type CellWeights, type LstmState, type RnnActivation, checkCell } from './cells.js';
import {
  backThroughHidden,
  checkStep,
  columns,
  hiddenProduct,
  keepMaskedRows,
  logistic,
  packState,
  passMaskedRows,
  unpackState,
  zeroMaskedRows,
} from './step-helpers.js';

/** The recurrent half of a cell's weights, as a fused step uses them. */
export interface StepWeights {
  /** `W_hh`, `[gates·H, H]`. */
  readonly weightHh: Tensor;
  /** `b_hh`, `[gates·H]`. */
  readonly biasHh: Tensor;
  /** `W_hhᵀ`, `[H, gates·H]`, computed once per sequence by the caller; transposed here when absent. */
  readonly weightHhT?: Tensor;
}

/** Options of a fused step. */
export interface StepOptions {
  /** `[N]`: 1 where the row takes this step, 0 where it keeps its state. @default every row steps */
  readonly mask?: Tensor | null;
}

/**
 * One fused Elman RNN step from the input projection `xp = x·W_ihᵀ + b_ih`:
 * `h' = act(xp + h·W_hhᵀ + b_hh)`. VJP, with `a` the pre-activation and `δ = dh' ⊙ act'(a)`
 * (`1 − h'²` for tanh, `[a > 0]` for relu): `dxp = δ`, `dh = δ·W_hh`, `dW_hh = δᵀ·h`,
 * `db_hh = Σₙ δ`.
 *
 * @param xp - the input projection, `[N, H]`.
 * @param h - the previous hidden state, `[N, H]`.
 * @param activation - `'tanh'` or `'relu'`.
 * @param opts.mask - `[N]`, 0 where a row keeps its state.
 * @returns `h'`, `[N, H]`.
 * @throws ShapeError naming the step and every shape when they do not fit.
 * @example
 * ```ts
 * import { add, matmul, transpose } from 'streamgrad';
 * const h1 = rnnStep(add(matmul(x, transpose(wIh)), bIh), h0, { weightHh, biasHh }, 'tanh');
 * ```
 */
export function rnnStep(xp: Tensor, h: Tensor, weights: StepWeights, activation: RnnActivation, opts: StepOptions = {}): Tensor {
  const { n, units } = checkStep('rnnStep', xp, h, weights, 1, 1, opts.mask);
  const mask = opts.mask?.data ?? null;
  const pre = hiddenProduct(h, weights);
  const out = new Float32Array(n * units);
  for (let i = 0; i < out.length; i++) {
    const a = xp.data[i] + pre[i];
    out[i] = activation === 'tanh' ? Math.tanh(a) : a > 0 ? a : 0;
  }
  keepMaskedRows(out, h.data, mask, units);
  return record('rnnStep', new Tensor(out, [n, units]), [xp, h, weights.weightHh, weights.biasHh], (g) => {
    const delta = new Float32Array(n * units);
    for (let i = 0; i < delta.length; i++) {
      const y = out[i];
      delta[i] = g.data[i] * (activation === 'tanh' ? 1 - y * y : y > 0 ? 1 : 0);
    }
    zeroMaskedRows(delta, mask, units);
    const dh = passMaskedRows(g.data, mask, units);
    return [new Tensor(delta, xp.shape), ...backThroughHidden(delta, h, dh, units, weights)];
  });
}

/**
 * One fused LSTM step from the input projection `xp = x·W_ihᵀ + b_ih` (`[N, 4H]`, gates
 * i, f, g, o) and the packed state `[h | c]` (`[N, 2H]`); returns the packed next state.
 * With `a = xp + h·W_hhᵀ + b_hh`, `i, f, o = σ(aᵢ, a_f, a_o)`, `g = tanh(a_g)`,
 * `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`. VJP, from `dh'` and `dc'`:
 *
 * ```
 * dc̃ = dc' + dh' ⊙ o ⊙ (1 − tanh²c')            dc = dc̃ ⊙ f
 * da_o = dh' ⊙ tanh c' ⊙ o(1 − o)               da_i = dc̃ ⊙ g ⊙ i(1 − i)
 * da_f = dc̃ ⊙ c ⊙ f(1 − f)                      da_g = dc̃ ⊙ i ⊙ (1 − g²)
 * dxp = da,  dh = da·W_hh,  dW_hh = daᵀ·h,  db_hh = Σₙ da
 * ```
 *
 * @param xp - the input projection, `[N, 4H]`.
 * @param state - `[N, 2H]`, h in the first H columns, c in the last H.
 * @param opts.mask - `[N]`, 0 where a row keeps its state.
 * @returns `[h' | c']`, `[N, 2H]`.
 * @throws ShapeError naming the step and every shape when they do not fit.
 * @example
 * ```ts
 * const next = lstmStep(xp, concat([h0, c0], 1), { weightHh, biasHh });
 * ```
 */
export function lstmStep(xp: Tensor, state: Tensor, weights: StepWeights, opts: StepOptions = {}): Tensor {
  const { n, units } = checkStep('lstmStep', xp, state, weights, 4, 2, opts.mask);
  const mask = opts.mask?.data ?? null;
  const h = columns(state, 0, units);
  const pre = hiddenProduct(h, weights);
  const width = 4 * units;
  // Saved for the VJP: i, f, g, o and tanh(c') per row and unit.
  const saved = new Float64Array(n * 5 * units);
  const out = new Float32Array(n * 2 * units);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < units; j++) {
      const at = r * width + j;
      const i = logistic(xp.data[at] + pre[at]);
      const f = logistic(xp.data[at + units] + pre[at + units]);
      const g = Math.tanh(xp.data[at + 2 * units] + pre[at + 2 * units]);
      const o = logistic(xp.data[at + 3 * units] + pre[at + 3 * units]);
      const c = f * state.data[r * 2 * units + units + j] + i * g;
      const tc = Math.tanh(c);
      const s = r * 5 * units + j;
      saved[s] = i;
      saved[s + units] = f;
      saved[s + 2 * units] = g;
      saved[s + 3 * units] = o;
      saved[s + 4 * units] = tc;
      out[r * 2 * units + j] = o * tc;
      out[r * 2 * units + units + j] = c;
    }
  }
  keepMaskedRows(out, state.data, mask, 2 * units);
  return record('lstmStep', new Tensor(out, [n, 2 * units]), [xp, state, weights.weightHh, weights.biasHh], (grad) => {
    const da = new Float32Array(n * width);
    const dState = passMaskedRows(grad.data, mask, 2 * units);
    for (let r = 0; r < n; r++) {
      if (mask !== null && mask[r] === 0) continue;
      for (let j = 0; j < units; j++) {
        const s = r * 5 * units + j;
        const i = saved[s];
        const f = saved[s + units];
        const g = saved[s + 2 * units];
        const o = saved[s + 3 * units];
        const tc = saved[s + 4 * units];
        const dh = grad.data[r * 2 * units + j];
        const dcTotal = grad.data[r * 2 * units + units + j] + dh * o * (1 - tc * tc);
        const at = r * width + j;
        da[at] = dcTotal * g * i * (1 - i);
        da[at + units] = dcTotal * state.data[r * 2 * units + units + j] * f * (1 - f);
        da[at + 2 * units] = dcTotal * i * (1 - g * g);
        da[at + 3 * units] = dh * tc * o * (1 - o);
        dState[r * 2 * units + units + j] = dcTotal * f;
      }
    }
    return [new Tensor(da, xp.shape), ...backThroughHidden(da, h, dState, 2 * units, weights)];
  });
}

/**
 * One fused GRU step from the input projection `xp = x·W_ihᵀ + b_ih` (`[N, 3H]`, gates
 * r, z, n), with `hh = h·W_hhᵀ + b_hh`: `r = σ(xp_r + hh_r)`, `z = σ(xp_z + hh_z)`,
 * `n = tanh(xp_n + r ⊙ hh_n)`, `h' = (1 − z) ⊙ n + z ⊙ h` (PyTorch's reset placement). VJP:
 *
 * ```
 * da_n = dh' ⊙ (1 − z) ⊙ (1 − n²)       da_z = dh' ⊙ (h − n) ⊙ z(1 − z)
 * da_r = da_n ⊙ hh_n ⊙ r(1 − r)
 * dxp = [da_r, da_z, da_n],  dhh = [da_r, da_z, da_n ⊙ r]
 * dh = dh' ⊙ z + dhh·W_hh,  dW_hh = dhhᵀ·h,  db_hh = Σₙ dhh
 * ```
 *
 * @param xp - the input projection, `[N, 3H]`.
 * @param h - the previous hidden state, `[N, H]`.
 * @param opts.mask - `[N]`, 0 where a row keeps its state.
 * @returns `h'`, `[N, H]`.
 * @throws ShapeError naming the step and every shape when they do not fit.
 * @example
 * ```ts
 * const h1 = gruStep(xp, h0, { weightHh, biasHh });
 * ```
 */
export function gruStep(xp: Tensor, h: Tensor, weights: StepWeights, opts: StepOptions = {}): Tensor {
  const { n, units } = checkStep('gruStep', xp, h, weights, 3, 1, opts.mask);
  const mask = opts.mask?.data ?? null;
  const hh = hiddenProduct(h, weights);
  const width = 3 * units;
  // Saved for the VJP: r, z, n and hh_n per row and unit.
  const saved = new Float64Array(n * 4 * units);
  const out = new Float32Array(n * units);
  for (let row = 0; row < n; row++) {
    for (let j = 0; j < units; j++) {
      const at = row * width + j;
      const r = logistic(xp.data[at] + hh[at]);
      const z = logistic(xp.data[at + units] + hh[at + units]);
      const hn = hh[at + 2 * units];
      const cand = Math.tanh(xp.data[at + 2 * units] + r * hn);
      const s = row * 4 * units + j;
      saved[s] = r;
      saved[s + units] = z;
      saved[s + 2 * units] = cand;
      saved[s + 3 * units] = hn;
      out[row * units + j] = (1 - z) * cand + z * h.data[row * units + j];
    }
  }
  keepMaskedRows(out, h.data, mask, units);
  return record('gruStep', new Tensor(out, [n, units]), [xp, h, weights.weightHh, weights.biasHh], (grad) => {
    const dxp = new Float32Array(n * width);
    const dhh = new Float32Array(n * width);
    const dh = passMaskedRows(grad.data, mask, units);
    for (let row = 0; row < n; row++) {
      if (mask !== null && mask[row] === 0) continue;
      for (let j = 0; j < units; j++) {
        const s = row * 4 * units + j;
        const r = saved[s];
        const z = saved[s + units];
        const cand = saved[s + 2 * units];
        const hn = saved[s + 3 * units];
        const g = grad.data[row * units + j];
        const dan = g * (1 - z) * (1 - cand * cand);
        const daz = g * (h.data[row * units + j] - cand) * z * (1 - z);
        const dar = dan * hn * r * (1 - r);
        const at = row * width + j;
        dxp[at] = dar;
        dxp[at + units] = daz;
        dxp[at + 2 * units] = dan;
        dhh[at] = dar;
        dhh[at + units] = daz;
        dhh[at + 2 * units] = dan * r;
        dh[row * units + j] = g * z;
      }
    }
    return [new Tensor(dxp, xp.shape), ...backThroughHidden(dhh, h, dh, units, weights)];
  });
}

/**
 * `rnnCell` computed by the fused step: the same signature and result as the composed cell
 * in `cells.ts`, `h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)`.
 *
 * @example
 * ```ts
 * const h1 = fusedRnnCell(x, h0, { weightIh, weightHh, biasIh, biasHh }); // equals rnnCell(...)
 * ```
 */
export function fusedRnnCell(x: Tensor, h: Tensor, weights: CellWeights, activation: RnnActivation = 'tanh'): Tensor {
  checkCell('fusedRnnCell', x, [h], weights, 1);
  if (activation !== 'tanh' && activation !== 'relu') {
    throw new ArgumentError(`fusedRnnCell: activation must be 'tanh' or 'relu', found ${String(activation)}`);
  }
  return rnnStep(inputProjection(x, weights), h, weights, activation);
}

/**
 * `lstmCell` computed by the fused step: the same signature and result as the composed cell
 * (`c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`). The packed `[h' | c']` is split with two slices.
 *
 * @example
 * ```ts
 * const { h, c } = fusedLstmCell(x, h0, c0, { weightIh, weightHh, biasIh, biasHh }); // equals lstmCell(...)
 * ```
 */
export function fusedLstmCell(x: Tensor, h: Tensor, c: Tensor, weights: CellWeights): LstmState {
  const units = checkCell('fusedLstmCell', x, [h, c], weights, 4);
  const state = packState(h, c);
  const next = lstmStep(inputProjection(x, weights), state, weights);
  return unpackState(next, units);
}

/**
 * `gruCell` computed by the fused step: the same signature and result as the composed cell
 * (`h' = (1 − z) ⊙ n + z ⊙ h`, `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`).
 *
 * @example
 * ```ts
 * const h1 = fusedGruCell(x, h0, { weightIh, weightHh, biasIh, biasHh }); // equals gruCell(...)
 * ```
 */
export function fusedGruCell(x: Tensor, h: Tensor, weights: CellWeights): Tensor {
  checkCell('fusedGruCell', x, [h], weights, 3);
  return gruStep(inputProjection(x, weights), h, weights);
}

/** `x·W_ihᵀ + b_ih`, recorded by the composed ops. */
function inputProjection(x: Tensor, weights: CellWeights): Tensor {
  return add(matmul(x, transpose(weights.weightIh)), weights.biasIh);
}
