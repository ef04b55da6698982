/**
 * The three recurrent cells, composed from primitive ops (`matmul`, `slice`, `sigmoid`, `tanh`,
 * `mul`, `add`): one time step each, as pure functions of the input `x_t`, the state and the
 * weights, so autograd differentiates them without a backward of their own. They are the
 * readable specification; `fused-cells.ts` computes the same with one hand-written VJP per
 * step, and its tests compare the two.
 *
 * Layouts are PyTorch's (`torch.nn.RNNCell`, `LSTMCell`, `GRUCell`): `weightIh` is
 * `[gates·H, I]`, `weightHh` `[gates·H, H]`, `biasIh` and `biasHh` `[gates·H]`, the gates
 * stacked in PyTorch's order (LSTM: i, f, g, o; GRU: r, z, n).
 */
import { ArgumentError, ShapeError, Tensor, add, matmul, mul, relu, sigmoid, slice, sub, tanh, transpose } from '../../../ops/index.js';

/** The weights of one cell (one layer and direction of a recurrent layer), PyTorch's layout. */
export interface CellWeights {
  /** `W_ih`, `[gates·H, I]`. */
  readonly weightIh: Tensor;
  /** `W_hh`, `[gates·H, H]`. */
  readonly weightHh: Tensor;
  /** `b_ih`, `[gates·H]`. */
  readonly biasIh: Tensor;
  /** `b_hh`, `[gates·H]`. */
  readonly biasHh: Tensor;
}

/** The nonlinearity of a plain RNN (PyTorch's `nonlinearity`). */
export type RnnActivation = 'tanh' | 'relu';

/** The state an LSTM carries: hidden `h` and cell `c`, both `[N, H]`. */
export interface LstmState {
  readonly h: Tensor;
  readonly c: Tensor;
}

/**
 * One step of an Elman RNN (`torch.nn.RNNCell`):
 *
 * ```
 * h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)        act = tanh or relu
 * ```
 *
 * @param x - the input at this step, `[N, I]`.
 * @param h - the previous hidden state, `[N, H]`.
 * @param weights - `weightIh [H, I]`, `weightHh [H, H]`, `biasIh [H]`, `biasHh [H]`.
 * @param activation - @default 'tanh'
 * @returns the next hidden state, `[N, H]`.
 * @throws ShapeError naming the cell and every shape when they do not fit.
 * @example
 * ```ts
 * import { Rng, randn, zeros } from 'streamgrad';
 * import { rnnCell } from 'streamgrad/models';
 * const rng = new Rng(0);
 * const w = { weightIh: randn([4, 3], rng), weightHh: randn([4, 4], rng), biasIh: zeros([4]), biasHh: zeros([4]) };
 * const h1 = rnnCell(randn([2, 3], rng), zeros([2, 4]), w); // [2, 4]
 * ```
 */
export function rnnCell(x: Tensor, h: Tensor, weights: CellWeights, activation: RnnActivation = 'tanh'): Tensor {
  checkCell('rnnCell', x, [h], weights, 1);
  if (activation !== 'tanh' && activation !== 'relu') {
    throw new ArgumentError(`rnnCell: activation must be 'tanh' or 'relu', found ${String(activation)}`);
  }
  const pre = add(linear(x, weights.weightIh, weights.biasIh), linear(h, weights.weightHh, weights.biasHh));
  return activation === 'tanh' ? tanh(pre) : relu(pre);
}

/**
 * One step of an LSTM (Hochreiter & Schmidhuber, 1997, with the forget gate of Gers et al.,
 * 2000), as documented for `torch.nn.LSTMCell`, gates stacked i, f, g, o:
 *
 * ```
 * i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
 * c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
 * ```
 *
 * @param x - the input at this step, `[N, I]`.
 * @param h - the previous hidden state, `[N, H]`.
 * @param c - the previous cell state, `[N, H]`.
 * @param weights - `weightIh [4H, I]`, `weightHh [4H, H]`, `biasIh [4H]`, `biasHh [4H]`.
 * @returns `{ h: h', c: c' }`, each `[N, H]`.
 * @throws ShapeError naming the cell and every shape when they do not fit.
 * @example
 * ```ts
 * import { lstmCell } from 'streamgrad/models';
 * const { h, c } = lstmCell(x, h0, c0, { weightIh, weightHh, biasIh, biasHh }); // x [N, I], h0 and c0 [N, H]
 * ```
 */
