/**
 * What the sequence-level recurrent nodes (`lstm-sequence.ts`, `gru-sequence.ts`) share: their options and result,
 * the shape check, the recording of a node with two outputs (the hidden sequence and the final
 * state), the reordering of a sequence into the order its steps are taken, and the input
 * projection with its backward. Internal to the recurrent layers.
 * @internal
 * @packageDocumentation
 */
import { ArgumentError, ShapeError, Tensor, record } from '../../../ops/index.js';
import type { Kernels } from '../../../ops/kernels/backend.js';
import type { CellWeights } from './cells.js';
import { fmt } from './step-helpers.js';

/** Options of a sequence node. @internal */
export interface SequenceOptions {
  /** `[N, T]` of 0/1: where 0 the row keeps its state at that step. @default every step real */
  readonly mask?: Tensor | null;
  /** Run the steps T−1 … 0 (the backward direction of a bidirectional layer). @default false */
  readonly reverse?: boolean;
}

/** What a sequence node returns. @internal */
export interface SequenceResult {
  /** The hidden state after each step, `[N, T, H]`, batch first (at a masked step, the state carried over). */
  readonly hidden: Tensor;
  /** The carried state after the last step taken (step 0 when reversed), `[N, stateParts·H]`. */
  readonly final: Tensor;
}

/** The backward of a sequence node, given the gradients of its two outputs (`null` when none reached it). @internal */
export type SequenceVjp = (gHidden: Float32Array | null, gFinal: Float32Array) => ReadonlyArray<Tensor | null>;

/**
 * Checks the shapes of a sequence node's operands and returns N, T, F and H, naming the node
 * and every shape on failure. @internal
 */
