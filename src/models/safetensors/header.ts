import { CheckpointError } from '../errors.js';
import { DTYPES, type DType, isDType } from './dtypes.js';
import { JsonCursor, firstInvalidUtf8 } from './json-cursor.js';

/** The largest header the reference implementation accepts, in bytes (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor as the header describes it, with the file offsets of its parts for messages. */
export interface TensorEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Start of the data, relative to the data buffer (the bytes after the header). */
  readonly begin: number;
  /** End of the data (exclusive), relative to the data buffer. */
  readonly end: number;
  /** File offset of the tensor's name in the header. */
  readonly at: number;
  /** File offset of the `shape` value. */
  readonly shapeAt: number;
  /** File offset of the `data_offsets` value. */
  readonly offsetsAt: number;
}

/** A validated header: every entry fits the data buffer, which the entries tile exactly. */
export interface SafetensorsHeader {
  /** The header length N from the first 8 bytes. */
  readonly headerBytes: number;
  /** File offset of the data buffer, `8 + N`. */
  readonly dataStart: number;
  /** Length of the data buffer in bytes. */
  readonly dataBytes: number;
  /** The tensors in the order the header lists them. */
  readonly entries: readonly TensorEntry[];
  /** The `__metadata__` strings, or `null` when the header has none. */
  readonly metadata: Readonly<Record<string, string>> | null;
}

/** A raw entry before its fields are known to be complete. */
interface PartialEntry {
  dtype?: { value: string; at: number };
  shape?: { value: number[]; at: number };
  offsets?: { value: number[]; at: number };
}

/**
 * Parses and validates a safetensors header, touching no tensor data. Layout: 8 bytes
 * little-endian unsigned N, N bytes of UTF-8 JSON, then the data buffer. Checks, in order:
 * N ≤ 100,000,000 and 8 + N ≤ file length; the JSON is UTF-8, an object, without duplicate
 * keys; every entry is exactly `{dtype, shape, data_offsets}` with a known dtype and integer
 * values ≤ 2^53 − 1; `__metadata__` maps strings to strings; `begin ≤ end ≤ data length`;
 * `end − begin = product(shape) · size(dtype)`; sorted by offset, the entries tile the data
 * buffer from 0 to its end with no gap, overlap or trailing byte.
 *
 * @param source - names the file in messages (default `safetensors`).
 * @throws CheckpointError naming the tensor, when there is one, and the file byte offset.
 */
