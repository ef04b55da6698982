import { ArgumentError } from '../../ops/index.js';

/**
 * How an n-gram model spreads probability to what it has not seen.
 *
 * - `addK` (Lidstone; Laplace for k = 1): `P(w | h) = (c(h w) + k) / (c(h) + k·V)`.
 * - `interpolation` (Jelinek–Mercer with fixed weights): `P(w | h) = Σ_{m=0}^{n} λ_m p̃_m(w | h)`
 *   with `weights = [λ_0, λ_1, …, λ_n]` (λ_0 for the uniform distribution, λ_m for the m-gram
 *   estimate), `λ_m ≥ 0`, `λ_0 > 0`, `Σ λ_m = 1`; `p̃_0 = 1/V` and
 *   `p̃_m(w | h) = c(h_{m−1} w) / c(h_{m−1})` when the context `h_{m−1}` (the last m − 1
 *   tokens) was seen, else `p̃_{m−1}(w | h)` (an unseen context defers to the order below).
 */
export type NgramSmoothing =
  | { readonly kind: 'addK'; readonly k: number }
  | { readonly kind: 'interpolation'; readonly weights: readonly number[] };

/** Options of `ngram`. */
export interface NgramOptions {
  /** n: the model conditions on the previous n − 1 tokens; 1 to 5. */
  readonly order: number;
  /** V: tokens are integers in [0, V). */
  readonly vocabularySize: number;
  /** @default { kind: 'addK', k: 1 } (Laplace) */
  readonly smoothing?: NgramSmoothing;
}

/** Held-out scores from `NgramModel.evaluate`. */
export interface NgramEvaluation {
  /** Tokens scored. */
  readonly tokens: number;
  /** `−Σ log₂ P(w_i | h_i)`. */
  readonly totalBits: number;
  /** Cross-entropy `totalBits / tokens`; bits per character for a character model. */
  readonly bitsPerToken: number;
  /** `2^bitsPerToken`. */
  readonly perplexity: number;
  /** `totalBits / characters`, when `characters` was given (for word models). */
  readonly bitsPerCharacter?: number;
}

/** Options of `evaluate` and `fitInterpolationWeights`. */
export interface NgramEvaluateOptions {
  /** Tokens just before the scored ones (the end of the training text), used as context only. @default [] */
  readonly context?: ArrayLike<number>;
  /** Characters the scored tokens spell, for `bitsPerCharacter`. */
  readonly characters?: number;
}

type Key = number | string;

/**
 * A count-based n-gram language model over token indices, the baseline a neural language
 * model must beat. Counts every m-gram for m = 1 … n; probabilities come from the counts
 * and the `smoothing` at query time, so one counted model can be scored under several
 * smoothings. Near the start of a text, where fewer than n − 1 tokens precede, the
 * available context is used (the model is then an m-gram model with m − 1 = that length).
 *
 * Worked example, tokens `a b a b a a` (a = 0, b = 1, V = 3, n = 2): c(ab) = 2, c(ba) = 2,
 * c(aa) = 1, so c(a ·) = 3, c(b ·) = 2. With add-1: P(b | a) = (2 + 1)/(3 + 3) = 1/2,
 * P(a | b) = (2 + 1)/(2 + 3) = 3/5, P(c | a) = 1/6. With weights [0.1, 0.3, 0.6]:
 * P(b | a) = 0.1/3 + 0.3·2/6 + 0.6·2/3 = 0.5333….
 *
 * @example
 * ```ts
 * import { ngram } from 'streamgrad/models';
 * const lm = ngram({ order: 3, vocabularySize: vocab.size }).update(vocab.encode(train));
 * lm.smoothing = { kind: 'interpolation', weights: lm.fitInterpolationWeights(vocab.encode(dev)) };
 * lm.evaluate(vocab.encode(test)).bitsPerToken; // bits per character
 * ```
 */
export class NgramModel {
  readonly order: number;
  readonly vocabularySize: number;
  private currentSmoothing: NgramSmoothing;
  /** grams[m]: counts of m-grams (m = 1 … n). */
  private readonly grams: Map<Key, number>[];
  /** contexts[j]: Σ_w c(h w) for contexts h of j tokens (j = 1 … n − 1). */
  private readonly contexts: Map<Key, number>[];
  /** Tokens counted: Σ_w c(w). */
  private total = 0;
  /** The last n − 1 tokens of the sequence being counted. */
  private tail: number[] = [];
  private readonly numericKeys: boolean;

