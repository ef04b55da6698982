/**
 * The elementwise hot paths as TypeScript loops: ReLU, its gradient and the plain Adam update.
 * They are the reference kernels for these ops and the fallback of the fast ones
 * (`./wasm/elementwise.ts`), which give the same bits.
 */

/** The per-step numbers of the plain Adam update (PyTorch's form, see `Adam` in streamgrad/models). */
export interface AdamPlainConstants {
  readonly beta1: number;
  readonly beta2: number;
  /** `γ / (1 − β₁ᵗ)` */
  readonly stepSize: number;
  /** `1 / √(1 − β₂ᵗ)` */
  readonly inverseRoot2: number;
  readonly eps: number;
}

/**
 * `out[i] = max(0, x[i])`, written on the float32 bit patterns: +0 where the sign bit is set and
 * `x[i]` is not NaN, else `x[i]` unchanged. Masks instead of a comparison keep it branch-free (on
 * activations of random sign a branch is mispredicted half the time), and NaN, infinities and
 * signed zeros come out as `Math.max(0, v)` would give them.
 */
export function reluForward(x: Float32Array, out: Float32Array): void {
  const n = x.length;
  const xBits = new Int32Array(x.buffer, x.byteOffset, n);
  const outBits = new Int32Array(out.buffer, out.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const bits = xBits[i];
    const negative = bits >> 31; // all ones when the sign bit is set
    const nan = (0x7f800000 - (bits & 0x7fffffff)) >> 31; // all ones for NaN: exponent all ones, mantissa not 0
    outBits[i] = bits & ~(negative & ~nan);
  }
}

/** `out[i] = g[i] · [x[i] > 0]`, the ReLU gradient (so `∞·0` and `NaN·0` give NaN). */
export function reluBackward(x: Float32Array, g: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = g[i] * +(x[i] > 0);
}

/**
 * One Adam update without weight decay or AMSGrad, in place, as a loop with no branch and no
 * re-read of what it just stored (`Math.fround` is the rounding that storing into and reading
 * back from `m` and `v` does): `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
 * `θ ← θ − stepSize·m / (√v·inverseRoot2 + ε)`, in float64 with float32 stores.
 */
export function adamPlain(theta: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, c: AdamPlainConstants): void {
  const { beta1, beta2, eps, stepSize, inverseRoot2 } = c;
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i];
    const mi = Math.fround(beta1 * m[i] + keep1 * g);
    const vi = Math.fround(beta2 * v[i] + keep2 * g * g);
    m[i] = mi;
    v[i] = vi;
    theta[i] -= (stepSize * mi) / (Math.sqrt(vi) * inverseRoot2 + eps);
  }
}
