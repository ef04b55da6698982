import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Tensor } from '../ops/tensor.js';
import { fmtShape } from '../ops/errors.js';

/**
 * The wire format of `parallelMap`: how an item crosses between the main thread and a
 * worker, in both directions.
 *
 * An item crosses as `{ value, tensors }`. `value` is the item with every Tensor replaced
 * by `null`; `tensors` lists those Tensors as `{ path, data, shape }`, where `path` is the
 * chain of keys from the item to the tensor (`[]` when the item is itself a Tensor, `['x']`
 * for a Sample's input, `['parts', 1]` inside an array). Tensors are looked for in the item
 * and, recursively, in its plain objects and arrays (not in Maps, class instances or
 * cycles); everything else crosses by structured clone, so it must be cloneable.
 *
 * `data` is a `Float32Array` whose `ArrayBuffer` is in the message's transfer list: it is
 * moved to the other thread without a copy, and left detached (empty) on the sending side.
 * The receiver rebuilds each entry as `new Tensor(data, shape)` with its own `Tensor` class.
 * Only the values cross: `requiresGrad`, `grad` and the autograd graph do not.
 *
 * Which buffers are moved rather than copied first:
 * - a worker's results are moved when the Float32Array spans its whole buffer (a fresh
 *   tensor); a view into a larger buffer is copied, then the copy is moved;
 * - the main thread's inputs are copied, then the copy is moved, unless `move` is set
 *   (`parallelMap`'s `transferInputs`): then they are moved like results, so the upstream
 *   tensors become unusable. Upstream items are shared (`fromArray` replays the same
 *   objects every epoch), so moving them is opt-in.
 * A buffer shared by several tensors of one item is sent once and stays shared.
 */
export interface Wire {
  readonly value: unknown;
  readonly tensors: readonly WireTensor[];
}

/** One Tensor on the wire: where it sits in the item, its values and its shape. */
export interface WireTensor {
  readonly path: readonly (string | number)[];
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/** Replaces the Tensors in `item` as the wire format says; returns the buffers to transfer. */
export function encodeWire(item: unknown, move: boolean): { wire: Wire; transfer: ArrayBuffer[] } {
  const tensors: WireTensor[] = [];
  const transfer: ArrayBuffer[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (isTensor(value)) {
      tensors.push({ path, data: sendable(value, path, move, transfer), shape: [...value.shape] });
      return null;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) copy[key] = walk(v, [...path, key]);
      return copy;
    }
    return value;
  };
  const value = walk(item, []);
  return { wire: { value, tensors }, transfer };
}

