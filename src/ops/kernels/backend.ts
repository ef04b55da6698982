/**
 * The kernel backend switch: which implementation the ops (`matmul`, `conv2d`,
 * `convTranspose2d`, `relu`, `maxPool2d`, `avgPool2d`, the `adam` optimizer) call for their GEMM,
 * convolution, elementwise and pooling kernels.
 *
 * - `'fast'` (the default): the WASM SIMD GEMM of `./wasm/` (packed, cache-blocked, f32x4; tiny
 *   products go to the TypeScript GEMM of `./fast/`) and the im2col convolutions of `./fast/`
 *   built on it. Agrees with the reference within float32 rounding, not bit for bit. Its
 *   elementwise loops (`./wasm/elementwise.ts`) and pooling kernels (`./wasm/pool2d.ts`) give
 *   the reference's bits exactly.
 * - `'reference'`: the readable kernels in `./matmul.ts` and `./conv2d.ts`, which accumulate in
 *   float64, and the TypeScript loops of `./elementwise.ts` and `./pool2d.ts`; they are the
 *   specification the fast kernels are tested against.
 *
 * The starting value comes from the environment variable `STREAMGRAD_KERNELS`
 * (`reference` or `fast`; unset or empty means `fast`), read once when this module loads, which
 * throws on any other value rather than silently running the wrong kernels; `setKernelBackend`
 * changes it at run time. An op reads the backend once per call, so its backward uses the same
 * kernels as its forward even if the backend changes in between.
 *
 * This is the one piece of process-wide state among the kernels, on purpose: it is a switch for
 * comparing implementations (tests, benchmarks, debugging), not something a model depends on.
 * (The fast GEMMs' reusable packing buffers and WASM memory are the other, invisible to callers.)
 *
 * @example
 * ```ts
 * setKernelBackend('reference'); // the float64-accumulating specification kernels
 * ```
 * or from the shell: `STREAMGRAD_KERNELS=reference npx tsx examples/mnist-cnn.ts`.
 */
import { ArgumentError } from '../errors.js';
import * as referenceConv from './conv2d.js';
import * as referenceElementwise from './elementwise.js';
import * as fastConv from './fast/conv2d.js';
import { gemm as referenceGemm } from './matmul.js';
import * as pool from './pool2d.js';
import { adamPlainFast, reluBackwardFast, reluForwardFast } from './wasm/elementwise.js';
import { gemm as wasmGemm } from './wasm/gemm.js';

/** The names of the kernel implementations. */
export type KernelBackend = 'reference' | 'fast';

/** The kernels an op may dispatch; every backend provides all of them with these signatures. */
export interface Kernels {
  readonly gemm: typeof referenceGemm;
  readonly conv2dForward: typeof referenceConv.conv2dForward;
  readonly conv2dInputGrad: typeof referenceConv.conv2dInputGrad;
  readonly conv2dWeightGrad: typeof referenceConv.conv2dWeightGrad;
  readonly reluForward: typeof referenceElementwise.reluForward;
  readonly reluBackward: typeof referenceElementwise.reluBackward;
  readonly adamPlain: typeof referenceElementwise.adamPlain;
  readonly maxPool2dForward: typeof pool.maxPool2dForward;
  readonly maxPool2dBackward: typeof pool.maxPool2dBackward;
  readonly avgPool2dForward: typeof pool.avgPool2dForward;
  readonly avgPool2dBackward: typeof pool.avgPool2dBackward;
}

const backends: Readonly<Record<KernelBackend, Kernels>> = {
  reference: {
    gemm: referenceGemm,
    conv2dForward: referenceConv.conv2dForward,
    conv2dInputGrad: referenceConv.conv2dInputGrad,
    conv2dWeightGrad: referenceConv.conv2dWeightGrad,
    reluForward: referenceElementwise.reluForward,
    reluBackward: referenceElementwise.reluBackward,
    adamPlain: referenceElementwise.adamPlain,
    maxPool2dForward: pool.maxPool2dForward,
    maxPool2dBackward: pool.maxPool2dBackward,
    avgPool2dForward: pool.avgPool2dForward,
    avgPool2dBackward: pool.avgPool2dBackward,
  },
  fast: {
    gemm: wasmGemm,
    conv2dForward: fastConv.conv2dForward,
    conv2dInputGrad: fastConv.conv2dInputGrad,
    conv2dWeightGrad: fastConv.conv2dWeightGrad,
    reluForward: reluForwardFast,
    reluBackward: reluBackwardFast,
    adamPlain: adamPlainFast,
    maxPool2dForward: pool.maxPool2dForwardFast,
    maxPool2dBackward: pool.maxPool2dBackwardFast,
    avgPool2dForward: pool.avgPool2dForwardFast,
    avgPool2dBackward: pool.avgPool2dBackwardFast,
  },
};

function parseBackend(value: unknown, source: string): KernelBackend {
  if (value === 'reference' || value === 'fast') return value;
  throw new ArgumentError(`${source} must be 'reference' or 'fast', found ${JSON.stringify(value)}`);
}

function initialBackend(): KernelBackend {
  const env = typeof process === 'undefined' ? undefined : process.env.STREAMGRAD_KERNELS;
  return env === undefined || env === '' ? 'fast' : parseBackend(env, 'STREAMGRAD_KERNELS');
}

let current: KernelBackend = initialBackend();

/**
 * Chooses the kernels every later op call uses. Returns the previous backend, so a caller can
 * restore it:
 * ```ts
 * const previous = setKernelBackend('reference');
 * try { ... } finally { setKernelBackend(previous); }
 * ```
 * @throws ArgumentError for a name other than `'reference'` or `'fast'`.
 */
export function setKernelBackend(backend: KernelBackend): KernelBackend {
  const next = parseBackend(backend, 'setKernelBackend: backend');
  const previous = current;
  current = next;
  return previous;
}

/** The backend the next op call will use. */
export function getKernelBackend(): KernelBackend {
  return current;
}

/** The kernels of the current backend. @internal Ops call this once per op call. */
export function kernels(): Kernels {
  return backends[current];
}
