import { ArgumentError, Rng } from '../../ops/index.js';

/** Options of `markovChain`. */
export interface MarkovChainOptions {
  /** S: states are integers in [0, S). */
  readonly states: number;
}

/** Options of `MarkovChain.transitionMatrix`. */
export interface TransitionMatrixOptions {
  /** Pseudo-count added to every transition (add-k): `P_ij = (c_ij + k) / (c_i· + k·S)`. @default 0 */
  readonly smoothing?: number;
}

/** Options of `MarkovChain.sample`. */
export interface MarkovSampleOptions extends TransitionMatrixOptions {
  /** The first state; by default drawn from the states' frequencies in the counted sequences. */
  readonly start?: number;
  /** Seed of the sampling generator. @default 0 */
  readonly seed?: number;
}

/**
 * A first-order Markov chain over states 0 … S − 1, estimated by counting transitions:
 * `c_ij` = times state j followed state i, and the maximum-likelihood transition matrix
 * `P_ij = c_ij / Σ_j c_ij` (row-stochastic). A state never left (a row of zero counts) gets a
 * uniform row, so every row sums to 1. Its stationary distribution π solves `πP = π`,
 * `Σ π_i = 1`.
 *
 * Worked example, states `0 0 1 0 1 1`: c_00 = 1, c_01 = 2, c_10 = 1, c_11 = 1, so
 * P = [[1/3, 2/3], [1/2, 1/2]] and π = [3/7, 4/7] (π_0·2/3 = π_1·1/2).
 *
 * @example
 * ```ts
 * import { markovChain } from 'streamgrad/models';
 * const chain = markovChain({ states: 2 }).update([0, 0, 1, 0, 1, 1]);
 * chain.transitionMatrix();        // [[0.333, 0.667], [0.5, 0.5]]
 * chain.stationaryDistribution();  // [0.4286, 0.5714]
 * chain.sample(10, { seed: 1 });   // 10 states drawn from the chain
 * ```
 */
export class MarkovChain {
  readonly states: number;
  private readonly transitions: Float64Array;
  private readonly visits: Float64Array;
  private last: number | null = null;

  constructor(opts: MarkovChainOptions) {
    if (opts === null || typeof opts !== 'object') throw new ArgumentError('markovChain: expected an options object { states }');
    if (!Number.isInteger(opts.states) || opts.states < 1) throw new ArgumentError(`markovChain: states must be an integer >= 1, found ${String(opts.states)}`);
    this.states = opts.states;
    this.transitions = new Float64Array(opts.states * opts.states);
    this.visits = new Float64Array(opts.states);
  }

  /**
   * Counts the transitions of a state sequence. Successive calls continue one sequence (the
   * last state of one call precedes the first of the next); `endSequence()` separates them.
   */
  update(sequence: ArrayLike<number>): this {
    this.checkStates('update', sequence);
    for (let i = 0; i < sequence.length; i++) {
      const state = sequence[i];
      this.visits[state]++;
      if (this.last !== null) this.transitions[this.last * this.states + state]++;
      this.last = state;
    }
    return this;
  }

  /** Ends the current sequence: no transition is counted into the next `update`'s first state. */
  endSequence(): this {
    this.last = null;
    return this;
  }

  /** c_ij: transitions counted from state i to state j, as S rows of S numbers. */
  counts(): number[][] {
    return Array.from({ length: this.states }, (_, i) => Array.from(this.transitions.subarray(i * this.states, (i + 1) * this.states)));
  }

  /** The row-stochastic transition matrix P (rows sum to 1); see the class description. */
  transitionMatrix(opts: TransitionMatrixOptions = {}): number[][] {
    const k = opts.smoothing ?? 0;
    if (typeof k !== 'number' || !Number.isFinite(k) || k < 0) throw new ArgumentError(`markovChain: smoothing must be a finite number >= 0, found ${String(k)}`);
    const S = this.states;
    return this.counts().map((row) => {
      const total = row.reduce((a, b) => a + b, 0) + k * S;
      return total === 0 ? row.map(() => 1 / S) : row.map((c) => (c + k) / total);
    });
  }

