/**
 * Weight penalties added to a loss: L1 (`λ·Σ|w|`), L2 (`λ·Σw²`) and elastic net (both).
 * By default they apply to weights only (parameters of rank ≥ 2: dense, conv and embedding
 * weights), not to biases or normalization scales, which are usually left unregularized.
 */
import { ArgumentError, Tensor, abs, add, mul, sum, zeros } from '../ops/index.js';
import { Module } from './module.js';

/** Chooses which named parameters a regularizer counts. */
export type ParameterFilter = (name: string, tensor: Tensor) => boolean;

/** Options of `l1`, `l2` and `elasticNet`. */
export interface RegularizerOptions {
  /**
   * Which parameters to penalize. @default `(name, t) => t.rank >= 2`: weights, not biases
   * or norm scales
   */
  include?: ParameterFilter;
}

/** Options of `elasticNet`: both coefficients, finite and ≥ 0. */
export interface ElasticNetOptions extends RegularizerOptions {
  /** Coefficient of `Σ|w|`. @default 0 */
  l1?: number;
  /** Coefficient of `Σw²`. @default 0 */
  l2?: number;
}

/** What `penalty` accepts: a model, named parameters, or one tensor penalized as it is. */
export type PenaltyTarget = Module | Iterable<readonly [string, Tensor]> | Tensor;

/** The default filter: weights (rank ≥ 2), not biases or per-channel scales. */
export const weightsOnly: ParameterFilter = (_name, tensor) => tensor.rank >= 2;

/**
 * A weight penalty `λ₁·Σ|w| + λ₂·Σw²` over the selected parameters; `l1`, `l2` and
 * `elasticNet` create one. Add `penalty(model)` to the data loss before `backward`.
 */
export class Regularizer {
  readonly include: ParameterFilter;

  constructor(
    /** `'l1'`, `'l2'` or `'elasticNet'`, for messages and configs. */
    readonly kind: 'l1' | 'l2' | 'elasticNet',
    /** Coefficient of `Σ|w|`. */
    readonly l1: number,
    /** Coefficient of `Σw²`. */
    readonly l2: number,
    options: RegularizerOptions = {},
  ) {
    checkOptionNames(kind, options, ['include']);
    checkCoefficient(kind, 'l1', l1);
    checkCoefficient(kind, 'l2', l2);
    if (options.include !== undefined && typeof options.include !== 'function') {
      throw new ArgumentError(
        `${kind}: include must be a function (name, tensor) => boolean, found ${typeof options.include}`,
      );
    }
    this.include = options.include ?? weightsOnly;
  }

  /**
   * The penalty as a differentiable scalar tensor: its gradient is `λ₁·sign(w) + 2λ₂·w` for
   * each selected `w`. A model or an iterable of `[name, tensor]` pairs (e.g.
   * `model.namedParameters()`) goes through `include`; a lone tensor is penalized whatever
   * its rank. With nothing selected the penalty is 0.
   */
  penalty(params: PenaltyTarget): Tensor {
    let total: Tensor = zeros([]);
    for (const w of this.select(params)) total = add(total, this.of(w));
    return total;
  }

  /** `{ kind, l1, l2 }` (the `include` filter, a function, is not part of it). */
  config(): { kind: string; l1: number; l2: number } {
    return { kind: this.kind, l1: this.l1, l2: this.l2 };
  }

  private of(w: Tensor): Tensor {
    let out: Tensor = zeros([]);
    if (this.l1 !== 0) out = add(out, mul(sum(abs(w)), this.l1));
    if (this.l2 !== 0) out = add(out, mul(sum(mul(w, w)), this.l2));
    return out;
  }

  private select(params: PenaltyTarget): Tensor[] {
    if (params instanceof Tensor) return [params];
    const named = params instanceof Module ? params.namedParameters() : params;
    if (named === null || typeof named !== 'object' || !(Symbol.iterator in named)) {
      throw new ArgumentError(
        `${this.kind}.penalty: expected a model, [name, tensor] pairs or a Tensor, found ${describe(params)}`,
      );
    }
    const chosen: Tensor[] = [];
    for (const entry of named) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !(entry[1] instanceof Tensor)) {
        throw new ArgumentError(
          `${this.kind}.penalty: expected [name, tensor] pairs such as model.namedParameters(), ` +
            `found ${describe(entry)} (pass a single Tensor to penalize it directly)`,
        );
      }
      if (this.include(entry[0], entry[1])) chosen.push(entry[1]);
    }
    return chosen;
  }
}

function checkCoefficient(kind: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ArgumentError(`${kind}: ${name} must be a finite number >= 0, found ${String(value)}`);
  }
}

function checkOptionNames(kind: string, opts: unknown, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ArgumentError(`${kind}: options must be an object, found ${describe(opts)}`);
  }
  for (const name of Object.keys(opts)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${kind}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Tensor) return 'a Tensor';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

/**
 * L1 penalty (lasso), `λ·Σ|w|` over the weights: pushes weights to exactly 0, giving sparse
 * models. Gradient `λ·sign(w)`.
 *
 * @param lambda - the coefficient λ, finite and ≥ 0.
 * @example
 * ```ts
 * import { sequential, dense, l1, crossEntropy } from 'streamgrad/models';
 * import { add } from 'streamgrad/ops';
 * const net = sequential([dense(10)], { inputShape: [784] });
 * // x: a batch [N, 784], y: its labels [N]
 * const loss = add(crossEntropy(net.forward(x), y), l1(1e-4).penalty(net));
 * ```
 */
export function l1(lambda: number, options: RegularizerOptions = {}): Regularizer {
  checkCoefficient('l1', 'lambda', lambda);
  return new Regularizer('l1', lambda, 0, options);
}

/**
 * L2 penalty (weight decay, ridge), `λ·Σw²` over the weights, without the ½ (CS231n, Keras):
 * prefers small, diffuse weights. Gradient `2λw`. (For Adam, prefer decoupled weight decay in
 * the optimizer.)
 *
 * @param lambda - the coefficient λ, finite and ≥ 0.
 * @example
 * ```ts
 * import { l2 } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * // Both weights score w·x = 1 on x = [1, 1, 1, 1]; L2 prefers the diffuse one.
 * l2(1).penalty(tensor([1, 0, 0, 0])).item();             // 1
 * l2(1).penalty(tensor([0.25, 0.25, 0.25, 0.25])).item(); // 0.25
 * ```
 */
export function l2(lambda: number, options: RegularizerOptions = {}): Regularizer {
  checkCoefficient('l2', 'lambda', lambda);
  return new Regularizer('l2', 0, lambda, options);
}

/**
 * Elastic net (Zou & Hastie, 2005), `λ₁·Σ|w| + λ₂·Σw²` over the weights: sparse like L1,
 * stable among correlated weights like L2 (Keras `L1L2`).
 *
 * @param options - `l1` and `l2` coefficients (each finite, ≥ 0, default 0) and `include`.
 * @example
 * ```ts
 * import { elasticNet } from 'streamgrad/models';
 * import { tensor } from 'streamgrad/ops';
 * elasticNet({ l1: 0.1, l2: 0.01 }).penalty(tensor([3, -4])).item(); // 0.1·7 + 0.01·25 = 0.95
 * ```
 */
export function elasticNet(options: ElasticNetOptions = {}): Regularizer {
  checkOptionNames('elasticNet', options, ['l1', 'l2', 'include']);
  const { l1: lambda1 = 0, l2: lambda2 = 0, include } = options;
  return new Regularizer('elasticNet', lambda1, lambda2, include === undefined ? {} : { include });
}
