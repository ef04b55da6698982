/**
 * WASM SIMD GEMM: `C = op(A)·op(B)` with the arguments and storage of the fast TypeScript `gemm`
 * (`../fast/gemm.ts`), computed by the AssemblyScript kernel in `./assembly/` (packed,
 * cache-blocked, 4×8 f32x4 register tile) after copying the operands into the module's memory
 * (`./runtime.ts`).
 *
 * Products of fewer than `wasmMinMultiplyAdds` multiply-adds go to the TypeScript kernel,
 * which is faster there (no copies, no packing of mostly-empty panels); so do products whose
 * operands do not fit in the module's 4 GiB memory.
 *
 * Precision: each output is summed in float32, in `p` order, and rounded into `out` once per
 * block of 256 terms; it meets the float32 GEMM bound `k·2⁻²⁴·Σ_p |op(A)[i,p]|·|op(B)[p,j]|`
 * against the float64-accumulating reference (`../matmul.ts`), not bit-equality.
 */
import { ArgumentError } from '../../errors.js';
import { gemm as tsGemm } from '../fast/gemm.js';
import { runGemm } from './runtime.js';

/**
 * Below this many multiply-adds (`m·k·n`) the TypeScript kernel is used. Measured with
 * `npx tsx bench/gemm.ts` (`gemm-cutoff` lines, cubes): TypeScript is faster at `n = 8` (512
 * multiply-adds, 0.5 µs against 1.0 µs), WASM from `n = 12` on (1728: 1.6 µs against 1.9 µs;
 * 4096: 2.1 against 4.3).
 */
export const wasmMinMultiplyAdds = 1024;

function checkSize(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ArgumentError(`gemm: ${name} must be an integer >= 0, found ${String(value)}`);
  }
}

function checkOperand(name: string, array: Float32Array, offsetName: string, offset: number, length: number): void {
  if (!(array instanceof Float32Array)) {
    throw new ArgumentError(`gemm: ${name} must be a Float32Array, found ${Object.prototype.toString.call(array)}`);
  }
  checkSize(offsetName, offset);
  // An empty matrix reads nothing, so its offset may point anywhere.
  if (length > 0 && offset + length > array.length) {
    throw new ArgumentError(
      `gemm: ${name} needs ${offsetName} + ${length} = ${offset + length} elements, found length ${array.length}`,
    );
  }
}

/**
 * `out[i,j] = Σ_p op(A)[i,p] · op(B)[p,j]`, or `out[i,j] += …` when `accumulate`. `A` is `m×k`
 * (`k×m` when `transA`), `B` is `k×n` (`n×k` when `transB`), `out` is `m×n`, all row-major
 * float32 starting at their offsets; elements of `out` outside `outOffset … outOffset + m·n`
 * are not touched.
 *
 * @param accumulate - add to `out` instead of overwriting it. @default false
 * @throws ArgumentError when a size or offset is not a non-negative integer, or an array is
 *   shorter than its offset plus the (non-empty) matrix it holds; `out` is then left untouched.
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
  accumulate = false,
): void {
  checkSize('m', m);
  checkSize('k', k);
  checkSize('n', n);
  checkOperand('a', a, 'aOffset', aOffset, m * k);
  checkOperand('b', b, 'bOffset', bOffset, k * n);
  checkOperand('out', out, 'outOffset', outOffset, m * n);
  // Small products, and operands that do not fit in WASM memory, run the TypeScript kernel.
  const inWasm = m * k * n >= wasmMinMultiplyAdds && runGemm(a, aOffset, b, bOffset, out, outOffset, m, k, n, transA, transB, accumulate);
  if (!inWasm) tsGemm(a, aOffset, b, bOffset, out, outOffset, m, k, n, transA, transB, accumulate);
}