  constructor(opts: NgramOptions) {
    if (opts === null || typeof opts !== 'object') throw new ArgumentError('ngram: expected an options object { order, vocabularySize, smoothing }');
    const { order, vocabularySize } = opts;
    if (!Number.isInteger(order) || order < 1 || order > 5) throw new ArgumentError(`ngram: order must be an integer from 1 to 5, found ${String(order)}`);
    if (!Number.isInteger(vocabularySize) || vocabularySize < 1) {
      throw new ArgumentError(`ngram: vocabularySize must be an integer >= 1, found ${String(vocabularySize)}`);
    }
    this.order = order;
    this.vocabularySize = vocabularySize;
    this.currentSmoothing = checkSmoothing(opts.smoothing ?? { kind: 'addK', k: 1 }, order);
    this.grams = Array.from({ length: order + 1 }, () => new Map<Key, number>());
    this.contexts = Array.from({ length: order }, () => new Map<Key, number>());
    this.numericKeys = vocabularySize ** order <= Number.MAX_SAFE_INTEGER;
  }

  /** The smoothing used by `probability`, `distribution` and `evaluate`; settable, checked. */
  get smoothing(): NgramSmoothing {
    return this.currentSmoothing;
  }

  set smoothing(value: NgramSmoothing) {
    this.currentSmoothing = checkSmoothing(value, this.order);
  }

  /** Tokens counted so far. */
  get tokens(): number {
    return this.total;
  }

  /**
   * Counts the n-grams of `tokens`. Successive calls continue one sequence (an n-gram may
   * span two calls), so a token stream can be counted chunk by chunk; `endSequence()`
   * separates independent texts.
   */
  update(tokens: ArrayLike<number>): this {
    this.checkTokens('update', tokens);
    const n = this.order;
    const buffer = [...this.tail, ...Array.from(tokens)];
    for (let i = this.tail.length; i < buffer.length; i++) {
      this.total++;
      increment(this.grams[1], buffer[i]);
      for (let m = 2; m <= n && i - m + 1 >= 0; m++) {
        const start = i - m + 1;
        increment(this.grams[m], this.keyOf(buffer, start, m));
        increment(this.contexts[m - 1], this.keyOf(buffer, start, m - 1));
      }
    }
    this.tail = n === 1 ? [] : buffer.slice(-(n - 1));
    return this;
  }

  /** Ends the current sequence: the next `update` starts a new one (no n-gram spans the two). */
  endSequence(): this {
    this.tail = [];
    return this;
  }

  /** c(w_1 … w_m): times the m-gram was counted (m = 1 … n; the empty gram counts every token). */
  count(ngram: ArrayLike<number>): number {
    this.checkTokens('count', ngram);
    if (ngram.length > this.order) throw new ArgumentError(`ngram: count takes at most ${this.order} tokens, found ${ngram.length}`);
    if (ngram.length === 0) return this.total;
    return this.grams[ngram.length].get(this.keyOf(ngram, 0, ngram.length)) ?? 0;
  }

  /** c(h ·) = Σ_w c(h w): how often the context h was followed by a token (h of 0 … n − 1 tokens). */
  contextCount(context: ArrayLike<number>): number {
    this.checkTokens('contextCount', context);
    if (context.length >= this.order) throw new ArgumentError(`ngram: contextCount takes at most ${this.order - 1} tokens, found ${context.length}`);
    if (context.length === 0) return this.total;
    return this.contexts[context.length].get(this.keyOf(context, 0, context.length)) ?? 0;
  }

  /** P(token | context) under the current smoothing; only the last n − 1 tokens of `context` matter. */
  probability(token: number, context: ArrayLike<number> = []): number {
    this.checkTokens('probability', [token]);
    this.checkTokens('probability', context);
    const sequence = [...Array.from(context).slice(Math.max(0, context.length - (this.order - 1))), token];
    return this.probabilityAt(sequence, sequence.length - 1);
  }

  /** P(· | context) over the whole vocabulary: V probabilities that sum to 1. */
  distribution(context: ArrayLike<number> = []): Float64Array {
    this.checkTokens('distribution', context);
    const sequence = [...Array.from(context).slice(Math.max(0, context.length - (this.order - 1))), 0];
    const out = new Float64Array(this.vocabularySize);
    for (let w = 0; w < this.vocabularySize; w++) {
      sequence[sequence.length - 1] = w;
      out[w] = this.probabilityAt(sequence, sequence.length - 1);
    }
    return out;
  }

