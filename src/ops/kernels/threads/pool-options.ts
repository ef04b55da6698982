/**
 * The options of a `WasmThreadPool`, and their checks: every option is validated, with a message
 * naming what was expected and what was found, before any thread starts.
 */
import { ArgumentError } from '../../errors.js';
import { getKernelThreads, parseKernelThreads } from './config.js';
import { DEFAULT_IMPORTS_SOURCE } from './imports-source.js';
import { type WasmMemoryLike, type WasmModuleLike, wasm } from './wasm-types.js';

/** Options of a `WasmThreadPool`. */
export interface WasmThreadPoolOptions {
  /** The compiled kernel module; every thread instantiates it. */
  readonly module: WasmModuleLike;
  /** The memory every instance imports; shared (`shared: true`) unless `threads` is 1. */
  readonly memory: WasmMemoryLike;
  /** Threads taking part, the main thread included: `threads - 1` workers. @default getKernelThreads() */
  readonly threads?: number;
  /** Source of `(memory) => imports`, evaluated in every thread. @default DEFAULT_IMPORTS_SOURCE */
  readonly importsSource?: string;
  /** Longest one call may wait for its workers before the pool gives up and closes. @default 60000 */
  readonly timeoutMs?: number;
  /**
   * Polls of its wake-up slot a worker makes before it sleeps in `Atomics.wait`. Polling saves
   * the wake-up only if the next call comes within the polls, and takes a core from the main
   * thread meanwhile; on 2 cores it measured slower at every setting tried (200 to 20000), so
   * workers sleep at once by default. @default 0
   */
  readonly spin?: number;
}

/** The options with their defaults filled in. */
export type ResolvedPoolOptions = Required<WasmThreadPoolOptions>;

/**
 * Fills in the defaults and checks every option.
 * @param owner - names the caller in messages.
 * @throws ArgumentError for a value that is not a module, memory, thread count, positive
 *   timeout or non-negative poll count, or an unshared memory for more than one thread.
 */
export function resolvePoolOptions(owner: string, options: WasmThreadPoolOptions): ResolvedPoolOptions {
  const { module, memory, importsSource = DEFAULT_IMPORTS_SOURCE, timeoutMs = 60_000, spin = 0 } = options;
  if (!(module instanceof wasm.Module)) {
    throw new ArgumentError(`${owner}: module must be a WebAssembly.Module, found ${String(module)}`);
  }
  if (!(memory instanceof wasm.Memory)) {
    throw new ArgumentError(`${owner}: memory must be a WebAssembly.Memory, found ${String(memory)}`);
  }
  const threads = parseKernelThreads(options.threads ?? getKernelThreads(), `${owner}: threads`);
  if (threads > 1 && !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new ArgumentError(
      `${owner}: memory must be shared (new WebAssembly.Memory({ ..., shared: true })) for ${threads} threads, ` +
        'found an unshared memory',
    );
  }
  if (typeof importsSource !== 'string') {
    throw new ArgumentError(`${owner}: importsSource must be JavaScript source text, found ${typeof importsSource}`);
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new ArgumentError(`${owner}: timeoutMs must be a number > 0, found ${String(timeoutMs)}`);
  }
  if (!Number.isInteger(spin) || spin < 0) {
    throw new ArgumentError(`${owner}: spin must be an integer >= 0, found ${String(spin)}`);
  }
  return { module, memory, threads, importsSource, timeoutMs, spin };
}