export function parseHeader(bytes: Uint8Array, source = 'safetensors'): SafetensorsHeader {
  const fail = (at: number, message: string, tensor?: string): never => {
    const where = tensor === undefined ? '' : `tensor ${quote(tensor)}: `;
    throw new CheckpointError(`${source}: ${where}${message} at byte ${at}`);
  };
  if (bytes.length < 8) fail(0, `the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(0, `header length ${declared} is over the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerBytes = Number(declared);
  if (headerBytes > bytes.length - 8) {
    fail(0, `header length ${headerBytes} runs past the end of the file (${bytes.length} bytes leave at most ${bytes.length - 8})`);
  }
  const dataStart = 8 + headerBytes;
  const bad = firstInvalidUtf8(bytes, 8, dataStart);
  if (bad >= 0) fail(bad, 'the header is not valid UTF-8');

  // Syntax errors inside an entry name its tensor: `reading` is the entry being read.
  let reading: string | undefined;
  const cursor = new JsonCursor(bytes, 8, dataStart, (at, message) => fail(at, message, reading));
  const entries: TensorEntry[] = [];
  const names = new Set<string>();
  let metadata: Record<string, string> | null = null;
  cursor.readObject('the header', (name, at) => {
    if (names.has(name)) {
      const tensor = name === '__metadata__' ? undefined : name;
      fail(at, `duplicate key ${quote(name)} in the header (JSON.parse would silently keep the last)`, tensor);
    }
    names.add(name);
    if (name === '__metadata__') {
      metadata = readMetadata(cursor, (where, message) => fail(where, message));
    } else {
      reading = name;
      entries.push(readEntry(cursor, name, at, (where, message) => fail(where, message, name)));
      reading = undefined;
    }
  });
  cursor.skipWhitespace();
  if (cursor.pos < dataStart) fail(cursor.pos, `expected only whitespace after the header's JSON object, found ${cursor.describe()}`);

  const dataBytes = bytes.length - dataStart;
  for (const entry of entries) checkEntry(entry, dataBytes, (where, message) => fail(where, message, entry.name));
  checkTiling(entries, dataStart, dataBytes, fail);
  return { headerBytes, dataStart, dataBytes, entries, metadata };
}

/** Reads `{ "dtype": .., "shape": [..], "data_offsets": [b, e] }`, refusing other, duplicate or missing fields. */
function readEntry(cursor: JsonCursor, name: string, at: number, fail: (at: number, message: string) => never): TensorEntry {
  const fields: PartialEntry = {};
  cursor.readObject('the entry', (field, fieldAt) => {
    const valueAt = cursor.pos;
    if (field === 'dtype' || field === 'shape' || field === 'data_offsets') {
      const key = field === 'data_offsets' ? 'offsets' : field;
      if (fields[key] !== undefined) fail(fieldAt, `duplicate field '${field}'`);
      if (key === 'dtype') fields.dtype = { value: cursor.readString('dtype'), at: valueAt };
      if (key === 'shape') fields.shape = { value: readIntegers(cursor, 'shape'), at: valueAt };
      if (key === 'offsets') fields.offsets = { value: readIntegers(cursor, 'data_offsets'), at: valueAt };
    } else {
      fail(fieldAt, `unknown field ${quote(field)} (expected exactly dtype, shape, data_offsets)`);
    }
  });
  const { dtype, shape, offsets } = fields;
  if (dtype === undefined) return fail(at, "missing field 'dtype'");
  if (shape === undefined) return fail(at, "missing field 'shape'");
  if (offsets === undefined) return fail(at, "missing field 'data_offsets'");
  if (!isDType(dtype.value)) {
    fail(dtype.at, `unknown dtype ${quote(dtype.value)} (streamgrad reads ${Object.keys(DTYPES).join(', ')})`);
  }
  if (offsets.value.length !== 2) {
    fail(offsets.at, `data_offsets must be [begin, end], found ${offsets.value.length} numbers`);
  }
  const [begin, end] = offsets.value;
  return { name, dtype: dtype.value as DType, shape: shape.value, begin, end, at, shapeAt: shape.at, offsetsAt: offsets.at };
}

/** Reads `[n, n, ...]` of non-negative safe integers. */
function readIntegers(cursor: JsonCursor, what: string): number[] {
  const out: number[] = [];
  cursor.expect('[', `${what} to be an array`);
  if (cursor.tryConsume(']')) return out;
  do {
    out.push(cursor.readInteger(`${what}[${out.length}]`));
  } while (cursor.tryConsume(','));
  cursor.expect(']', `',' or ']' in ${what}`);
  return out;
}

/** Reads `__metadata__`: an object of strings to strings, without duplicate keys. */
function readMetadata(cursor: JsonCursor, fail: (at: number, message: string) => never): Record<string, string> {
  const out: Record<string, string> = {};
  cursor.readObject('__metadata__', (key, at) => {
    if (Object.hasOwn(out, key)) fail(at, `duplicate key ${quote(key)} in __metadata__`);
    define(out, key, cursor.readString(`__metadata__ value ${quote(key)}`));
  });
  return out;
}

/** Checks one entry against its dtype and the data buffer: `begin ≤ end ≤ dataBytes`, size matches shape. */
function checkEntry(entry: TensorEntry, dataBytes: number, fail: (at: number, message: string) => never): void {
  const { begin, end, shape, dtype } = entry;
  const offsets = `data_offsets [${begin},${end}]`;
  if (begin > end) fail(entry.offsetsAt, `${offsets} begin after they end`);
  if (end > dataBytes) fail(entry.offsetsAt, `${offsets} end past the ${dataBytes}-byte data buffer (is the file truncated?)`);
  const needed = byteSize(shape, DTYPES[dtype].size);
  if (needed !== end - begin) {
    const amount = needed === null ? `more than ${Number.MAX_SAFE_INTEGER}` : String(needed);
    fail(entry.shapeAt, `shape [${shape.join(',')}] of ${dtype} needs ${amount} bytes but ${offsets} span ${end - begin}`);
  }
}

/**
 * `product(shape) · size` in bytes, or `null` once it passes 2^53 − 1 (where a hostile shape
 * would make the float product inexact).
 */
function byteSize(shape: readonly number[], size: number): number | null {
  if (shape.includes(0)) return 0;
  let bytes = size;
  for (const dim of shape) {
    bytes *= dim;
    if (bytes > Number.MAX_SAFE_INTEGER) return null;
  }
  return bytes;
}

/** Sorted by offset, the entries must cover `[0, dataBytes)` exactly, each starting where the last ended. */
function checkTiling(
  entries: readonly TensorEntry[],
  dataStart: number,
  dataBytes: number,
  fail: (at: number, message: string, tensor?: string) => never,
): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: TensorEntry | null = null;
  for (const entry of sorted) {
    const offsets = `data_offsets [${entry.begin},${entry.end}]`;
    const after = previous === null ? 'the start of the data buffer' : `${quote(previous.name)} [${previous.begin},${previous.end}]`;
    if (entry.begin > covered) fail(entry.offsetsAt, `${offsets} leave a gap of ${entry.begin - covered} bytes after ${after}`, entry.name);
    if (entry.begin < covered) fail(entry.offsetsAt, `${offsets} overlap ${after}`, entry.name);
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataBytes) {
    fail(dataStart + covered, `the tensors cover ${covered} bytes of the ${dataBytes}-byte data buffer, leaving ${dataBytes - covered} trailing bytes`);
  }
}

/** Adds an own enumerable property, so a key such as `__proto__` is data, not a prototype change. */
export function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A name for messages, quoted and cut to 80 characters so a hostile name cannot flood them. */
function quote(name: string): string {
  return name.length > 80 ? `'${name.slice(0, 77)}...'` : `'${name}'`;
}
