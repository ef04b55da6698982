import { Tensor, record } from '../../../ops/index.js';

/**
 * Splits a batch-first sequence `[N, T, F]` into its T time steps, each `[N, F]`
 * (`steps[t] = x[:, t, :]`), differentiably, with a backward linear in T.
 *
 * Why not `slice`: the VJP of each slice returns a gradient of the whole input's size, so
 * splitting T steps costs O(T²·N·F) in the backward. Here every step's VJP adds its gradient
 * into one buffer of `x`'s shape and passes a scalar zero to a shared node (`hub`, computed from
 * `x`); autograd's reverse topological order runs the hub's VJP only after every step that
 * reaches it, and that VJP hands the buffer to `x` and clears it for the next backward pass.
 *
 * ```
 * x [N,T,F] ──> hub [] ──> step 0 [N,F], step 1 [N,F], …, step T−1 [N,F]
 * ```
 *
 * @param x - `[N, T, F]`, batch first.
 * @returns T tensors `[N, F]`, copies of the time steps.
 * @example
 * ```ts
 * const steps = unstackTime(x); // x [2, 5, 3] -> five tensors [2, 3]
 * ```
 */
export function unstackTime(x: Tensor): Tensor[] {
  const [n, time, features] = x.shape;
  const pending = new Float32Array(x.size);
  const noGradient = new Tensor(new Float32Array(1), []);
  const hub = record('unstackTime', new Tensor(new Float32Array(1), []), [x], () => {
    const gradient = new Tensor(pending.slice(), x.shape);
    pending.fill(0);
    return [gradient];
  });
  const steps: Tensor[] = [];
  for (let t = 0; t < time; t++) {
    const values = new Float32Array(n * features);
    for (let r = 0; r < n; r++) {
      const from = (r * time + t) * features;
      values.set(x.data.subarray(from, from + features), r * features);
    }
    steps.push(
      record('timeStep', new Tensor(values, [n, features]), [hub], (g) => {
        for (let r = 0; r < n; r++) {
          const to = (r * time + t) * features;
          for (let j = 0; j < features; j++) pending[to + j] += g.data[r * features + j];
        }
        return [noGradient];
      }),
    );
  }
  return steps;
}

/**
 * Joins T tensors `[N, F]` into a batch-first sequence `[N, T, F]` (`out[:, t, :] = steps[t]`),
 * the inverse of `unstackTime`; the VJP copies one `[N, F]` slice back to each step. @internal
 */
export function stackTime(steps: readonly Tensor[]): Tensor {
  const time = steps.length;
  const [n, features] = steps[0].shape;
  const out = new Float32Array(n * time * features);
  steps.forEach((step, t) => {
    for (let r = 0; r < n; r++) out.set(step.data.subarray(r * features, (r + 1) * features), (r * time + t) * features);
  });
  return record('stackTime', new Tensor(out, [n, time, features]), steps, (g) =>
    steps.map((step, t) => {
      if (!step.requiresGrad) return null;
      const values = new Float32Array(n * features);
      for (let r = 0; r < n; r++) {
        const from = (r * time + t) * features;
        values.set(g.data.subarray(from, from + features), r * features);
      }
      return new Tensor(values, [n, features]);
    }),
  );
}
