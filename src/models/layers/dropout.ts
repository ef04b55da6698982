import { ArgumentError, Rng, type RngState, Tensor, mul } from '../../ops/index.js';
import { type BuildContext, ElementwiseLayer } from '../layer.js';

/**
 * Inverted dropout (Srivastava et al., 2014; `torch.nn.Dropout`): in training each element is
 * zeroed with probability `p` and the kept ones are scaled by `1/(1 − p)`, so
 * `E[dropout(x)] = x` and evaluation is the identity, `y = x`.
 *
 * `y = x ⊙ m / (1 − p)` with `mᵢ ~ Bernoulli(1 − p)`; composed from `mul`, so the gradient
 * is `m / (1 − p)`. Element `i` is kept when `uᵢ ≥ p`, with `uᵢ = nextUint32() / 2³²` drawn
 * in row-major order from the layer's own RNG.
 *
 * Randomness is explicit: `build` creates the layer's `Rng` seeded with one
 * `context.rng.nextUint32()` draw (so the model seed fixes the masks; note that this draw
 * also shifts the initial weights of the layers built after it). Save it with `rngState()`
 * and restore it with `setRngState(state)` to replay the same masks after resuming.
 */
export class Dropout extends ElementwiseLayer {
  readonly kind = 'dropout';
  private rng: Rng | null = null;

  constructor(readonly p: number = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      throw new ArgumentError(`dropout: p must be a number in [0, 1), found ${String(p)}`);
    }
  }

  protected override setup(inputShape: number[], { rng }: BuildContext): number[] {
    this.rng = new Rng(rng.nextUint32());
    return inputShape;
  }

  protected call(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return mul(x, dropoutMask(this.rng!, this.p, x.shape));
  }

  /** The state of the layer's mask RNG, a plain JSON-able object for checkpoints. */
  rngState(): RngState {
    return this.builtRng('rngState').state();
  }

  /** Restores a state from `rngState()`: the following masks repeat those drawn after it was saved. */
  setRngState(state: RngState): void {
    this.builtRng('setRngState').setState(state);
  }

  private builtRng(method: string): Rng {
    if (this.rng === null) {
      throw new ArgumentError(`${this.label}: ${method} needs a built layer (its RNG is created when it is built)`);
    }
    return this.rng;
  }

  override config(): Record<string, unknown> {
    return { p: this.p };
  }
}

/**
 * A dropout layer (`torch.nn.Dropout(p)`): zeroes each element with probability `p` in
 * training and scales the rest by `1/(1 − p)`; the identity after `model.eval()`.
 *
 * @param p - probability of zeroing an element, in [0, 1). @default 0.5
 * @example
 * ```ts
 * import { sequential, dense, relu, dropout, type Dropout } from 'streamgrad/models';
 * const net = sequential([dense(128), relu(), dropout(0.5), dense(10)], { inputShape: [784], seed: 1 });
 * const saved = (net.layers[2] as Dropout).rngState(); // store with the checkpoint
 * net.eval(); // dropout is now the identity
 * ```
 */
export function dropout(p = 0.5): Dropout {
  return new Dropout(p);
}

/**
 * An inverted-dropout mask `m / (1 − p)` with `m ~ Bernoulli(1 − p)` per element, drawn in
 * row-major order: element i is kept when `rng.nextUint32() / 2³² ≥ p`. Shared by the
 * `dropout` layer and the dropout between recurrent layers, so both replay the same way.
 */
export function dropoutMask(rng: Rng, p: number, shape: readonly number[]): Tensor {
  const scale = 1 / (1 - p);
  const threshold = p * 2 ** 32;
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.nextUint32() >= threshold ? scale : 0;
  return new Tensor(values, shape);
}
