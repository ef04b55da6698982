import { ArgumentError } from '../ops/index.js';
import type { Layer, LayerConfig } from './layer.js';
import { dense, type DenseOptions } from './layers/dense.js';
import { flatten } from './layers/flatten.js';
import { relu } from './layers/relu.js';
import { conv2d, type Conv2dLayerOptions } from './layers/conv2d.js';
import { convTranspose2d, type ConvTranspose2dLayerOptions } from './layers/conv-transpose2d.js';
import { maxPool2d, type MaxPool2dLayerOptions } from './layers/max-pool2d.js';
import { avgPool2d, type AvgPool2dLayerOptions } from './layers/avg-pool2d.js';
import { globalAvgPool2d } from './layers/global-avg-pool2d.js';
import { upsample, type UpsampleOptions } from './layers/upsample.js';
import { embedding, type EmbeddingOptions } from './layers/embedding.js';
import {
  elu,
  leakyRelu,
  sigmoid,
  softmax,
  tanh,
  type EluOptions,
  type LeakyReluOptions,
  type SoftmaxOptions,
} from './layers/activations.js';
import { prelu, type PreluOptions } from './layers/prelu.js';
import { maxout } from './layers/maxout.js';
import { dropout } from './layers/dropout.js';
import { batchNorm1d, batchNorm2d, type BatchNormOptions } from './layers/batch-norm.js';
import { residual } from './layers/residual.js';
import { rnn, type RnnOptions } from './layers/recurrent/rnn.js';
import { lstm, type LstmOptions } from './layers/recurrent/lstm.js';
import { gru, type GruOptions } from './layers/recurrent/gru.js';
import type { InitializerSpec } from './initializers.js';
import { sequential, type SequentialOptions } from './sequential.js';

type Factory = (config: Record<string, unknown>) => Layer;

// One entry per layer kind: how to call its factory with the options from `toJSON()`.
const factories: Record<string, Factory> = {
  dense: (c) => dense(c.units as number, c as DenseOptions),
  flatten: () => flatten(),
  relu: () => relu(),
  conv2d: (c) => conv2d(c as unknown as Conv2dLayerOptions),
  convTranspose2d: (c) => convTranspose2d(c as unknown as ConvTranspose2dLayerOptions),
  maxPool2d: (c) => maxPool2d(c as unknown as MaxPool2dLayerOptions),
  avgPool2d: (c) => avgPool2d(c as unknown as AvgPool2dLayerOptions),
  globalAvgPool2d: () => globalAvgPool2d(),
  upsample: (c) => upsample(c as unknown as UpsampleOptions),
  embedding: (c) => embedding(c as unknown as EmbeddingOptions),
  leakyRelu: (c) => leakyRelu(c as LeakyReluOptions),
  elu: (c) => elu(c as EluOptions),
  sigmoid: () => sigmoid(),
  tanh: () => tanh(),
  softmax: (c) => softmax(c as SoftmaxOptions),
  prelu: (c) => prelu(c as PreluOptions),
  maxout: (c) => maxout({ pieces: c.pieces as number }),
  dropout: (c) => dropout(c.p as number),
  batchNorm1d: (c) => batchNorm1d(c as BatchNormOptions),
  batchNorm2d: (c) => batchNorm2d(c as BatchNormOptions),
  rnn: (c) => rnn(c as unknown as RnnOptions),
  lstm: (c) => lstm(c as unknown as LstmOptions),
  gru: (c) => gru(c as unknown as GruOptions),
  residual: (c) =>
    residual(fromJSON(c.block as LayerConfig), {
      projection: c.projection as boolean | undefined,
      projectionInitializer: c.projectionInitializer as InitializerSpec | undefined,
    }),
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