export function checkSequence(
  op: string,
  x: Tensor,
  state: Tensor,
  weights: CellWeights,
  gates: number,
  stateParts: number,
  mask: Tensor | null,
): { n: number; time: number; features: number; units: number } {
  const { weightIh, weightHh, biasIh, biasHh } = weights ?? ({} as CellWeights);
  const named = [['x', x], ['state', state], ['weightIh', weightIh], ['weightHh', weightHh], ['biasIh', biasIh], ['biasHh', biasHh]] as const;
  for (const [name, value] of named) {
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${op}: ${name} must be a Tensor, found ${value === null ? 'null' : typeof value}`);
    }
  }
  const units = weightHh.rank === 2 ? weightHh.shape[1] : -1;
  const [n, time, features] = x.rank === 3 ? x.shape : [-1, -1, -1];
  const rows = gates * units;
  const ok =
    units >= 1 &&
    time >= 1 &&
    weightHh.shape[0] === rows &&
    weightIh.rank === 2 &&
    weightIh.shape[0] === rows &&
    weightIh.shape[1] === features &&
    biasIh.rank === 1 &&
    biasIh.shape[0] === rows &&
    biasHh.rank === 1 &&
    biasHh.shape[0] === rows &&
    state.rank === 2 &&
    state.shape[0] === n &&
    state.shape[1] === stateParts * units;
  if (!ok) {
    const g = `${gates}H`;
    throw new ShapeError(
      `${op}: expected x [N,T,F] (T >= 1), state [N,${stateParts === 1 ? '' : stateParts}H], weightIh [${g},F], weightHh [${g},H], ` +
        `biasIh and biasHh [${g}]; found x ${fmt(x.shape)}, state ${fmt(state.shape)}, weightIh ${fmt(weightIh.shape)}, ` +
        `weightHh ${fmt(weightHh.shape)}, biasIh ${fmt(biasIh.shape)}, biasHh ${fmt(biasHh.shape)}`,
    );
  }
  if (mask !== null && (!(mask instanceof Tensor) || mask.rank !== 2 || mask.shape[0] !== n || mask.shape[1] !== time)) {
    const found = mask instanceof Tensor ? fmt(mask.shape) : typeof mask;
    throw new ShapeError(`${op}: expected mask [N,T] = [${n},${time}], found ${found}`);
  }
  return { n, time, features, units };
}

/**
 * Records a node with two outputs: `final` is the node itself (its VJP is `vjp`), and `hidden`
 * a second tensor recorded from `final` whose VJP only keeps its gradient for `vjp` and passes
 * zeros on. Autograd runs the VJP of `hidden` before that of `final` (reverse topological
 * order), so `vjp` sees both gradients, and only `final`'s when `hidden` is not used:
 *
 * ```
 * x, state, weights ──> final [N, S] ──> hidden [N, T, H]
 * ```
 * @internal
 */
export function recordSequence(
  op: string,
  hidden: Tensor,
  final: Tensor,
  inputs: readonly Tensor[],
  vjp: SequenceVjp,
): SequenceResult {
  let pending: Float32Array | null = null;
  const finalNode = record(op, final, inputs, (g) => {
    const gHidden = pending;
    pending = null;
    return vjp(gHidden, g.data);
  });
  const hiddenNode = record(`${op}.hidden`, hidden, [finalNode], (g) => {
    pending = g.data;
    return [new Tensor(new Float32Array(final.size), final.shape)];
  });
  return { hidden: hiddenNode, final: finalNode };
}

/**
 * The rows of a batch-first `[N, T, F]` in the order the steps are taken: `[T·N, F]` with row
 * `s·N + r` holding `x[r, t]`, `t = s` (or `T − 1 − s` when `reverse`). @internal
 */
export function toSteps(x: Float32Array, n: number, time: number, width: number, reverse: boolean): Float32Array {
  const out = new Float32Array(x.length);
  for (let s = 0; s < time; s++) {
    const t = reverse ? time - 1 - s : s;
    for (let r = 0; r < n; r++) out.set(x.subarray((r * time + t) * width, (r * time + t + 1) * width), (s * n + r) * width);
  }
  return out;
}

/** The inverse of `toSteps`: `[T·N, F]` in step order back to batch-first `[N, T, F]`. @internal */
export function fromSteps(steps: Float32Array, n: number, time: number, width: number, reverse: boolean): Float32Array {
  const out = new Float32Array(steps.length);
  for (let s = 0; s < time; s++) {
    const t = reverse ? time - 1 - s : s;
    for (let r = 0; r < n; r++) out.set(steps.subarray((s * n + r) * width, (s * n + r + 1) * width), (r * time + t) * width);
  }
  return out;
}

/**
 * `xs·W_ihᵀ + b_ih`, `[rows, gates·H]`, plus `b_hh` in the first `hiddenBias` columns (the gates
 * whose recurrent part is simply added: all of an LSTM's, a GRU's r and z): every step's input part
 * of the pre-activations. @internal
 */
export function projectSteps(gemm: Kernels['gemm'], xs: Float32Array, rows: number, weights: CellWeights, hiddenBias: number): Float32Array {
  const [width, features] = weights.weightIh.shape;
  const out = new Float32Array(rows * width);
  gemm(xs, 0, weights.weightIh.data, 0, out, 0, rows, features, width, false, true);
  const bias = new Float32Array(width);
  for (let j = 0; j < width; j++) bias[j] = weights.biasIh.data[j] + (j < hiddenBias ? weights.biasHh.data[j] : 0);
  for (let at = 0; at < out.length; at += width) {
    for (let j = 0; j < width; j++) out[at + j] += bias[j];
  }
  return out;
}

/**
 * The gradients of a sequence node's input and weights from the gradients of the input part
 * `dxp` and of the recurrent part `dhh` of the pre-activations (`[T·N, gates·H]` in step order,
 * zero at masked steps; the same array when they are equal, as in an LSTM), `xs` the input in step
 * order and `hPrev` the hidden state each step started from (same rows): `dx = dxp·W_ih` (back
 * to `[N, T, F]`), `dW_ih = dxpᵀ·xs`, `dW_hh = dhhᵀ·hPrev`, `db_ih = Σ dxp`, `db_hh = Σ dhh`.
 * Returns `[dx, dW_ih, dW_hh, db_ih, db_hh]`, `null` where the operand needs none. @internal
 */
export function weightGradients(
  gemm: Kernels['gemm'],
  dxp: Float32Array,
  dhh: Float32Array,
  xs: Float32Array,
  hPrev: Float32Array,
  x: Tensor,
  weights: CellWeights,
  reverse: boolean,
): Array<Tensor | null> {
  const { weightIh, weightHh, biasIh, biasHh } = weights;
  const [n, time] = x.shape;
  const rows = n * time;
  const [width, features] = weightIh.shape;
  const units = weightHh.shape[1];
  let dx: Tensor | null = null;
  if (x.requiresGrad) {
    const dxs = new Float32Array(x.size);
    gemm(dxp, 0, weightIh.data, 0, dxs, 0, rows, width, features, false, false);
    dx = new Tensor(fromSteps(dxs, n, time, features, reverse), x.shape);
  }
  let dWih: Tensor | null = null;
  if (weightIh.requiresGrad) {
    dWih = new Tensor(new Float32Array(weightIh.size), weightIh.shape);
    gemm(dxp, 0, xs, 0, dWih.data, 0, width, rows, features, true, false);
  }
  let dWhh: Tensor | null = null;
  if (weightHh.requiresGrad) {
    dWhh = new Tensor(new Float32Array(weightHh.size), weightHh.shape);
    gemm(dhh, 0, hPrev, 0, dWhh.data, 0, width, rows, units, true, false);
  }
  const dbIh = biasIh.requiresGrad ? new Tensor(columnSums(dxp, rows, width), biasIh.shape) : null;
  let dbHh: Tensor | null = null;
  if (biasHh.requiresGrad) dbHh = new Tensor(dbIh !== null && dhh === dxp ? dbIh.data.slice() : columnSums(dhh, rows, width), biasHh.shape);
  return [dx, dWih, dWhh, dbIh, dbHh];
}

/** `Σ_rows values[row, j]` of a `[rows, width]` array, summed in float64. */
function columnSums(values: Float32Array, rows: number, width: number): Float32Array {
  const sums = new Float64Array(width);
  for (let at = 0; at < rows * width; at += width) {
    for (let j = 0; j < width; j++) sums[j] += values[at + j];
  }
  return Float32Array.from(sums);
}
