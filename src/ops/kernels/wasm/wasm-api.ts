/**
 * The slice of the JavaScript `WebAssembly` API the kernels use, typed here because the
 * project's TypeScript libraries (ES2022 and Node's types, no DOM) do not declare it.
 */

/** A compiled module; it can be posted to a worker and instantiated there on the same memory. */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

/** A `WebAssembly.Memory`; for a shared memory, `buffer` is a `SharedArrayBuffer`. */
export interface WasmMemory {
  /** The memory's bytes as they are now; a new buffer object after every `grow`. */
  readonly buffer: ArrayBufferLike;
  /** Adds `pages` pages of 64 KiB; returns the previous size in pages. */
  grow(pages: number): number;
}

/** The constructors of the global `WebAssembly` object. */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => {
    readonly exports: Record<string, unknown>;
  };
}

/** The global `WebAssembly` object (present in every Node version the package supports). */
export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
