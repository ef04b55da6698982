import { backward } from './autograd.js';
import { ArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

/**
 * Evaluates `fn` and its gradient with respect to every argument, without touching the
 * arguments' own `.grad`: `fn` must return a one-element tensor.
 *
 * @example
 * ```ts
 * const [value, [gx, gy]] = valueAndGrad((x, y) => sum(mul(x, y)))(tensor([1, 2]), tensor([3, 4]));
 * // value.item() === 11, gx = [3, 4], gy = [1, 2]
 * ```
 */
export function valueAndGrad(
  fn: (...args: Tensor[]) => Tensor,
): (...args: Tensor[]) => [Tensor, Tensor[]] {
  return (...args) => {
    const leaves = args.map((a, i) => {
      if (!(a instanceof Tensor)) throw new ArgumentError(`valueAndGrad: argument ${i} must be a Tensor, found ${typeof a}`);
      return new Tensor(a.data, a.shape, true);
    });
    const value = fn(...leaves);
    if (value.requiresGrad) backward(value);
    else if (value.size !== 1) backward(value); // raises the one-element error
    const grads = leaves.map((l) => l.grad ?? new Tensor(new Float32Array(l.size), l.shape));
    return [value.detach(), grads];
  };
}

/** The gradient function of `fn` (a one-element result): `grad(fn)(...args)` returns d fn / d args. */
export function grad(fn: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(fn);
  return (...args) => vg(...args)[1];
}
