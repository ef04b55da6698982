/**
 * Reference kernels for softmax and log-softmax along one axis of a row-major tensor.
 *
 * The tensor is viewed as `[outer, n, inner]`: `n` is the size of the softmax axis, `outer`
 * the product of the dimensions before it and `inner` the product of those after it. The
 * `n` elements of one slice sit `inner` apart, starting at `o·n·inner + i`. Sums are taken in
 * float64.
 */

/** Geometry of a softmax: the tensor seen as `[outer, n, inner]`. */
export interface AxisGeometry {
  readonly outer: number;
  readonly n: number;
  readonly inner: number;
}

/** Splits `shape` around `axis` into `[outer, n, inner]`. */
export function axisGeometry(shape: readonly number[], axis: number): AxisGeometry {
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, n: shape[axis] ?? 1, inner };
}

/**
 * `softmax(x)ⱼ = e^(xⱼ − m) / Σₖ e^(xₖ − m)` with `m = maxₖ xₖ`, or, when `log` is set,
 * `logSoftmax(x)ⱼ = xⱼ − m − log Σₖ e^(xₖ − m)`, for every slice along the axis. Subtracting
 * the maximum keeps every exponent ≤ 0, so nothing overflows and the sum is at least 1.
 */
export function softmaxForward(x: Float32Array, { outer, n, inner }: AxisGeometry, log: boolean): Float32Array {
  const out = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      const end = start + n * inner;
      let max = -Infinity;
      for (let j = start; j < end; j += inner) max = Math.max(max, x[j]);
      let total = 0;
      for (let j = start; j < end; j += inner) total += Math.exp(x[j] - max);
      if (log) {
        const logTotal = Math.log(total);
        for (let j = start; j < end; j += inner) out[j] = x[j] - max - logTotal;
      } else {
        for (let j = start; j < end; j += inner) out[j] = Math.exp(x[j] - max) / total;
      }
    }
  }
  return out;
}

/** Softmax VJP from its output `y`: `gx = y ⊙ (g − Σₖ gₖ·yₖ)`, slice by slice. */
export function softmaxBackward(y: Float32Array, g: Float32Array, { outer, n, inner }: AxisGeometry): Float32Array {
  const gx = new Float32Array(y.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      const end = start + n * inner;
      let dot = 0;
      for (let j = start; j < end; j += inner) dot += g[j] * y[j];
      for (let j = start; j < end; j += inner) gx[j] = y[j] * (g[j] - dot);
    }
  }
  return gx;
}

/**
 * Log-softmax VJP from its output `y = logSoftmax(x)`: `gx = g − softmax(x) ⊙ Σₖ gₖ`, with
 * `softmax(x) = e^y`, slice by slice.
 */
export function logSoftmaxBackward(y: Float32Array, g: Float32Array, { outer, n, inner }: AxisGeometry): Float32Array {
  const gx = new Float32Array(y.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * n * inner + i;
      const end = start + n * inner;
      let total = 0;
      for (let j = start; j < end; j += inner) total += g[j];
      for (let j = start; j < end; j += inner) gx[j] = g[j] - Math.exp(y[j]) * total;
    }
  }
  return gx;
}