  /**
   * Scores held-out tokens: `totalBits = −Σ log₂ P(w_i | w_{i−n+1} … w_{i−1})`, cross-entropy
   * in bits per token, and perplexity `2^(bits per token)`. The first tokens take their
   * context from `opts.context` (the text before them) when given.
   */
  evaluate(tokens: ArrayLike<number>, opts: NgramEvaluateOptions = {}): NgramEvaluation {
    const { sequence, offset } = this.scoredSequence('evaluate', tokens, opts.context);
    let totalBits = 0;
    for (let i = offset; i < sequence.length; i++) totalBits -= Math.log2(this.probabilityAt(sequence, i));
    const count = sequence.length - offset;
    const bitsPerToken = count === 0 ? Number.NaN : totalBits / count;
    const result: NgramEvaluation = { tokens: count, totalBits, bitsPerToken, perplexity: 2 ** bitsPerToken };
    if (opts.characters === undefined) return result;
    if (!Number.isInteger(opts.characters) || opts.characters < 1) {
      throw new ArgumentError(`ngram: evaluate's characters must be an integer >= 1, found ${String(opts.characters)}`);
    }
    return { ...result, bitsPerCharacter: totalBits / opts.characters };
  }

  /**
   * Interpolation weights `[λ_0 … λ_n]` that maximize the likelihood of held-out `tokens`
   * (not the training text), by expectation–maximization (Jelinek & Mercer 1980):
   * `λ_m ← (1/N) Σ_i λ_m p̃_m(w_i) / Σ_j λ_j p̃_j(w_i)`, from equal weights, until no weight
   * moves by more than `tolerance`. Returns the weights; set them with
   * `model.smoothing = { kind: 'interpolation', weights }`.
   */
  fitInterpolationWeights(tokens: ArrayLike<number>, opts: NgramEvaluateOptions & { iterations?: number; tolerance?: number } = {}): number[] {
    const iterations = opts.iterations ?? 100;
    const tolerance = opts.tolerance ?? 1e-6;
    if (!Number.isInteger(iterations) || iterations < 1) throw new ArgumentError(`ngram: iterations must be an integer >= 1, found ${String(iterations)}`);
    if (!(tolerance >= 0)) throw new ArgumentError(`ngram: tolerance must be a number >= 0, found ${String(tolerance)}`);
    const { sequence, offset } = this.scoredSequence('fitInterpolationWeights', tokens, opts.context);
    const n = this.order;
    const count = sequence.length - offset;
    if (count === 0) throw new ArgumentError('ngram: fitInterpolationWeights needs at least one held-out token');
    const components = new Float64Array(count * (n + 1));
    for (let i = 0; i < count; i++) this.components(sequence, offset + i, components.subarray(i * (n + 1), (i + 1) * (n + 1)));
    let weights = new Array<number>(n + 1).fill(1 / (n + 1));
    for (let iteration = 0; iteration < iterations; iteration++) {
      const next = new Array<number>(n + 1).fill(0);
      for (let i = 0; i < count; i++) {
        const p = components.subarray(i * (n + 1), (i + 1) * (n + 1));
        let mixture = 0;
        for (let m = 0; m <= n; m++) mixture += weights[m] * p[m];
        for (let m = 0; m <= n; m++) next[m] += (weights[m] * p[m]) / mixture / count;
      }
      const moved = Math.max(...next.map((w, m) => Math.abs(w - weights[m])));
      weights = next;
      if (moved <= tolerance) break;
    }
    const sum = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / sum);
  }

  /** P(sequence[i] | the up to n − 1 tokens before it in `sequence`). */
  private probabilityAt(sequence: ArrayLike<number>, i: number): number {
    const smoothing = this.currentSmoothing;
    const contextLength = Math.min(this.order - 1, i);
    if (smoothing.kind === 'addK') {
      const start = i - contextLength;
      const joint = contextLength === 0 ? (this.grams[1].get(sequence[i]) ?? 0) : (this.grams[contextLength + 1].get(this.keyOf(sequence, start, contextLength + 1)) ?? 0);
      const context = contextLength === 0 ? this.total : (this.contexts[contextLength].get(this.keyOf(sequence, start, contextLength)) ?? 0);
      return (joint + smoothing.k) / (context + smoothing.k * this.vocabularySize);
    }
    const p = new Float64Array(this.order + 1);
    this.components(sequence, i, p);
    let total = 0;
    for (let m = 0; m <= this.order; m++) total += smoothing.weights[m] * p[m];
    return total;
  }

  /** p̃_0 … p̃_n for sequence[i] (see `NgramSmoothing`), into `out`. */
  private components(sequence: ArrayLike<number>, i: number, out: Float64Array): void {
    out[0] = 1 / this.vocabularySize;
    for (let m = 1; m <= this.order; m++) {
      const contextLength = m - 1;
      if (contextLength > i) {
        out[m] = out[m - 1];
        continue;
      }
      const start = i - contextLength;
      const context = contextLength === 0 ? this.total : (this.contexts[contextLength].get(this.keyOf(sequence, start, contextLength)) ?? 0);
      if (context === 0) {
        out[m] = out[m - 1];
        continue;
      }
      const joint = m === 1 ? (this.grams[1].get(sequence[i]) ?? 0) : (this.grams[m].get(this.keyOf(sequence, start, m)) ?? 0);
      out[m] = joint / context;
    }
  }

  private scoredSequence(where: string, tokens: ArrayLike<number>, context: ArrayLike<number> = []): { sequence: number[]; offset: number } {
    this.checkTokens(where, tokens);
    this.checkTokens(where, context);
    const before = Array.from(context).slice(Math.max(0, context.length - (this.order - 1)));
    return { sequence: [...before, ...Array.from(tokens)], offset: before.length };
  }

  /** The map key of `sequence[start … start + length − 1]`: a base-V number when it fits in 2⁵³, else a string. */
  private keyOf(sequence: ArrayLike<number>, start: number, length: number): Key {
    if (this.numericKeys) {
      let key = 0;
      for (let j = start; j < start + length; j++) key = key * this.vocabularySize + sequence[j];
      return key;
    }
    return Array.prototype.slice.call(sequence, start, start + length).join(',');
  }

  private checkTokens(where: string, tokens: ArrayLike<number>): void {
    if (tokens === null || typeof tokens !== 'object' || typeof tokens.length !== 'number') {
      throw new ArgumentError(`ngram: ${where} expects an array of token indices, found ${String(tokens)}`);
    }
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= this.vocabularySize) {
        throw new ArgumentError(`ngram: ${where}: token ${i} is ${String(t)}, expected an integer in [0, ${this.vocabularySize})`);
      }
    }
  }
}

