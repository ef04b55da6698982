/**
 * The part of the JavaScript `WebAssembly` API the thread pool uses, typed here because the
 * project's TypeScript libraries (ES2022 and Node's types, no DOM) do not declare it. The types
 * are structural and loose on purpose, so any module or memory object a kernel already holds
 * can be passed in; the pool checks the real classes at run time.
 */

/** A compiled `WebAssembly.Module`. */
export type WasmModuleLike = object;

/** A `WebAssembly.Memory`; shared when `buffer` is a `SharedArrayBuffer`. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
}

/** An import object: `{ env: { memory, abort } }`. */
export type WasmImports = Record<string, Record<string, unknown>>;

/** An instance's exports, by name. */
export type WasmExports = Record<string, unknown>;

/** The constructors and helpers of the global `WebAssembly` object the pool relies on. */
export interface WasmThreadsApi {
  Module: (new (bytes: Uint8Array) => WasmModuleLike) & {
    exports(module: WasmModuleLike): Array<{ name: string; kind: string }>;
  };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryLike;
  Instance: new (module: WasmModuleLike, imports: WasmImports) => { readonly exports: WasmExports };
}

/** The global `WebAssembly` object (present in every Node version the package supports). */
export const wasm: WasmThreadsApi = (globalThis as unknown as { WebAssembly: WasmThreadsApi }).WebAssembly;
