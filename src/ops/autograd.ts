import { ArgumentError, ShapeError, fmtShape } from './errors.js';
import { sameShape } from './shape.js';
import { Tensor } from './tensor.js';

/**
 * Vector-Jacobian product of one recorded op: given the gradient of the loss with respect to
 * the op's output, returns one gradient per input, in input order, each of that input's shape
 * (`null` for an input that needs none).
 */
export type Vjp = (grad: Tensor) => ReadonlyArray<Tensor | null>;

/** What autograd remembers about an op's output. @internal */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly vjp: Vjp;
}

// Grad mode is process-wide, as in PyTorch: it is a property of the running computation,
// not of any tensor. `noGrad` restores it even when `fn` throws.
let gradEnabled = true;

/** True unless inside `noGrad`. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` with autograd recording turned off and returns its result: nothing computed
 * inside is tracked, so inference costs no graph. `fn` must be synchronous.
 *
 * @example
 * ```ts
 * const logits = noGrad(() => model.forward(x));
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Attaches an op's vector-Jacobian product to its output when grad mode is on and an input
 * requires grad; returns `out`. Every differentiable op ends with `return record(...)`, and
 * so does a custom op of your own.
 *
 * The VJP receives the gradient of the loss with respect to `out` and returns one gradient
 * per input, in input order, each of that input's shape (or `null`). It runs with grad
 * mode off, so it may use any op.
 *
 * @example
 * ```ts
 * import { Tensor, mul, record } from 'streamgrad';
 * // x³ with d/dx = 3x²
 * function cube(x: Tensor): Tensor {
 *   const out = new Tensor(x.data.map((v) => v ** 3), x.shape);
 *   return record('cube', out, [x], (g) => [mul(g, mul(mul(x, x), 3))]);
 * }
 * ```
 */
export function record(op: string, out: Tensor, inputs: readonly Tensor[], vjp: Vjp): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, vjp };
  }
  return out;
}

function accumulate(into: Tensor | undefined, g: Tensor): Tensor {
  if (into === undefined) return g;
  const sum = new Float32Array(g.data.length);
  for (let i = 0; i < sum.length; i++) sum[i] = into.data[i] + g.data[i];
  return new Tensor(sum, g.shape);
}

/**
 * Adds `g` to the pending gradient of a tensor. The first sum allocates a buffer, kept in `owned`
 * while no VJP has seen it, and later gradients are added into it in place (a tensor reached by
 * many paths, such as a weight shared by every step of an unrolled RNN, costs one buffer, not
 * one per path). A gradient a VJP returned is never written to: it may alias another.
 */
function accumulateOwned(into: Tensor | undefined, g: Tensor, owned: Set<Tensor>): Tensor {
  if (into === undefined || !owned.has(into)) {
    const sum = accumulate(into, g);
    if (sum !== g) owned.add(sum);
    return sum;
  }
  const data = into.data;
  const add = g.data;
  for (let i = 0; i < data.length; i++) data[i] += add[i];
  return into;
}

/** Recorded tensors reachable from `root`, each after every tensor computed from it. */
function reverseTopologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order DFS: deep graphs (long RNN unrolls) must not overflow the JS stack.
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    const inputs = t.node?.inputs ?? [];
    if (next < inputs.length) {
      top[1] = next + 1;
      const child = inputs[next];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Back-propagates from `loss`: computes d(loss)/d(leaf) for every leaf that requires grad and
 * adds it to `leaf.grad` (gradients accumulate across calls, as in PyTorch; optimizers zero
 * them). A tensor used twice receives the sum of both paths' gradients.
 *
 * @param loss - a one-element tensor, or any tensor when `seed` is given.
 * @param seed - the gradient of some scalar with respect to `loss`, of `loss`'s shape
 *   (a vector for a vector-Jacobian product). Defaults to 1 for a one-element `loss`.
 */
export function backward(loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) {
    throw new ArgumentError(
      'backward: the loss does not require grad; no input of the computation had requiresGrad = true ' +
        '(or it was computed inside noGrad)',
    );
  }
  if (seed === undefined && loss.size !== 1) {
    throw new ShapeError(
      `backward: expected a one-element loss or an explicit seed gradient, found loss of shape ${fmtShape(loss.shape)}`,
    );
  }
  if (seed !== undefined && !sameShape(seed.shape, loss.shape)) {
    throw new ShapeError(
      `backward: seed gradient shape ${fmtShape(seed.shape)} does not match loss shape ${fmtShape(loss.shape)}`,
    );
  }
  const grads = new Map<Tensor, Tensor>();
  // Sums made here that no VJP has seen yet: the only gradients safe to add into in place.
  const owned = new Set<Tensor>();
  grads.set(loss, seed ?? new Tensor(new Float32Array(loss.size).fill(1), loss.shape));
  noGrad(() => {
    for (const t of reverseTopologicalOrder(loss)) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      owned.delete(g);
      if (t.node === null) {
        // A copy, so that a leaf's .grad never aliases another tensor (VJPs may pass `g` through).
        t.grad = t.grad === null ? new Tensor(g.data.slice(), g.shape) : accumulate(t.grad, g);
        continue;
      }
      const inputGrads = t.node.vjp(g);
      t.node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!input.requiresGrad || gi === null || gi === undefined) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new ShapeError(
            `backward: the VJP of ${t.node!.op} returned a gradient of shape ${fmtShape(gi.shape)} ` +
              `for input ${i} of shape ${fmtShape(input.shape)}`,
          );
        }
        grads.set(input, accumulateOwned(grads.get(input), gi, owned));
      });
    }
  });
}
