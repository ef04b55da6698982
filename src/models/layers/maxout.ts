import { ArgumentError, ShapeError, Tensor, max } from '../../ops/index.js';
import { Layer } from '../layer.js';

/** Options of `maxout`. */
export interface MaxoutOptions {
  /** Units per group: each output is the maximum of this many consecutive inputs. */
  pieces: number;
}

/**
 * Maxout activation (Goodfellow et al., 2013), as TensorFlow's `maxout`: the feature axis
 * (axis 1 of the batch) is split into groups of `pieces` consecutive units and each group
 * keeps its maximum, `yᵢ = max_{j < pieces} x[i·pieces + j]`. `[N, F]` becomes
 * `[N, F/pieces]`, `[N, C, H, W]` becomes `[N, C/pieces, H, W]` (maximum across channels at
 * each position). No parameters.
 *
 * Computed as a reshape to `[N, F/pieces, pieces, ...]` and `max` over the pieces axis, whose
 * gradient goes to the winner of each group (the first one at a tie).
 */
export class Maxout extends Layer {
  readonly kind = 'maxout';
  readonly pieces: number;

  constructor(readonly options: MaxoutOptions) {
    super();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ArgumentError(`maxout: expected options { pieces }, found ${String(options)}`);
    }
    this.pieces = options.pieces;
    if (!Number.isInteger(this.pieces) || this.pieces < 1) {
      throw new ArgumentError(`maxout: pieces must be a positive integer, found ${String(this.pieces)}`);
    }
  }

  protected setup(inputShape: number[]): number[] {
    if (inputShape.length === 0) {
      throw new ShapeError(`${this.label}: expected a feature axis, input [N, F, ...], found [N]`);
    }
    const [features, ...rest] = inputShape;
    if (features % this.pieces !== 0) {
      throw new ShapeError(
        `${this.label}: features ${features} (axis 1 of [N,${inputShape.join(',')}]) are not divisible by pieces ${this.pieces}`,
      );
    }
    return [features / this.pieces, ...rest];
  }

  protected call(x: Tensor): Tensor {
    const [batch, features, ...rest] = x.shape;
    const groups = x.reshape([batch, features / this.pieces, this.pieces, ...rest]);
    return max(groups, 2);
  }

  config(): Record<string, unknown> {
    return { ...this.options };
  }
}

/**
 * A maxout layer: the maximum over groups of `pieces` consecutive features. A preceding
 * `dense(units·pieces)` gives the classic maxout unit of Goodfellow et al. (2013),
 * `hᵢ(x) = max_j (x·Wᵢⱼ + bᵢⱼ)`, a learned piecewise-linear convex activation; after a
 * convolution it takes the maximum across channels.
 *
 * @example
 * ```ts
 * import { sequential, dense, maxout } from 'streamgrad/models';
 * // 64 maxout units of 4 pieces each
 * const net = sequential([dense(64 * 4), maxout({ pieces: 4 }), dense(10)], { inputShape: [784] });
 * net.layers[1].outputShape; // [64]
 * ```
 */
export function maxout(options: MaxoutOptions): Maxout {
  return new Maxout(options);
}