/**
 * A count-based n-gram language model (n = 1 … 5) with add-k or interpolated smoothing;
 * count with `update(tokens)`, score with `evaluate(heldOut)`. See `NgramModel`.
 *
 * @example
 * ```ts
 * import { ngram } from 'streamgrad/models';
 * const lm = ngram({ order: 2, vocabularySize: 3, smoothing: { kind: 'addK', k: 1 } }).update([0, 1, 0, 1, 0, 0]);
 * lm.probability(1, [0]);   // (2 + 1) / (3 + 3) = 0.5
 * lm.evaluate([0, 1]);      // { tokens: 2, totalBits: 1.848, bitsPerToken: 0.924, perplexity: 1.897 }
 * ```
 */
export function ngram(opts: NgramOptions): NgramModel {
  return new NgramModel(opts);
}

function increment(map: Map<Key, number>, key: Key): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function checkSmoothing(value: NgramSmoothing, order: number): NgramSmoothing {
  const given = value as { kind?: unknown; k?: unknown; weights?: unknown } | null;
  if (given === null || typeof given !== 'object') throw new ArgumentError(`ngram: smoothing must be { kind: 'addK', k } or { kind: 'interpolation', weights }, found ${String(value)}`);
  if (given.kind === 'addK') {
    if (typeof given.k !== 'number' || !Number.isFinite(given.k) || given.k <= 0) {
      throw new ArgumentError(`ngram: addK smoothing needs k > 0 (finite), found ${String(given.k)}`);
    }
    return { kind: 'addK', k: given.k };
  }
  if (given.kind === 'interpolation') {
    const weights = given.weights;
    if (!Array.isArray(weights) || weights.length !== order + 1) {
      throw new ArgumentError(`ngram: interpolation needs ${order + 1} weights [λ_0 (uniform), λ_1 … λ_${order}], found ${JSON.stringify(weights)}`);
    }
    if (!weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
      throw new ArgumentError(`ngram: interpolation weights must be finite numbers >= 0, found ${JSON.stringify(weights)}`);
    }
    if (!(weights[0] > 0)) throw new ArgumentError('ngram: interpolation weight λ_0 (uniform) must be > 0, so that no token has probability 0');
    const sum = weights.reduce((a: number, b: number) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-9) throw new ArgumentError(`ngram: interpolation weights must sum to 1, found a sum of ${sum}`);
    return { kind: 'interpolation', weights: [...weights] };
  }
  throw new ArgumentError(`ngram: smoothing kind must be 'addK' or 'interpolation', found ${JSON.stringify(given.kind)}`);
}
