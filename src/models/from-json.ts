import { ArgumentError } from '../ops/index.js';
import type { Layer, LayerConfig } from './layer.js';
import { dense, type DenseOptions } from './layers/dense.js';
import { flatten } from './layers/flatten.js';
import { relu } from './layers/relu.js';
import { sequential, type SequentialOptions } from './sequential.js';

type Factory = (config: Record<string, unknown>) => Layer;

// One entry per layer kind: how to call its factory with the options from `toJSON()`.
const factories: Record<string, Factory> = {
  dense: (c) => dense(c.units as number, c as DenseOptions),
  flatten: () => flatten(),
  relu: () => relu(),
  sequential: (c) =>
    sequential(
      (c.layers as LayerConfig[]).map((l) => fromJSON(l)),
      c as SequentialOptions,
    ),
};

/**
 * Rebuilds a layer or sequential model from its `toJSON()` form (architecture only: the
 * weights are freshly initialized from the config's seed; load them with `loadStateDict` or
 * `loadWeights`). Functional models (`model(...)`) cannot be rebuilt, since their function is code.
 *
 * @example
 * ```ts
 * const copy = fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
 * copy.loadStateDict(net.stateDict());
 * ```
 */
export function fromJSON(config: LayerConfig): Layer {
  if (config === null || typeof config !== 'object' || typeof config.kind !== 'string') {
    throw new ArgumentError(`fromJSON: expected { kind: string, ... }, found ${JSON.stringify(config)}`);
  }
  const { kind, ...options } = config;
  const factory = factories[kind];
  if (factory === undefined) {
    const hint = kind === 'model' ? ' (a functional model is code: rebuild it with model(...))' : '';
    throw new ArgumentError(
      `fromJSON: unknown layer kind '${kind}'${hint}; known kinds: ${Object.keys(factories).sort().join(', ')}`,
    );
  }
  return factory(options);
}