export function lstmCell(x: Tensor, h: Tensor, c: Tensor, weights: CellWeights): LstmState {
  const units = checkCell('lstmCell', x, [h, c], weights, 4);
  const gates = add(linear(x, weights.weightIh, weights.biasIh), linear(h, weights.weightHh, weights.biasHh));
  const i = sigmoid(gate(gates, 0, units));
  const f = sigmoid(gate(gates, 1, units));
  const g = tanh(gate(gates, 2, units));
  const o = sigmoid(gate(gates, 3, units));
  const cNext = add(mul(f, c), mul(i, g));
  return { h: mul(o, tanh(cNext)), c: cNext };
}

/**
 * One step of a GRU (Cho et al., 2014) as documented for `torch.nn.GRUCell`, gates stacked
 * r, z, n, with PyTorch's placement of the reset gate (applied after the recurrent product,
 * inside the candidate):
 *
 * ```
 * r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 * h' = (1 − z) ⊙ n + z ⊙ h
 * ```
 *
 * @param x - the input at this step, `[N, I]`.
 * @param h - the previous hidden state, `[N, H]`.
 * @param weights - `weightIh [3H, I]`, `weightHh [3H, H]`, `biasIh [3H]`, `biasHh [3H]`.
 * @returns the next hidden state, `[N, H]`.
 * @throws ShapeError naming the cell and every shape when they do not fit.
 * @example
 * ```ts
 * import { gruCell } from 'streamgrad/models';
 * const h1 = gruCell(x, h0, { weightIh, weightHh, biasIh, biasHh }); // x [N, I], h0 [N, H]
 * ```
 */
export function gruCell(x: Tensor, h: Tensor, weights: CellWeights): Tensor {
  const units = checkCell('gruCell', x, [h], weights, 3);
  const fromInput = linear(x, weights.weightIh, weights.biasIh);
  const fromState = linear(h, weights.weightHh, weights.biasHh);
  const r = sigmoid(add(gate(fromInput, 0, units), gate(fromState, 0, units)));
  const z = sigmoid(add(gate(fromInput, 1, units), gate(fromState, 1, units)));
  const n = tanh(add(gate(fromInput, 2, units), mul(r, gate(fromState, 2, units))));
  return add(mul(sub(1, z), n), mul(z, h));
}

/** `x·Wᵀ + b`, the affine map of `torch.nn.Linear`. */
function linear(x: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return add(matmul(x, transpose(weight)), bias);
}

/** Columns `[k·H, (k + 1)·H)` of `[N, gates·H]`: gate `k`. */
function gate(t: Tensor, k: number, units: number): Tensor {
  return slice(t, [0, k * units], [t.shape[0], (k + 1) * units]);
}

/**
 * Checks the shapes of one cell call and returns H: `x [N, I]`, each state `[N, H]`,
 * `weightIh [gates·H, I]`, `weightHh [gates·H, H]`, biases `[gates·H]`. @internal
 */
export function checkCell(cell: string, x: Tensor, states: readonly Tensor[], weights: CellWeights, gates: number): number {
  const { weightIh, weightHh, biasIh, biasHh } = weights ?? ({} as CellWeights);
  const named: [string, unknown][] = [['x', x], ...states.map((s, i): [string, unknown] => [stateName(states, i), s]),
    ['weightIh', weightIh], ['weightHh', weightHh], ['biasIh', biasIh], ['biasHh', biasHh]];
  for (const [name, value] of named) {
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${cell}: ${name} must be a Tensor, found ${value === null ? 'null' : typeof value}`);
    }
  }
  const units = weightHh.rank === 2 ? weightHh.shape[1] : -1;
  const batch = x.rank === 2 ? x.shape[0] : -1;
  const ok =
    x.rank === 2 &&
    units >= 1 &&
    states.every((s) => s.rank === 2 && s.shape[0] === batch && s.shape[1] === units) &&
    weightHh.shape[0] === gates * units &&
    weightIh.rank === 2 &&
    weightIh.shape[0] === gates * units &&
    weightIh.shape[1] === x.shape[1] &&
    biasIh.rank === 1 &&
    biasIh.shape[0] === gates * units &&
    biasHh.rank === 1 &&
    biasHh.shape[0] === gates * units;
  if (!ok) {
    const found = named.map(([name, t]) => `${name} ${fmt((t as Tensor).shape)}`).join(', ');
    const stateShapes = states.map((_, i) => `${stateName(states, i)} [N,H]`).join(', ');
    throw new ShapeError(
      `${cell}: expected x [N,I], ${stateShapes}, weightIh [${gates}H,I], weightHh [${gates}H,H], ` +
        `biasIh [${gates}H], biasHh [${gates}H]; found ${found}`,
    );
  }
  return units;
}

function stateName(states: readonly Tensor[], i: number): string {
  return states.length === 1 ? 'h' : ['h', 'c'][i];
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