  /**
   * The stationary distribution π (`πP = π`, `Σ π_i = 1`), solved directly: the linear system
   * `(Pᵀ − I)π = 0` with one equation replaced by `Σ π_i = 1`, by Gaussian elimination with
   * partial pivoting in float64. It is unique when the chain has a single closed class of
   * states (transient states get 0).
   * @throws ArgumentError when the chain has several closed classes (π is not unique).
   */
  stationaryDistribution(opts: TransitionMatrixOptions = {}): number[] {
    const P = this.transitionMatrix(opts);
    const S = this.states;
    // Row i of A is equation i: Σ_j (P_ji − δ_ij) π_j = 0; the last equation is Σ_j π_j = 1.
    const A = Array.from({ length: S }, (_, i) => Array.from({ length: S + 1 }, (_, j) => (j === S ? 0 : P[j][i] - (i === j ? 1 : 0))));
    A[S - 1] = new Array<number>(S + 1).fill(1);
    for (let col = 0; col < S; col++) {
      let pivot = col;
      for (let r = col + 1; r < S; r++) if (Math.abs(A[r][col]) > Math.abs(A[pivot][col])) pivot = r;
      if (Math.abs(A[pivot][col]) < 1e-12) {
        throw new ArgumentError('markovChain: the stationary distribution is not unique (the chain has more than one closed class of states)');
      }
      [A[col], A[pivot]] = [A[pivot], A[col]];
      for (let r = 0; r < S; r++) {
        if (r === col) continue;
        const factor = A[r][col] / A[col][col];
        if (factor === 0) continue;
        for (let c = col; c <= S; c++) A[r][c] -= factor * A[col][c];
      }
    }
    return A.map((row, i) => Math.max(0, row[S] / row[i]));
  }

  /** Draws a path of `length` states: the start, then each next state from the row of the current one. */
  sample(length: number, opts: MarkovSampleOptions = {}): number[] {
    if (!Number.isInteger(length) || length < 0) throw new ArgumentError(`markovChain: sample length must be an integer >= 0, found ${String(length)}`);
    const seed = opts.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new ArgumentError(`markovChain: seed must be a finite number, found ${String(seed)}`);
    if (opts.start !== undefined) this.checkStates('sample', [opts.start]);
    const P = this.transitionMatrix(opts);
    const rng = new Rng(seed);
    const path: number[] = [];
    if (length === 0) return path;
    const visited = this.visits.reduce((a, b) => a + b, 0);
    let state = opts.start ?? draw(visited === 0 ? P.map(() => 1 / this.states) : Array.from(this.visits, (v) => v / visited), rng);
    path.push(state);
    while (path.length < length) {
      state = draw(P[state], rng);
      path.push(state);
    }
    return path;
  }

  /** `Σ log P(s_{t} | s_{t−1})` of a path, in nats (the first state is given). */
  logLikelihood(sequence: ArrayLike<number>, opts: TransitionMatrixOptions = {}): number {
    this.checkStates('logLikelihood', sequence);
    const P = this.transitionMatrix(opts);
    let total = 0;
    for (let i = 1; i < sequence.length; i++) total += Math.log(P[sequence[i - 1]][sequence[i]]);
    return total;
  }

  private checkStates(where: string, sequence: ArrayLike<number>): void {
    if (sequence === null || typeof sequence !== 'object' || typeof sequence.length !== 'number') {
      throw new ArgumentError(`markovChain: ${where} expects an array of states, found ${String(sequence)}`);
    }
    for (let i = 0; i < sequence.length; i++) {
      const s = sequence[i];
      if (!Number.isInteger(s) || s < 0 || s >= this.states) {
        throw new ArgumentError(`markovChain: ${where}: state ${i} is ${String(s)}, expected an integer in [0, ${this.states})`);
      }
    }
  }
}

/**
 * A first-order Markov chain over `states` integer states, estimated by counting. See `MarkovChain`.
 *
 * @example
 * ```ts
 * import { markovChain } from 'streamgrad/models';
 * const chain = markovChain({ states: 3 }).update([0, 1, 2, 0, 1, 2, 0]);
 * chain.stationaryDistribution(); // [1/3, 1/3, 1/3]
 * ```
 */
export function markovChain(opts: MarkovChainOptions): MarkovChain {
  return new MarkovChain(opts);
}

function draw(probabilities: readonly number[], rng: Rng): number {
  let u = rng.uniform();
  let last = 0;
  for (let j = 0; j < probabilities.length; j++) {
    if (probabilities[j] === 0) continue;
    last = j;
    u -= probabilities[j];
    if (u < 0) return j;
  }
  return last;
}
