import { ArgumentError, Rng, Tensor, noGrad, zeros } from '../ops/index.js';
import { type BuildContext, Layer, traceBuild } from './layer.js';

/** Options of `model`. */
export interface ModelOptions {
  /** Input shape without the batch dimension; the function is traced once on zeros to build the layers. */
  inputShape: readonly number[];
  /** Seed of the RNG that draws the initial weights. @default 0 */
  seed?: number;
}

/** The function of a functional model: the input batch and the named layers, to a result. */
export type ModelFunction<L extends Record<string, Layer>> = (x: Tensor, layers: L) => Tensor;

/**
 * A model whose wiring is arbitrary code: skip connections, shared layers, several heads
 * combined with ops. Its parameters are those of the named layers, under their names
 * (`encoder.weight`), so the state dict matches a PyTorch module with those attributes.
 */
export class FunctionalModel<L extends Record<string, Layer>> extends Layer {
  readonly kind = 'model';

  constructor(
    readonly namedLayers: L,
    private readonly fn: ModelFunction<L>,
    readonly options: ModelOptions,
  ) {
    super();
    if (typeof fn !== 'function') throw new ArgumentError(`model: expected a function, found ${typeof fn}`);
    for (const [name, layer] of Object.entries(namedLayers)) {
      if (!(layer instanceof Layer)) throw new ArgumentError(`model: '${name}' is not a layer`);
      layer.name = name;
      this.registerModule(name, layer);
    }
    this.build(options.inputShape, { rng: new Rng(options.seed ?? 0) });
  }

  protected setup(inputShape: number[], context: BuildContext): number[] {
    // One sample of zeros, in evaluation mode and without grad: builds every layer the
    // function reaches and leaves no trace in running statistics.
    const wasTraining = this.training;
    this.eval();
    try {
      const y = traceBuild(context, () => noGrad(() => this.fn(zeros([1, ...inputShape]), this.namedLayers)));
      const unused = Object.entries(this.namedLayers).filter(([, l]) => !l.built);
      if (unused.length > 0) {
        throw new ArgumentError(`model: layers ${unused.map(([n]) => `'${n}'`).join(', ')} are never called by the function`);
      }
      return y.shape.slice(1);
    } finally {
      if (wasTraining) this.train();
    }
  }

  protected call(x: Tensor): Tensor {
    return this.fn(x, this.namedLayers);
  }

  /** The layers' configurations; the function itself cannot be serialized. */
  config(): Record<string, unknown> {
    return {
      inputShape: this.options.inputShape,
      seed: this.options.seed,
      layers: Object.fromEntries(Object.entries(this.namedLayers).map(([n, l]) => [n, l.toJSON()])),
    };
  }
}

/**
 * A model defined by a function of its input and named layers, for graphs that are not a
 * plain stack. It is built at once by tracing the function on zeros, so parameters exist and
 * `summary()` works before training.
 *
 * @example
 * ```ts
 * import { add } from 'streamgrad';
 * import { model, dense, relu } from 'streamgrad/models';
 * const net = model({ hidden: dense(32), skip: dense(10), head: dense(10), act: relu() },
 *   (x, l) => add(l.head.forward(l.act.forward(l.hidden.forward(x))), l.skip.forward(x)),
 *   { inputShape: [4] });
 * net.namedParameters().map(([n]) => n); // ['hidden.weight', 'hidden.bias', 'skip.weight', ...]
 * ```
 */
export function model<L extends Record<string, Layer>>(
  layers: L,
  fn: ModelFunction<L>,
  options: ModelOptions,
): FunctionalModel<L> {
  return new FunctionalModel(layers, fn, options);
}
