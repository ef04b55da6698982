import { ArgumentError, Rng, Tensor, full, randn, randu } from '../ops/index.js';

/** Fan-in and fan-out of a weight, as PyTorch's `_calculate_fan_in_and_fan_out` computes them. */
export interface Fans {
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * Fans of a weight shape in PyTorch layout: `[out, in]` for dense, `[out, in, kH, kW]` for
 * convolutions (the receptive field multiplies both), `[n]` counts as fan-in = fan-out = n.
 */
export function fans(shape: readonly number[]): Fans {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** The JSON form of an initializer: its name and its options. */
export type InitializerConfig =
  | { name: 'zeros' }
  | { name: 'ones' }
  | { name: 'constant'; value: number }
  | { name: 'uniform'; low: number; high: number }
  | { name: 'normal'; mean: number; std: number }
  | { name: 'glorotUniform' }
  | { name: 'glorotNormal' }
  | { name: 'heUniform' }
  | { name: 'heNormal' };

/** Makes a parameter's initial values from its shape and an explicit RNG. */
export interface Initializer {
  readonly config: InitializerConfig;
  init(shape: readonly number[], rng: Rng): Tensor;
}

/** Anything a layer option accepts as an initializer: a name or an initializer. */
export type InitializerSpec = InitializerConfig['name'] | Initializer | InitializerConfig;

function make(config: InitializerConfig, init: (shape: readonly number[], rng: Rng) => Tensor): Initializer {
  return { config, init };
}

/**
 * Weight initializers. The variance-scaling ones follow their papers:
 *
 * - Glorot/Xavier (Glorot & Bengio, 2010): Var(w) = 2 / (fanIn + fanOut), for tanh/sigmoid;
 *   uniform on ±√(6 / (fanIn + fanOut)).
 * - He/Kaiming (He et al., 2015): Var(w) = 2 / fanIn, for ReLU; uniform on ±√(6 / fanIn).
 *
 * @example
 * ```ts
 * import { dense, initializers } from 'streamgrad/models';
 * dense(10, { kernelInitializer: initializers.heNormal(), biasInitializer: initializers.constant(0.1) });
 * dense(10, { kernelInitializer: 'glorotUniform' });
 * ```
 */
export const initializers = {
  zeros: (): Initializer => make({ name: 'zeros' }, (shape) => full(shape, 0)),
  ones: (): Initializer => make({ name: 'ones' }, (shape) => full(shape, 1)),
  constant: (value: number): Initializer => {
    if (!Number.isFinite(value)) throw new ArgumentError(`initializers.constant: value must be finite, found ${value}`);
    return make({ name: 'constant', value }, (shape) => full(shape, value));
  },
  uniform: (opts: { low?: number; high?: number } = {}): Initializer => {
    const low = opts.low ?? -0.05;
    const high = opts.high ?? 0.05;
    return make({ name: 'uniform', low, high }, (shape, rng) => randu(shape, rng, { low, high }));
  },
  normal: (opts: { mean?: number; std?: number } = {}): Initializer => {
    const mean = opts.mean ?? 0;
    const std = opts.std ?? 0.05;
    return make({ name: 'normal', mean, std }, (shape, rng) => randn(shape, rng, { mean, std }));
  },
  glorotUniform: (): Initializer =>
    make({ name: 'glorotUniform' }, (shape, rng) => {
      const { fanIn, fanOut } = fans(shape);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return randu(shape, rng, { low: -limit, high: limit });
    }),
  glorotNormal: (): Initializer =>
    make({ name: 'glorotNormal' }, (shape, rng) => {
      const { fanIn, fanOut } = fans(shape);
      return randn(shape, rng, { std: Math.sqrt(2 / (fanIn + fanOut)) });
    }),
  heUniform: (): Initializer =>
    make({ name: 'heUniform' }, (shape, rng) => {
      const limit = Math.sqrt(6 / fans(shape).fanIn);
      return randu(shape, rng, { low: -limit, high: limit });
    }),
  heNormal: (): Initializer =>
    make({ name: 'heNormal' }, (shape, rng) => randn(shape, rng, { std: Math.sqrt(2 / fans(shape).fanIn) })),
};

/** Resolves a name, a config object or an initializer to an initializer, naming the layer on error. */
export function resolveInitializer(where: string, spec: InitializerSpec): Initializer {
  if (typeof spec === 'object' && spec !== null && 'init' in spec) return spec;
  const config = typeof spec === 'string' ? ({ name: spec } as InitializerConfig) : spec;
  switch (config?.name) {
    case 'zeros':
    case 'ones':
    case 'glorotUniform':
    case 'glorotNormal':
    case 'heUniform':
    case 'heNormal':
      return initializers[config.name]();
    case 'constant':
      return initializers.constant(config.value);
    case 'uniform':
      return initializers.uniform(config);
    case 'normal':
      return initializers.normal(config);
    default:
      throw new ArgumentError(
        `${where}: unknown initializer ${JSON.stringify(spec)} (expected one of ${Object.keys(initializers).join(', ')})`,
      );
  }
}

/** The JSON form of an initializer option: a name or config as given, an initializer's config. */
export function initializerConfig(spec: InitializerSpec | undefined): InitializerConfig['name'] | InitializerConfig | undefined {
  if (typeof spec === 'object' && spec !== null && 'init' in spec) return spec.config;
  return spec;
}
