import { ArgumentError, ShapeError, Tensor, add, conv2d, matmul, slice, transpose } from '../../ops/index.js';
import { type Initializer, type InitializerSpec, resolveInitializer } from '../initializers.js';
import { type BuildContext, Layer } from '../layer.js';

/** Options of `residual`. */
export interface ResidualOptions {
  /**
   * When to add a learned projection `P` to the shortcut, `y = block(x) + P·x`: by default
   * only when the block changes the shape; `true` always (He et al.'s option C); `false`
   * never, so a shape change is a build error.
   */
  projection?: boolean;
  /** Initial projection weights. @default 'glorotUniform' */
  projectionInitializer?: InitializerSpec;
}

/**
 * A residual connection (He et al., 2016), `y = block(x) + x`: the block learns the residual
 * `F(x) = y − x`, which keeps very deep networks trainable. The block is the child `block`
 * (parameters `block.0.weight`, ...).
 *
 * When the block's output shape differs from its input shape, the shortcut is a learned
 * projection without bias, the child `projection` with parameter `projection.weight`:
 * - `[F] → [F']`: a linear map, `x·Wᵀ` with `W` `[F', F]`;
 * - `[C, H, W] → [C', H', W']`: a 1×1 convolution with `W` `[C', C, 1, 1]` and stride
 *   `s = ⌈H/H'⌉` (and likewise for the width), which must give `⌊(H − 1)/s⌋ + 1 = H'`, the
 *   output size PyTorch's strided 1×1 convolution has (ResNet's downsampling shortcut).
 * Any other change of shape cannot be projected and is a build error.
 */
export class Residual extends Layer {
  readonly kind = 'residual';
  /** The projection of the shortcut, or `null` for the identity. */
  projection: Projection | null = null;
  private readonly initializer: Initializer;

  constructor(
    readonly block: Layer,
    readonly options: ResidualOptions = {},
  ) {
    super();
    if (!(block instanceof Layer)) {
      const found = typeof block === 'function' ? 'a function; call it, e.g. dense(10) rather than dense' : typeof block;
      throw new ArgumentError(`residual: block must be a layer, found ${found}`);
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ArgumentError(`residual: options must be an object, found ${String(options)}`);
    }
    if (options.projection !== undefined && typeof options.projection !== 'boolean') {
      throw new ArgumentError(`residual: projection must be a boolean, found ${String(options.projection)}`);
    }
    this.initializer = resolveInitializer('residual', options.projectionInitializer ?? 'glorotUniform');
    block.name = 'block';
    this.registerModule('block', block);
  }

  protected setup(inputShape: number[], context: BuildContext): number[] {
    const output = this.block.build(inputShape, { rng: context.rng, next: context.next });
    const changed = !sameShape(inputShape, output);
    if (changed && this.options.projection === false) {
      throw new ShapeError(
        `${this.label}: the block maps [N,${inputShape.join(',')}] to [N,${output.join(',')}], ` +
          'and the shortcut cannot be added without a projection (projection is false)',
      );
    }
    if (changed || this.options.projection === true) {
      const stride = projectionStride(this.label, inputShape, output);
      const projection = new Projection(output, stride, this.initializer);
      projection.name = 'projection';
      projection.build(inputShape, context);
      this.projection = this.registerModule('projection', projection);
    }
    return output;
  }

  protected call(x: Tensor): Tensor {
    const shortcut = this.projection === null ? x : this.projection.forward(x);
    return add(this.block.forward(x), shortcut);
  }

  config(): Record<string, unknown> {
    const spec = this.options.projectionInitializer;
    const initializer = typeof spec === 'object' && spec !== null && 'init' in spec ? spec.config : spec;
    return { block: this.block.toJSON(), projection: this.options.projection, projectionInitializer: initializer };
  }
}

/**
 * The stride of the 1×1 convolution mapping `[C, H, W]` to `[C', H', W']`, `[]` for a linear
 * map `[F] → [F']`; throws a `ShapeError` naming the layer when no projection fits.
 */
function projectionStride(label: string, input: readonly number[], output: readonly number[]): number[] {
  const shapes = `[N,${input.join(',')}] to [N,${output.join(',')}]`;
  if (input.length === 1 && output.length === 1) return [];
  if (input.length !== 3 || output.length !== 3) {
    throw new ShapeError(
      `${label}: cannot project the shortcut from ${shapes}; projections map [N, F] to [N, F'] or [N, C, H, W] to [N, C', H', W']`,
    );
  }
  return [1, 2].map((axis) => {
    const size = input[axis];
    const target = output[axis];
    const stride = Math.ceil(size / target);
    if (target > size || Math.floor((size - 1) / stride) + 1 !== target) {
      const name = axis === 1 ? 'height' : 'width';
      throw new ShapeError(
        `${label}: cannot project the shortcut from ${shapes}: no stride s of a 1×1 convolution maps ` +
          `${name} ${size} to ${target} (⌊(${size} − 1)/s⌋ + 1 = ${target} has no solution)`,
      );
    }
    return stride;
  });
}

/**
 * The learned shortcut of a `residual` whose block changes the shape: a bias-free linear map
 * (`weight` `[F', F]`) or 1×1 convolution (`weight` `[C', C, 1, 1]`) with a stride. Created
 * by `residual`, not on its own.
 */
export class Projection extends Layer {
  readonly kind = 'projection';
  weight!: Tensor;

  constructor(
    readonly target: readonly number[],
    readonly stride: readonly number[],
    private readonly initializer: Initializer,
  ) {
    super();
  }

  protected setup(inputShape: number[], { rng }: BuildContext): number[] {
    const shape = inputShape.length === 1 ? [this.target[0], inputShape[0]] : [this.target[0], inputShape[0], 1, 1];
    this.weight = this.registerParameter('weight', this.initializer.init(shape, rng));
    return [...this.target];
  }

  protected call(x: Tensor): Tensor {
    if (x.rank === 2) return matmul(x, transpose(this.weight));
    const [sH, sW] = this.stride;
    // Keep the rows and columns the strided 1×1 kernel reads, 0, s, ..., (H' − 1)·s, so the
    // conv2d output size (H − 1)/s + 1 is whole (PyTorch floors it instead).
    const rows = (this.target[1] - 1) * sH + 1;
    const cols = (this.target[2] - 1) * sW + 1;
    const cropped = rows === x.shape[2] && cols === x.shape[3] ? x : slice(x, [0, 0, 0, 0], [x.shape[0], x.shape[1], rows, cols]);
    return conv2d(cropped, this.weight, { stride: [sH, sW] });
  }

  config(): Record<string, unknown> {
    return { target: this.target, stride: this.stride };
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A residual connection around `block` (He et al., 2016): `y = block(x) + x`, with a learned
 * projection of the shortcut when the block changes the shape (see `Residual`).
 *
 * @example
 * ```ts
 * import { sequential, residual, dense, relu } from 'streamgrad/models';
 * const net = sequential([residual(sequential([dense(32), relu(), dense(32)])), relu()], { inputShape: [32] });
 * net.namedParameters().map(([name]) => name); // ['0.block.0.weight', '0.block.0.bias', '0.block.2.weight', '0.block.2.bias']
 * const down = residual(sequential([dense(16)])); // [32] → [16]: adds 'projection.weight' [16, 32]
 * ```
 */
export function residual(block: Layer, options: ResidualOptions = {}): Residual {
  return new Residual(block, options);
}
