/**
 * How many threads the parallel kernels use: the main thread plus `threads - 1` workers of a
 * `WasmThreadPool`. `1` means no workers at all: every kernel call runs on the calling thread.
 *
 * The starting value comes from the environment variable `STREAMGRAD_THREADS` (a whole number
 * from 1 to {@link MAX_KERNEL_THREADS}; unset or empty means `os.availableParallelism()`), read
 * once when this module loads, which throws on any other value rather than silently running
 * with a thread count nobody asked for; `setKernelThreads` changes it at run time. A kernel
 * reads it when it creates (or re-creates) its pool, so a change applies to the next call.
 *
 * @example
 * ```ts
 * const previous = setKernelThreads(1); // single-threaded, e.g. to compare timings
 * try { ... } finally { setKernelThreads(previous); }
 * ```
 * or from the shell: `STREAMGRAD_THREADS=1 npx tsx examples/mnist-cnn.ts`.
 */
import { availableParallelism } from 'node:os';
import { ArgumentError } from '../../errors.js';

/** The largest accepted thread count; more is almost certainly a typo, not a machine. */
export const MAX_KERNEL_THREADS = 256;

/**
 * Checks a thread count: a whole number from 1 to {@link MAX_KERNEL_THREADS}.
 * @param source - where the value came from, for the message (`setKernelThreads: n`).
 * @throws ArgumentError naming the source, the accepted range and the value found.
 */
export function parseKernelThreads(value: unknown, source: string): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_KERNEL_THREADS) return n;
  const found = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new ArgumentError(`${source} must be a whole number from 1 to ${MAX_KERNEL_THREADS}, found ${found}`);
}

/** The default thread count: one per core the process may use. */
export function defaultKernelThreads(): number {
  return Math.min(MAX_KERNEL_THREADS, Math.max(1, availableParallelism()));
}

function initialThreads(): number {
  const env = typeof process === 'undefined' ? undefined : process.env.STREAMGRAD_THREADS;
  return env === undefined || env === '' ? defaultKernelThreads() : parseKernelThreads(env, 'STREAMGRAD_THREADS');
}

let current = initialThreads();

/**
 * Sets how many threads (main thread included) later kernel calls use. Returns the previous
 * count, so a caller can restore it.
 * @throws ArgumentError unless `n` is a whole number from 1 to {@link MAX_KERNEL_THREADS}.
 */
export function setKernelThreads(n: number): number {
  const next = parseKernelThreads(n, 'setKernelThreads: n');
  const previous = current;
  current = next;
  return previous;
}

/** How many threads (main thread included) the next kernel call uses. */
export function getKernelThreads(): number {
  return current;
}
