/**
 * 2×2 max pooling at stride 2 without padding on the WASM module (`./assembly/pool.ts`), on the
 * main thread: the input is copied in, values and argmax indices are copied out.
 *
 * ```
 * heapBase | x (N·C·H·W floats) | out (N·C·H·W/4 floats) | argmax (as many i32) | end
 * ```
 *
 * Measured at the LeNet shape `[64, 8, 28, 28]` (`npx tsx bench/step-profile.ts 20 op`, 2 cores):
 * 0.41–0.46 ms median, copies included, against 2.0–2.3 ms for the TypeScript loop, whose
 * data-dependent branches mispredict on random inputs.
 */
import type { Pool2dGeometry } from '../../pool-options.js';
import { gemmWasm, heapF32, reserveBytes } from './runtime.js';

/** The pooling export of the module. Pointers are byte addresses; arguments are trusted. */
interface PoolWasmExports {
  maxPool2x2(x: number, out: number, argmax: number, planes: number, height: number, width: number): void;
  heapBase(): number;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * Values and input indices of a 2×2, stride 2, unpadded max pooling of `x` (`g` must be such a
 * pooling, `isPool2x2`); null when the operands do not fit in the module's memory.
 */
export function wasmMaxPool2x2(x: Float32Array, g: Pool2dGeometry): { out: Float32Array; argmax: Int32Array } | null {
  const wasm = gemmWasm().exports as unknown as PoolWasmExports;
  const outputs = g.batch * g.channels * g.outHeight * g.outWidth;
  const input = align(wasm.heapBase());
  const values = input + align(x.length * 4);
  const indices = values + align(outputs * 4);
  if (!reserveBytes(indices + outputs * 4)) return null;
  heapF32().set(x, input >>> 2);
  wasm.maxPool2x2(input, values, indices, g.batch * g.channels, g.inHeight, g.inWidth);
  const heap = heapF32();
  const out = new Float32Array(outputs);
  out.set(heap.subarray(values >>> 2, (values >>> 2) + outputs));
  const argmax = new Int32Array(outputs);
  argmax.set(new Int32Array(heap.buffer, indices, outputs));
  return { out, argmax };
}
