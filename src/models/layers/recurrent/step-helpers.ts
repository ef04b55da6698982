/**
 * The pieces the fused recurrent steps share (`fused-cells.ts`): the recurrent product
 * `h·W_hhᵀ + b_hh` and its backward, the row masks, column copies of packed states, and the
 * shape check. Internal to the recurrent layers.
 * @internal
 * @packageDocumentation
 */
import { ArgumentError, ShapeError, Tensor, matmul, noGrad, record, transpose } from '../../../ops/index.js';
import type { LstmState } from './cells.js';
import type { StepWeights } from './fused-cells.js';

/** `[h | c]`, `[N, 2H]`: the packed LSTM state a fused step carries. Differentiable. @internal */
export function packState(h: Tensor, c: Tensor): Tensor {
  const [n, units] = h.shape;
  const out = new Float32Array(n * 2 * units);
  for (let r = 0; r < n; r++) {
    out.set(h.data.subarray(r * units, (r + 1) * units), r * 2 * units);
    out.set(c.data.subarray(r * units, (r + 1) * units), r * 2 * units + units);
  }
  return record('packState', new Tensor(out, [n, 2 * units]), [h, c], (g) => [
    columns(g, 0, units),
    columns(g, units, units),
  ]);
}

/** `{ h, c }` out of the packed `[h | c]`. Differentiable (two column copies). @internal */
export function unpackState(state: Tensor, units: number): LstmState {
  return { h: columnsOf(state, 0, units), c: columnsOf(state, units, units) };
}

/** Columns `[from, from + count)` of a `[N, W]` tensor, differentiable. @internal */
export function columnsOf(t: Tensor, from: number, count: number): Tensor {
  const [n, width] = t.shape;
  return record('columns', columns(t, from, count), [t], (g) => {
    const out = new Float32Array(n * width);
    for (let r = 0; r < n; r++) out.set(g.data.subarray(r * count, (r + 1) * count), r * width + from);
    return [new Tensor(out, t.shape)];
  });
}

/** Columns `[from, from + count)` of a `[N, W]` tensor, as a plain copy (not recorded). @internal */
export function columns(t: Tensor, from: number, count: number): Tensor {
  const [n, width] = t.shape;
  const out = new Float32Array(n * count);
  for (let r = 0; r < n; r++) out.set(t.data.subarray(r * width + from, r * width + from + count), r * count);
  return new Tensor(out, [n, count]);
}

/** `h·W_hhᵀ + b_hh`, `[N, gates·H]`, as a fresh array (not recorded). @internal */
export function hiddenProduct(h: Tensor, weights: StepWeights): Float32Array {
  const product = noGrad(() => matmul(h, weights.weightHhT ?? transpose(weights.weightHh))).data;
  const width = weights.biasHh.size;
  const bias = weights.biasHh.data;
  for (let i = 0; i < product.length; i++) product[i] += bias[i % width];
  return product;
}

/**
 * The gradients through `h·W_hhᵀ + b_hh` given `dhh` (`[N, gates·H]`): returns `[dState, dW_hh, db_hh]`,
 * where `dState` (`[N, stateWidth]`, already holding the other paths; h is its first H columns)
 * gets `dhh·W_hh` added to h's columns. A gradient its parameter does not need is `null`. @internal
 */
export function backThroughHidden(
  dhh: Float32Array,
  h: Tensor,
  dState: Float32Array,
  stateWidth: number,
  weights: StepWeights,
): [Tensor, Tensor | null, Tensor | null] {
  const { weightHh, biasHh } = weights;
  const [n, units] = h.shape;
  const width = biasHh.size;
  const dhhT = new Tensor(dhh, [n, width]);
  const fromHidden = matmul(dhhT, weightHh).data;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < units; j++) dState[r * stateWidth + j] += fromHidden[r * units + j];
  }
  const dW = weightHh.requiresGrad ? matmul(transpose(dhhT), h) : null;
  let db: Tensor | null = null;
  if (biasHh.requiresGrad) {
    const sums = new Float64Array(width);
    for (let i = 0; i < dhh.length; i++) sums[i % width] += dhh[i];
    db = new Tensor(Float32Array.from(sums), biasHh.shape);
  }
  return [new Tensor(dState, [n, stateWidth]), dW, db];
}

/** Rows whose mask is 0 keep the previous state: `out[r] = previous[r]`. @internal */
export function keepMaskedRows(out: Float32Array, previous: Float32Array, mask: Float32Array | null, width: number): void {
  if (mask === null) return;
  for (let r = 0; r < mask.length; r++) {
    if (mask[r] === 0) out.set(previous.subarray(r * width, (r + 1) * width), r * width);
  }
}

/** Rows whose mask is 0 contribute no gradient to the step's gates. @internal */
export function zeroMaskedRows(values: Float32Array, mask: Float32Array | null, width: number): void {
  if (mask === null) return;
  for (let r = 0; r < mask.length; r++) if (mask[r] === 0) values.fill(0, r * width, (r + 1) * width);
}

/**
 * A fresh state gradient (`[N, width]`, as `g`) holding the output gradient `g` on the rows whose
 * mask is 0 (there the state passed through unchanged) and zeros on the others. @internal
 */
export function passMaskedRows(g: Float32Array, mask: Float32Array | null, width: number): Float32Array {
  const out = new Float32Array(g.length);
  if (mask === null) return out;
  for (let r = 0; r < mask.length; r++) {
    if (mask[r] === 0) out.set(g.subarray(r * width, (r + 1) * width), r * width);
  }
  return out;
}

/** `σ(v) = 1 / (1 + e^(−v))` without overflow (as the `sigmoid` op computes it). @internal */
export function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Checks a step's shapes and returns N and H, naming the step and every shape on failure. @internal */
export function checkStep(
  step: string,
  xp: Tensor,
  state: Tensor,
  weights: StepWeights,
  gates: number,
  stateParts: number,
  mask: Tensor | null | undefined,
): { n: number; units: number } {
  const { weightHh, biasHh } = weights ?? ({} as StepWeights);
  for (const [name, value] of [['xp', xp], ['state', state], ['weightHh', weightHh], ['biasHh', biasHh]] as const) {
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${step}: ${name} must be a Tensor, found ${value === null ? 'null' : typeof value}`);
    }
  }
  const units = weightHh.rank === 2 ? weightHh.shape[1] : -1;
  const n = xp.rank === 2 ? xp.shape[0] : -1;
  const ok =
    units >= 1 &&
    weightHh.shape[0] === gates * units &&
    xp.rank === 2 &&
    xp.shape[1] === gates * units &&
    state.rank === 2 &&
    state.shape[0] === n &&
    state.shape[1] === stateParts * units &&
    biasHh.rank === 1 &&
    biasHh.shape[0] === gates * units;
  const stateShape = stateParts === 1 ? '[N,H]' : `[N,${stateParts}H]`;
  if (!ok) {
    throw new ShapeError(
      `${step}: expected xp [N,${gates}H], state ${stateShape}, weightHh [${gates}H,H], biasHh [${gates}H]; found ` +
        `xp ${fmt(xp.shape)}, state ${fmt(state.shape)}, weightHh ${fmt(weightHh.shape)}, biasHh ${fmt(biasHh.shape)}`,
    );
  }
  if (mask !== null && mask !== undefined && (!(mask instanceof Tensor) || mask.rank !== 1 || mask.shape[0] !== n)) {
    const found = mask instanceof Tensor ? fmt(mask.shape) : typeof mask;
    throw new ShapeError(`${step}: expected mask [N] = [${n}], found ${found}`);
  }
  return { n, units };
}

/** `[2,3]`. @internal */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