/** Rebuilds the item a `Wire` describes, with real Tensors. */
export function decodeWire(wire: Wire): unknown {
  let root = wire.value;
  for (const { path, data, shape } of wire.tensors) {
    const tensor = new Tensor(data, shape);
    if (path.length === 0) {
      root = tensor;
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[path[path.length - 1]] = tensor;
  }
  return root;
}

/** A Tensor of this copy of the library, or of another copy (the ESM and CJS builds, say). */
function isTensor(value: unknown): value is Tensor {
  if (value instanceof Tensor) return true;
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { constructor?: { name?: string }; data?: unknown; shape?: unknown };
  return candidate.constructor?.name === 'Tensor' && candidate.data instanceof Float32Array && Array.isArray(candidate.shape);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The Float32Array to send for `tensor`, its buffer added once to `transfer`. */
function sendable(tensor: Tensor, path: readonly (string | number)[], move: boolean, transfer: ArrayBuffer[]): Float32Array {
  const data = tensor.data;
  const size = tensor.shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new Error(
      `the tensor at ${pathName(path)} has ${data.length} values but its shape ${fmtShape(tensor.shape)} needs ${size}; ` +
        'its buffer was probably moved to another thread already (transferInputs, or a tensor returned twice)',
    );
  }
  // A SharedArrayBuffer cannot be transferred, and moving a view's buffer would take its neighbours along.
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && isArrayBuffer(data.buffer);
  const sent = move && whole ? data : data.slice();
  const buffer = sent.buffer as ArrayBuffer;
  if (!transfer.includes(buffer)) transfer.push(buffer);
  return sent;
}

function isArrayBuffer(buffer: ArrayBufferLike): buffer is ArrayBuffer {
  return Object.prototype.toString.call(buffer) === '[object ArrayBuffer]';
}

function pathName(path: readonly (string | number)[]): string {
  return path.length === 0 ? 'the item itself' : path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('').replace(/^\./, '');
}

/**
 * The URL of the built ESM ops entry (`dist/ops/index.js`), which workers import `Tensor`
 * from. User transform modules import `streamgrad/ops` (or `streamgrad`), which resolves to
 * the same file, so within a worker the transform and the wire share one `Tensor` class and
 * the ops' `instanceof Tensor` checks pass.
 *
 * Found next to this module: in the build it lives in `dist/` or `dist/streams/`; from the
 * TypeScript sources (vitest, tsx) it is `src/streams/`, and workers then use the package's
 * built `dist/` (plain Node cannot load `.ts` in a worker, and on Node 20 tsx's loader does
 * not register itself in worker threads).
 */
export function builtOpsEntry(): URL {
  const here = thisModuleUrl();
  for (const candidate of ['./ops/index.js', '../ops/index.js', '../../dist/ops/index.js']) {
    const url = new URL(candidate, here);
    if (existsSync(url)) return url;
  }
  throw new Error(
    `parallelMap: cannot find the built ops entry (dist/ops/index.js) that workers load Tensor from, near ${here}; ` +
      'when running from the TypeScript sources, run `npm run build` first',
  );
}

/**
 * This module's file URL, read from the call stack: `import.meta.url` would do in the ESM
 * build, but tsup copies `import.meta` verbatim into the CommonJS build, where it is a
 * syntax error that breaks the whole chunk.
 */
function thisModuleUrl(): string {
  const { prepareStackTrace, stackTraceLimit } = Error;
  let file: string | null | undefined;
  try {
    Error.prepareStackTrace = (_error, callSites) => callSites;
    Error.stackTraceLimit = 1;
    file = (new Error().stack as unknown as NodeJS.CallSite[])[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (typeof file !== 'string') throw new Error('parallelMap: cannot tell where the streamgrad module is installed');
  return file.startsWith('file:') ? file : pathToFileURL(file).href;
}

/**
 * The worker's source: plain JavaScript run with `eval: true`, so it needs no build entry
 * of its own and runs the same from the sources and from `dist/`. `workerData` is
 * `{ moduleUrl, exportName, tensorModule }`. It imports `Tensor` from `tensorModule` and
 * the transform from `moduleUrl`, then answers each `{ index, payload: Wire }` with
 * `{ kind: 'result', index, payload: Wire }` or `{ kind: 'error', index, error }`; a module
 * that cannot be loaded, or lacks the export, is reported once as `{ kind: 'fatal', error }`.
 * Its `encode` / `decode` mirror `encodeWire(result, true)` / `decodeWire` above.
 */
export const parallelMapWorkerSource = String.raw`
'use strict';
// Runs as CommonJS or, when the process has --input-type=module (which workers inherit), as
// an ES module: so no require() and no static import, only import().

function info(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

function fatal(parentPort, message, error) {
  parentPort.postMessage({ kind: 'fatal', error: { ...info(error), message: message + ': ' + info(error).message } });
}

function decode(wire, Tensor) {
  let root = wire.value;
  for (const { path, data, shape } of wire.tensors) {
    const tensor = new Tensor(data, shape);
    if (path.length === 0) { root = tensor; continue; }
    let parent = root;
    for (const key of path.slice(0, -1)) parent = parent[key];
    parent[path[path.length - 1]] = tensor;
  }
  return root;
}

function encode(item, Tensor) {
  const tensors = [];
  const transfer = [];
  const isTensor = (v) => v instanceof Tensor ||
    (v !== null && typeof v === 'object' && v.constructor && v.constructor.name === 'Tensor' && v.data instanceof Float32Array && Array.isArray(v.shape));
  const isPlain = (v) => v !== null && typeof v === 'object' &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
  const walk = (v, path) => {
    if (isTensor(v)) {
      const size = v.shape.reduce((a, b) => a * b, 1);
      if (v.data.length !== size) {
        throw new Error('the transform returned a tensor (at ' + (path.join('.') || 'the top') + ') with ' + v.data.length +
          ' values for shape [' + v.shape.join(',') + ']: its buffer was moved to the main thread with an earlier result; return fresh tensors (copy constants)');
      }
      const whole = v.data.byteOffset === 0 && v.data.byteLength === v.data.buffer.byteLength &&
        Object.prototype.toString.call(v.data.buffer) === '[object ArrayBuffer]';
      const data = whole ? v.data : v.data.slice();
      if (!transfer.includes(data.buffer)) transfer.push(data.buffer);
      tensors.push({ path, data, shape: [...v.shape] });
      return null;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (isPlain(v)) {
      const copy = {};
      for (const [key, x] of Object.entries(v)) copy[key] = walk(x, [...path, key]);
      return copy;
    }
    return v;
  };
  const value = walk(item, []);
  return { wire: { value, tensors }, transfer };
}

async function main() {
  const { parentPort, workerData } = await import('node:worker_threads');
  const { moduleUrl, exportName, tensorModule } = workerData;
  let Tensor;
  try {
    ({ Tensor } = await import(tensorModule));
  } catch (error) {
    return fatal(parentPort, 'cannot load Tensor from ' + tensorModule, error);
  }
  let module;
  try {
    module = await import(moduleUrl);
  } catch (error) {
    const hint = error && error.code === 'ERR_UNKNOWN_FILE_EXTENSION' ? ' (workers load plain JavaScript: write the transform as .mjs/.js)' : '';
    return fatal(parentPort, 'cannot load the transform module ' + moduleUrl + hint, error);
  }
  const transform = module[exportName];
  if (typeof transform !== 'function') {
    const names = Object.keys(module).join(', ') || 'none';
    return fatal(parentPort, moduleUrl + ' has no function export ' + JSON.stringify(exportName), 'its exports: ' + names);
  }
  parentPort.on('message', async ({ index, payload }) => {
    let reply;
    try {
      const result = await transform(decode(payload, Tensor), index);
      const { wire, transfer } = encode(result, Tensor);
      reply = () => parentPort.postMessage({ kind: 'result', index, payload: wire }, transfer);
    } catch (error) {
      reply = () => parentPort.postMessage({ kind: 'error', index, error: info(error) });
    }
    try {
      reply();
    } catch (error) {
      parentPort.postMessage({ kind: 'error', index, error: info(new Error('its result cannot be sent to the main thread: ' + info(error).message)) });
    }
  });
}

main();
`;
