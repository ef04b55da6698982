/**
 * The elementwise hot paths on WASM SIMD against the TypeScript loops they replace, one JSON
 * line per (op, size, variant):
 * `{ "bench": "elementwise", "op", "n", "variant", "nsPerElement", "gbPerSec" }`.
 *
 * Variants:
 * - `ts`: the TypeScript loop (what `STREAMGRAD_KERNELS=reference` runs).
 * - `wasm`: what the fast kernels run: copy the operands into WASM memory, the f32x4 / f64x2
 *   loop, copy the results out (`src/ops/kernels/wasm/elementwise.ts`).
 * - op `relu op`: the whole `relu` op (allocating its output and recording its node), under each backend.
 * - `wasm-resident`: the WASM loop alone, on operands already in its memory: the cost if tensors
 *   lived there, i.e. what the copies cost.
 * - `copy` (op `memcpy`): `Float32Array.prototype.set` of one array, the machine's memory speed
 *   seen from JS and the ceiling of any op that reads and writes each element once.
 *
 * `gbPerSec` counts the bytes the op itself must read and write (4 per float), not the copies.
 * Sizes: 2¹⁶ floats (fits in L2), 294,912 (LeNet's first conv output at batch 64), 2²⁰.
 *
 * Run: `npx tsx bench/elementwise.ts [repeats]` (default 9; each figure is a median).
 */
import { performance } from 'node:perf_hooks';
import { relu, setKernelBackend, tensor } from '../src/ops/index.js';
import { adamPlainUpdate } from '../src/models/optimizers/adam.js';
import { kernels } from '../src/ops/kernels/backend.js';
import { gemmLayout, gemmWasm, heapF32, reserveBytes } from '../src/ops/kernels/wasm/runtime.js';

interface ResidentKernels {
  reluForward(x: number, out: number, n: number): void;
  reluBackward(x: number, g: number, out: number, n: number): void;
  adamPlain(p: number, g: number, m: number, v: number, n: number, ...constants: number[]): void;
}

const repeats = Number(process.argv[2] ?? 9);
const resident = gemmWasm().exports as unknown as ResidentKernels;

/** Median ns per element of `fn` over `repeats` timings, each of about 2·10⁷ elements. */
function nsPerElement(n: number, fn: () => void): number {
  fn();
  const inner = Math.max(1, Math.round(2e7 / n));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) fn();
    samples.push(((performance.now() - t0) * 1e6) / (inner * n));
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function emit(op: string, n: number, variant: string, ns: number, floatsTouched: number): void {
  const gbPerSec = (floatsTouched * 4) / ns;
  console.log(JSON.stringify({ bench: 'elementwise', op, n, variant, nsPerElement: Number(ns.toFixed(4)), gbPerSec: Number(gbPerSec.toFixed(2)) }));
}

function random(n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * scale);
}

for (const n of [2 ** 16, 294_912, 2 ** 20]) {
  const x = random(n, 2);
  const g = random(n, 0.2);
  const out = new Float32Array(n);
  const xt = tensor(x, [n]);
  const adamState = { theta: random(n, 1), m: new Float32Array(n), v: new Float32Array(n) };
  const rule = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, biasCorrection1: 0.1, biasCorrection2: 0.001 };
  // Resident operands: four regions of n floats after the first GEMM scratch region.
  const base = gemmLayout(0, 0, 0, 1).a;
  const at = [0, 1, 2, 3].map((k) => base + k * Math.ceil((n * 4) / 64) * 64);
  reserveBytes(at[3] + n * 4);
  heapF32().set(x, at[0] >> 2);
  heapF32().set(g, at[1] >> 2);

  emit('memcpy', n, 'copy', nsPerElement(n, () => out.set(x)), 2);
  for (const backend of ['reference', 'fast'] as const) {
    setKernelBackend(backend);
    const k = kernels();
    const variant = backend === 'fast' ? 'wasm' : 'ts';
    emit('relu', n, variant, nsPerElement(n, () => k.reluForward(x, out)), 2);
    emit('reluGrad', n, variant, nsPerElement(n, () => k.reluBackward(x, g, out)), 3);
    emit('adam', n, variant, nsPerElement(n, () => adamPlainUpdate(adamState.theta, g, adamState.m, adamState.v, rule)), 7);
    emit('relu op', n, variant, nsPerElement(n, () => relu(xt)), 2);
  }
  emit('relu', n, 'wasm-resident', nsPerElement(n, () => resident.reluForward(at[0], at[2], n)), 2);
  emit('reluGrad', n, 'wasm-resident', nsPerElement(n, () => resident.reluBackward(at[0], at[1], at[2], n)), 3);
  const constants = [0.9, 0.999, 0.1, 0.001, 1e-3 / 0.1, 1 / Math.sqrt(0.001), 1e-8];
  emit('adam', n, 'wasm-resident', nsPerElement(n, () => resident.adamPlain(at[0], at[1], at[2], at[3], n, ...constants)), 7);
}
