import { ArgumentError, ShapeError, Tensor, gather, noGrad, record } from '../../ops/index.js';
import { type Initializer, type InitializerSpec, initializerConfig, initializers, resolveInitializer } from '../initializers.js';
import { type BuildContext, Layer } from '../layer.js';
import { checkOptions, checkPositiveInt, requireOption } from './conv2d.js';

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** Size of the vocabulary: indices run over `[0, numEmbeddings)`. */
  numEmbeddings: number;
  /** Length of each embedding vector. */
  embeddingDim: number;
  /**
   * An index whose row starts at zero and receives no gradient (for padding tokens);
   * negative values count from the end, as in PyTorch. @default none
   */
  paddingIdx?: number;
  /** Initial rows. @default N(0, 1), as `torch.nn.Embedding` */
  embeddingsInitializer?: InitializerSpec;
}

const OPTIONS = ['numEmbeddings', 'embeddingDim', 'paddingIdx', 'embeddingsInitializer'];

/**
 * A lookup table of learnable vectors (`torch.nn.Embedding`): `y[..., :] = W[x[...], :]` with
 * `weight` W of shape `[numEmbeddings, embeddingDim]`. Input `[N, ...]` of integer indices
 * (float32 values holding whole numbers), output `[N, ..., embeddingDim]`; parameters
 * `numEmbeddings·embeddingDim`.
 *
 * The gradient of a row is the sum of the output gradients at the positions that picked it;
 * with `paddingIdx`, that row gets none (it stays at its value, zero unless loaded). The
 * index sizes may differ from the built ones (sequences of another length); the rank may not.
 */
export class Embedding extends Layer {
  readonly kind = 'embedding';
  weight!: Tensor;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** `paddingIdx` counted from the start, or `null`. */
  readonly paddingRow: number | null;
  private readonly rowInit: Initializer;

  constructor(readonly options: EmbeddingOptions) {
    super();
    const o = checkOptions('embedding', options, OPTIONS);
    this.numEmbeddings = checkPositiveInt('embedding', 'numEmbeddings', requireOption('embedding', 'numEmbeddings', o.numEmbeddings));
    this.embeddingDim = checkPositiveInt('embedding', 'embeddingDim', requireOption('embedding', 'embeddingDim', o.embeddingDim));
    this.paddingRow = o.paddingIdx === undefined ? null : checkPaddingIdx(o.paddingIdx, this.numEmbeddings);
    const spec = options.embeddingsInitializer;
    this.rowInit = spec === undefined ? initializers.normal({ mean: 0, std: 1 }) : resolveInitializer('embedding', spec);
  }

  protected setup(inputShape: number[], { rng }: BuildContext): number[] {
    const weight = this.rowInit.init([this.numEmbeddings, this.embeddingDim], rng);
    if (this.paddingRow !== null) weight.data.fill(0, this.paddingRow * this.embeddingDim, (this.paddingRow + 1) * this.embeddingDim);
    this.weight = this.registerParameter('weight', weight);
    return [...inputShape, this.embeddingDim];
  }

  protected override checkInput(shape: readonly number[]): void {
    const built = this.inputShape!;
    if (shape.length !== built.length + 1) {
      const expected = ['N', ...built.map((_, i) => `L${i + 1}`)].join(',');
      throw new ShapeError(
        `${this.label}: expected indices [${expected}] of rank ${built.length + 1} (built for [N,${built.join(',')}]), ` +
          `found [${shape.join(',')}]`,
      );
    }
  }

  protected call(x: Tensor): Tensor {
    this.checkIndices(x);
    const out = noGrad(() => gather(this.weight, x));
    // gather's own VJP would scatter into every row; PyTorch's padding_idx row gets no gradient.
    return record('embedding', out, [this.weight], (g) => [this.scatterRows(x, g)]);
  }

  /** `dW[x[p], :] += g[p, :]` for every position p, skipping the padding row. */
  private scatterRows(x: Tensor, g: Tensor): Tensor {
    const dim = this.embeddingDim;
    const dw = new Float32Array(this.weight.size);
    for (let p = 0; p < x.size; p++) {
      const row = x.data[p];
      if (row === this.paddingRow) continue;
      for (let j = 0; j < dim; j++) dw[row * dim + j] += g.data[p * dim + j];
    }
    return new Tensor(dw, this.weight.shape);
  }

  private checkIndices(x: Tensor): void {
    for (let p = 0; p < x.size; p++) {
      const v = x.data[p];
      if (Number.isInteger(v) && v >= 0 && v < this.numEmbeddings) continue;
      throw new ArgumentError(
        `${this.label}: input must hold integer indices in [0, ${this.numEmbeddings}), found ${v} ` +
          `at input[${unravel(p, x.shape).join(',')}] (input [${x.shape.join(',')}])`,
      );
    }
  }

  config(): Record<string, unknown> {
    return {
      numEmbeddings: this.numEmbeddings,
      embeddingDim: this.embeddingDim,
      paddingIdx: this.options.paddingIdx,
      embeddingsInitializer: initializerConfig(this.options.embeddingsInitializer),
    };
  }
}

function checkPaddingIdx(value: unknown, n: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -n || value >= n) {
    throw new ArgumentError(`embedding: paddingIdx must be an integer in [-${n}, ${n}) (numEmbeddings ${n}), found ${String(value)}`);
  }
  return value < 0 ? value + n : value;
}

/** The multi-index of flat position `p` in a row-major tensor of `shape`. */
function unravel(p: number, shape: readonly number[]): number[] {
  const index: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(p % shape[d]);
    p = Math.floor(p / shape[d]);
  }
  return index;
}

/**
 * An embedding layer: a table of `numEmbeddings` learnable vectors of length `embeddingDim`,
 * looked up by integer index (`torch.nn.Embedding`).
 *
 * @example
 * ```ts
 * import { sequential, embedding, flatten, dense } from 'streamgrad/models';
 * // sequences of 12 token ids from a 1,000-word vocabulary, id 0 for padding
 * const net = sequential([embedding({ numEmbeddings: 1000, embeddingDim: 16, paddingIdx: 0 }), flatten(), dense(2)], {
 *   inputShape: [12],
 * });
 * net.layers[0].outputShape; // [12, 16]
 * ```
 */
export function embedding(options: EmbeddingOptions): Embedding {
  return new Embedding(options);
}
