/**
 * The import object a `WasmThreadPool` gives each instance of the kernel module, as JavaScript
 * source text: functions cannot be sent to a worker thread, so every thread (workers and the
 * main thread alike) evaluates the same text and calls the resulting function with the shared
 * memory.
 *
 * The text is an expression whose value is `(memory: WasmMemoryLike) => WasmImports`.
 * It is evaluated in the global scope, with no access to the caller's variables or to `require`
 * (Node's built-ins are reachable through `process.getBuiltinModule`).
 */

import type { WasmImports, WasmMemoryLike } from './wasm-types.js';

/**
 * The default imports of an AssemblyScript module compiled with `--importMemory`:
 * `{ env: { memory, abort } }`, where `abort` (what a failed `assert` or `abort()` calls) throws
 * an `Error` carrying the message, file, line and column, decoded from the module's UTF-16
 * strings.
 */
export const DEFAULT_IMPORTS_SOURCE = `(memory) => {
  const text = (pointer) => {
    if (pointer === 0) return 'null';
    const view = new DataView(memory.buffer);
    const units = Math.min(view.getUint32(pointer - 4, true) >>> 1, 1000);
    let out = '';
    for (let i = 0; i < units; i++) out += String.fromCharCode(view.getUint16(pointer + 2 * i, true));
    return out;
  };
  return {
    env: {
      memory,
      abort(message, fileName, line, column) {
        throw new Error('abort: ' + text(message) + ' at ' + text(fileName) + ':' + line + ':' + column);
      },
    },
  };
}`;

/**
 * Evaluates imports source text (see {@link DEFAULT_IMPORTS_SOURCE}) into the function that
 * builds an import object.
 * @param owner - names the caller in the error message.
 * @throws Error if the text does not evaluate to a function.
 */
export function evaluateImportsSource(source: string, owner: string): (memory: WasmMemoryLike) => WasmImports {
  const make: unknown = new Function(`return (${source});`)();
  if (typeof make !== 'function') {
    throw new Error(`${owner}: importsSource must evaluate to a function (memory) => imports, found ${typeof make}`);
  }
  return make as (memory: WasmMemoryLike) => WasmImports;
}
