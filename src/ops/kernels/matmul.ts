/**
 * Reference GEMM: `C = op(A)·op(B)` for one pair of row-major float32 matrices, where `op` is
 * the identity or the transpose. Batched matmul calls it once per matrix with offsets into the
 * batch; its VJP uses the transposed forms, so no transpose is ever materialized. Fast kernels
 * (WASM SIMD) take the same arguments and are tested against this one.
 */

/**
 * `out[i,j] = Σ_p op(A)[i,p] · op(B)[p,j]` for `i < m`, `j < n`, `p < k`; `out` is overwritten.
 *
 * Storage, all row-major and starting at the given offsets:
 * - `A` is `m×k`, or `k×m` when `transA` (then `op(A) = Aᵀ`);
 * - `B` is `k×n`, or `n×k` when `transB` (then `op(B) = Bᵀ`);
 * - `out` is `m×n`.
 *
 * Sums are accumulated in float64 and rounded to float32 once, so the result does not depend
 * on the loop order chosen.
 */
export function gemm(
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  out: Float32Array,
  outOffset: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  // Element (i, p) of op(A) lives at aOffset + i·aRow + p·aCol.
  const aRow = transA ? 1 : k;
  const aCol = transA ? m : 1;
  if (transB) {
    // A·Bᵀ: row i of op(A) and row j of B are both contiguous (when A is not transposed),
    // so each output is a dot product read in order (i-j-p).
    for (let i = 0; i < m; i++) {
      const aStart = aOffset + i * aRow;
      for (let j = 0; j < n; j++) {
        const bStart = bOffset + j * k;
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[aStart + p * aCol] * b[bStart + p];
        out[outOffset + i * n + j] = acc;
      }
    }
    return;
  }
  // A·B and Aᵀ·B: i-k-j order, so the innermost loop streams through row p of B and row i of
  // the output; the row is accumulated in float64 before it is stored.
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    const aStart = aOffset + i * aRow;
    for (let p = 0; p < k; p++) {
      const aip = a[aStart + p * aCol];
      const bStart = bOffset + p * n;
      for (let j = 0; j < n; j++) row[j] += aip * b[bStart + j];
    }
    const outStart = outOffset + i * n;
    for (let j = 0; j < n; j++) out[outStart + j] = row[j];
  }
}
