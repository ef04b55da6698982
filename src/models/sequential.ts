import { ArgumentError, Rng, ShapeError, Tensor } from '../ops/index.js';
import { type BuildContext, Layer } from './layer.js';

/** Options of `sequential`. */
export interface SequentialOptions {
  /** Input shape without the batch dimension, e.g. `[784]` or `[1, 28, 28]`; builds the model at once. */
  inputShape?: readonly number[];
  /** Seed of the RNG that draws the initial weights. @default 0 */
  seed?: number;
}

/**
 * Layers applied one after another; itself a layer, so it nests. Children are named by their
 * index, as in `torch.nn.Sequential`, so parameters are `0.weight`, `0.bias`, `2.weight`...
 */
export class Sequential extends Layer {
  readonly kind = 'sequential';
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[], readonly options: SequentialOptions = {}) {
    super();
    if (!Array.isArray(layers)) {
      throw new ArgumentError(`sequential: expected an array of layers, found ${typeof layers}`);
    }
    layers.forEach((layer, i) => {
      if (!(layer instanceof Layer)) {
        throw new ArgumentError(`sequential: element ${i} is not a layer (found ${describe(layer)})`);
      }
      if (layers.indexOf(layer) !== i) {
        throw new ArgumentError(`sequential: layer ${i} (${layer.kind}) appears twice; create a new layer instead`);
      }
      layer.name = String(i);
      this.registerModule(String(i), layer);
    });
    this.layers = [...layers];
    if (options.inputShape !== undefined) {
      this.build(options.inputShape, { rng: new Rng(options.seed ?? 0) });
    }
  }

  protected setup(inputShape: number[], context: BuildContext): number[] {
    let shape = inputShape;
    this.layers.forEach((layer, i) => {
      const next = this.layers[i + 1]?.kind ?? context.next;
      shape = layer.build(shape, { rng: context.rng, next });
    });
    return shape;
  }

  /**
   * Checks the batch's rank only: each layer checks its own input, so a fully convolutional
   * stack accepts images of another size than the one it was built for.
   */
  protected override checkInput(shape: readonly number[]): void {
    const expected = this.inputShape!;
    if (shape.length !== expected.length + 1) {
      throw new ShapeError(
        `${this.label}: expected input of rank ${expected.length + 1} [N,${expected.join(',')}], found [${shape.join(',')}]`,
      );
    }
  }

  protected call(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }

  config(): Record<string, unknown> {
    return {
      inputShape: this.options.inputShape,
      seed: this.options.seed,
      layers: this.layers.map((l) => l.toJSON()),
    };
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function; call it, e.g. relu() rather than relu';
  return typeof value;
}

/**
 * A model made of layers in order (Keras `Sequential`, PyTorch `nn.Sequential`). With
 * `inputShape` it is built at once: parameters exist, shapes are checked and `summary()`
 * works before any data arrives.
 *
 * @example
 * ```ts
 * import { sequential, dense, relu, flatten } from 'streamgrad/models';
 * const net = sequential([flatten(), dense(128), relu(), dense(10)], { inputShape: [1, 28, 28], seed: 1 });
 * net.namedParameters().map(([name]) => name); // ['1.weight', '1.bias', '3.weight', '3.bias']
 * ```
 */
export function sequential(layers: readonly Layer[], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}
