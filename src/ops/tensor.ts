import { ArgumentError, fmtShape } from './errors.js';
import { checkShape, sizeOf } from './shape.js';
import type { GradNode } from './autograd.js';
import { reshape } from './reshape.js';
import { formatTensor } from './format.js';

/** A nested array of numbers, as `tensor([[1, 2], [3, 4]])` accepts. */
export type NestedArray = number | readonly NestedArray[];

/**
 * An n-dimensional array of float32 values in a contiguous row-major `Float32Array`.
 *
 * Tensors are ordinary garbage-collected objects: there is no `dispose()`. Ops never write
 * into their inputs; only optimizers update parameters in place, outside of autograd.
 *
 * @example
 * ```ts
 * import { tensor } from 'streamgrad';
 * const t = tensor([[1, 2], [3, 4]]);
 * t.shape;            // [2, 2]
 * t.reshape([4]).toArray(); // [1, 2, 3, 4]
 * ```
 */
export class Tensor {
  /** The values, row-major. Its length is the product of `shape`. */
  readonly data: Float32Array;
  /** The dimensions; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Whether autograd tracks ops on this tensor. Set it on leaves (parameters, inputs). */
  requiresGrad: boolean;
  /** Accumulated gradient after `backward`, the same shape as this tensor; `null` before. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. @internal */
  node: GradNode | null = null;

  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    const dims = checkShape('Tensor', shape as number[]);
    if (data.length !== sizeOf(dims)) {
      throw new ArgumentError(
        `Tensor: data has ${data.length} elements but shape ${fmtShape(dims)} needs ${sizeOf(dims)}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze(dims);
    this.requiresGrad = requiresGrad;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** The same values viewed with another shape; one dimension may be `-1`. Differentiable. */
  reshape(shape: readonly number[]): Tensor {
    return reshape(this, shape);
  }

  /** The value of a one-element tensor as a JS number. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ArgumentError(`item: expected a tensor with one element, found shape ${fmtShape(this.shape)}`);
    }
    return this.data[0];
  }

  /** The values as nested JS arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset];
      const inner = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  /** A tensor sharing these values but cut off from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Readable form, e.g. `tensor([[1, 2], [3, 4]], shape=[2,2])`; long dimensions are elided. */
  toString(): string {
    return formatTensor(this);
  }
}
