/**
 * Element-wise activation functions: sigmoid, tanh, relu, leakyRelu, elu, softplus, with
 * PyTorch's documented semantics (`torch.nn.functional`).
 *
 * Each op is built with `unaryOp` from its scalar function and derivative, side by side
 * (`relu`, the most used, is written out as two loops for speed, with a comment saying so). They
 * carry their own derivative rather than being composed from `exp`/`log` for stability: the
 * compositions overflow (`e^1000 = ∞`, giving `∞/∞ = NaN`) where these formulas do not.
 */
import { ArgumentError, assertFinite } from './errors.js';
import { record } from './autograd.js';
import { unaryOp } from './elementwise.js';
import { kernels } from './kernels/backend.js';
import { Tensor } from './tensor.js';
import { toTensor, type TensorLike } from './tensor-like.js';

/**
 * `1 / (1 + e^(−v))` for one number, without overflow: for `v < 0` it is computed as
 * `e^v / (1 + e^v)`, so `e^(−v)` is never formed for a large negative `v`.
 */
function logistic(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * Logistic sigmoid, `σ(x) = 1 / (1 + e^(−x))`, element-wise; derivative `σ(x)·(1 − σ(x))`.
 *
 * Stable for any `x`: `sigmoid(−1000)` is 0 and `sigmoid(1000)` is 1, never NaN. Note that in
 * float32 the result rounds to exactly 1 from about `x > 16.6`.
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @returns a tensor of `x`'s shape with values in [0, 1].
 * @example
 * ```ts
 * import { sigmoid, tensor } from 'streamgrad';
 * sigmoid(tensor([-1000, 0, 1000])).toArray(); // [0, 0.5, 1]
 * ```
 */
export function sigmoid(x: TensorLike): Tensor {
  return unaryOp('sigmoid', x, logistic, (_, y) => y * (1 - y));
}

/**
 * Hyperbolic tangent, `tanh(x) = (eˣ − e^(−x)) / (eˣ + e^(−x))`, element-wise; derivative
 * `1 − tanh(x)²`.
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @returns a tensor of `x`'s shape with values in [−1, 1].
 * @example
 * ```ts
 * import { tanh, tensor } from 'streamgrad';
 * tanh(tensor([0, 1])).toArray(); // [0, 0.7615942]
 * ```
 */
export function tanh(x: TensorLike): Tensor {
  return unaryOp('tanh', x, Math.tanh, (_, y) => 1 - y * y);
}

/**
 * Rectified linear unit, `relu(x) = max(0, x)`, element-wise; derivative 1 for `x > 0`, else 0
 * (0 at the kink, as in PyTorch). NaN propagates.
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @returns a tensor of `x`'s shape.
 * @example
 * ```ts
 * import { relu, tensor } from 'streamgrad';
 * relu(tensor([-2, 0, 3])).toArray(); // [0, 0, 3]
 * ```
 */
export function relu(x: TensorLike): Tensor {
  // A kernel rather than `unaryOp`: relu follows most layers of a network, and the kernel's
  // loops (branch-free TypeScript, or WASM SIMD on the fast backend) run many times faster. They
  // compute exactly what `unaryOp('relu', x, (v) => Math.max(0, v), (v) => (v > 0 ? 1 : 0))`
  // would, NaN, infinities and signed zeros included.
  const input = toTensor('relu', 'x', x);
  const n = input.size;
  const k = kernels();
  const ys = new Float32Array(n);
  k.reluForward(input.data, ys);
  const out = new Tensor(ys, input.shape);
  return record('relu', out, [input], (g) => {
    const gx = new Float32Array(n);
    k.reluBackward(input.data, g.data, gx);
    return [new Tensor(gx, input.shape)];
  });
}

/**
 * Leaky ReLU, `x` for `x > 0`, else `negativeSlope·x`, element-wise; derivative 1 for `x > 0`,
 * else `negativeSlope` (PyTorch `leaky_relu`).
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @param negativeSlope - slope for `x ≤ 0`; any finite number. @default 0.01
 * @returns a tensor of `x`'s shape.
 * @example
 * ```ts
 * import { leakyRelu, tensor } from 'streamgrad';
 * leakyRelu(tensor([-2, 3]), 0.1).toArray(); // [-0.2, 3]
 * ```
 */
export function leakyRelu(x: TensorLike, negativeSlope = 0.01): Tensor {
  assertFinite('leakyRelu', 'negativeSlope', negativeSlope);
  return unaryOp(
    'leakyRelu',
    x,
    (v) => (v > 0 ? v : negativeSlope * v),
    (v) => (v > 0 ? 1 : negativeSlope),
  );
}

/**
 * Exponential linear unit (Clevert et al., 2015), `x` for `x > 0`, else `α·(eˣ − 1)`,
 * element-wise; derivative 1 for `x > 0`, else `α·eˣ`. Computed with `expm1`, so it stays
 * accurate for small negative `x`.
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @param alpha - the saturation value for large negative inputs is `−α`; a finite number
 *   `> 0`. @default 1
 * @returns a tensor of `x`'s shape with values above `−α`.
 * @example
 * ```ts
 * import { elu, tensor } from 'streamgrad';
 * elu(tensor([-1000, 0, 2])).toArray(); // [-1, 0, 2]
 * ```
 */
export function elu(x: TensorLike, alpha = 1): Tensor {
  assertPositive('elu', 'alpha', alpha);
  return unaryOp(
    'elu',
    x,
    (v) => (v > 0 ? v : alpha * Math.expm1(v)),
    (v) => (v > 0 ? 1 : alpha * Math.exp(v)),
  );
}

/** Options for `softplus`. */
export interface SoftplusOptions {
  /** Sharpness `β`; a finite number `> 0`. Larger `β` is closer to `relu`. @default 1 */
  beta?: number;
  /** Above `β·x > threshold` the result is `x` itself (PyTorch); a finite number. @default 20 */
  threshold?: number;
}

/**
 * Softplus, `(1/β)·log(1 + e^(βx))`, element-wise, reverting to `x` where `βx > threshold`
 * (PyTorch `softplus`); derivative `σ(βx)` (1 above the threshold).
 *
 * Below the threshold it is computed as `(max(βx, 0) + log1p(e^(−|βx|))) / β`, which equals
 * the formula but never overflows, whatever the threshold.
 *
 * @param x - input tensor (a number is a scalar tensor).
 * @param opts - `beta` (default 1) and `threshold` (default 20).
 * @returns a tensor of `x`'s shape with positive values.
 * @example
 * ```ts
 * import { softplus, tensor } from 'streamgrad';
 * softplus(tensor([0, 100])).toArray();             // [0.6931472, 100]
 * softplus(tensor([0]), { beta: 2 }).toArray();     // [0.3465736]
 * ```
 */
export function softplus(x: TensorLike, opts: SoftplusOptions = {}): Tensor {
  checkOptionNames('softplus', opts, ['beta', 'threshold']);
  const beta = opts.beta ?? 1;
  const threshold = opts.threshold ?? 20;
  assertPositive('softplus', 'beta', beta);
  assertFinite('softplus', 'threshold', threshold);
  return unaryOp(
    'softplus',
    x,
    (v) => {
      const z = beta * v;
      if (z > threshold) return v;
      return (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / beta;
    },
    (v) => {
      const z = beta * v;
      return z > threshold ? 1 : logistic(z);
    },
  );
}

/** Throws an `ArgumentError` unless `value` is a finite number `> 0`. */
function assertPositive(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(`${op}: ${name} must be a finite number > 0, found ${String(value)}`);
  }
}

/** Throws an `ArgumentError` for a non-object options argument or an option name not in `known`. */
function checkOptionNames(op: string, opts: unknown, known: readonly string[]): void {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
    throw new ArgumentError(`${op}: options must be an object, found ${String(opts)}`);
  }
  for (const name of Object.keys(opts)) {
    if (!known.includes(name)) {
      throw new ArgumentError(`${op}: unknown option '${name}' (expected one of ${known.join(', ')})`);
    }
  }
}
