import { ArgumentError, Rng, ShapeError, Tensor, noGrad } from '../../ops/index.js';
import type { RecurrentState, StatefulModel } from './tbptt-types.js';
import { Vocabulary } from './tokenize.js';

/** Options of `generate`. */
export interface GenerateOptions {
  /** Text the model reads first (at least one token); the sample continues it. */
  readonly prime: string;
  /** Tokens to sample. */
  readonly length: number;
  /**
   * Softmax temperature τ: logits are divided by τ before sampling, so τ < 1 sharpens and
   * τ > 1 flattens the distribution; τ = 0 takes the most likely token (greedy). @default 1
   */
  readonly temperature?: number;
  /** Seed of the sampling generator: the same seed gives the same text. @default 0 */
  readonly seed?: number;
  /** Encodes the prime and decodes the sample; its size must be the model's output width V. */
  readonly vocabulary: Vocabulary;
  /**
   * The model's input for a list of token indices: `[1, T]` float32 indices by default (for
   * a model that starts with an embedding); pass e.g. a one-hot encoder for `[1, T, V]`.
   */
  readonly encodeInput?: (ids: readonly number[]) => Tensor;
}

/**
 * Samples text from a character (or word) language model, Karpathy's char-rnn `sample`: the
 * model reads the prime with its initial state, then, for each new token, draws
 *
 *     token ~ softmax(logits_T / τ)
 *
 * from the logits of the last step (`output [1, T, V]`), feeds it back as a one-step window
 * with the carried state, and repeats. Runs in evaluation mode without recording gradients
 * (the model's mode is restored after), draws from `Rng(seed)`, and returns the sampled
 * continuation decoded with the vocabulary (without the prime).
 *
 * @example
 * ```ts
 * import { generate } from 'streamgrad/streams';
 * const text = generate(model, { prime: 'Call me ', length: 200, temperature: 0.8, seed: 1, vocabulary: vocab });
 * console.log('Call me ' + text);
 * ```
 * @throws ArgumentError for bad options or a prime with no token; ShapeError when the
 *   model's logits are not `[1, T, V]` with V = `vocabulary.size`.
 */
export function generate(model: StatefulModel, opts: GenerateOptions): string {
  if (typeof model?.forwardWithState !== 'function') throw new ArgumentError('generate: model must have forwardWithState(x, state) (a StatefulModel)');
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('generate: expected an options object { prime, length, vocabulary }');
  const { prime, length, vocabulary } = opts;
  const temperature = opts.temperature ?? 1;
  const seed = opts.seed ?? 0;
  if (!(vocabulary instanceof Vocabulary)) throw new ArgumentError('generate: vocabulary must be a Vocabulary');
  if (typeof prime !== 'string') throw new ArgumentError(`generate: prime must be a string, found ${typeof prime}`);
  if (!Number.isInteger(length) || length < 0) throw new ArgumentError(`generate: length must be an integer >= 0, found ${String(length)}`);
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new ArgumentError(`generate: temperature must be a finite number >= 0, found ${String(temperature)}`);
  }
  if (!Number.isFinite(seed)) throw new ArgumentError(`generate: seed must be a finite number, found ${String(seed)}`);
  const encodeInput = opts.encodeInput ?? ((ids: readonly number[]) => new Tensor(Float32Array.from(ids), [1, ids.length]));
  if (typeof encodeInput !== 'function') throw new ArgumentError('generate: encodeInput must be a function (ids) => Tensor');
  const primeIds = vocabulary.encode(prime);
  if (primeIds.length === 0) throw new ArgumentError('generate: prime must contain at least one token, found an empty prime');

  const rng = new Rng(seed);
  const wasTraining = model.training;
  model.eval?.();
  try {
    return noGrad(() => {
      let { output, state } = model.forwardWithState(encodeInput(primeIds), null);
      const sampled: number[] = [];
      for (let i = 0; i < length; i++) {
        const token = pick(lastLogits(output, vocabulary.size), temperature, rng);
        sampled.push(token);
        if (i + 1 === length) break;
        ({ output, state } = model.forwardWithState(encodeInput([token]), state as RecurrentState));
      }
      return vocabulary.decode(sampled);
    });
  } finally {
    if (wasTraining === true) model.train();
  }
}

/** The logits of the last time step of `[1, T, V]`. */
function lastLogits(output: Tensor, size: number): Float32Array {
  if (!(output instanceof Tensor) || output.rank !== 3 || output.shape[0] !== 1 || output.shape[2] !== size) {
    const found = output instanceof Tensor ? `[${output.shape.join(',')}]` : typeof output;
    throw new ShapeError(`generate: the model must return logits [1, T, ${size}] (vocabulary size ${size}), found ${found}`);
  }
  const steps = output.shape[1];
  return output.data.subarray((steps - 1) * size, steps * size);
}

/** Draws an index from softmax(logits / τ), in float64 after subtracting the maximum; argmax when τ = 0. */
function pick(logits: Float32Array, temperature: number, rng: Rng): number {
  let best = 0;
  for (let j = 0; j < logits.length; j++) {
    if (!Number.isFinite(logits[j])) throw new ArgumentError(`generate: the model returned a non-finite logit ${logits[j]} for token ${j}`);
    if (logits[j] > logits[best]) best = j;
  }
  if (temperature === 0) return best;
  const weights = new Float64Array(logits.length);
  let total = 0;
  for (let j = 0; j < logits.length; j++) {
    weights[j] = Math.exp((logits[j] - logits[best]) / temperature);
    total += weights[j];
  }
  let u = rng.uniform() * total;
  let last = best;
  for (let j = 0; j < weights.length; j++) {
    if (weights[j] === 0) continue;
    last = j;
    u -= weights[j];
    if (u < 0) return j;
  }
  return last; // u ran past the end by rounding: the last token with weight
}
