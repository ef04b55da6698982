import { ArgumentError, Tensor } from '../../ops/index.js';
import { encodeFloat32 } from './dtypes.js';
import { MAX_HEADER_BYTES } from './header.js';

/**
 * Encodes named tensors as a safetensors file (little-endian float32, dtype `F32`), as the
 * reference implementation lays it out: 8 bytes of header length N, the JSON header padded
 * with spaces so that N is a multiple of 8 and the data starts 8-byte aligned, then the data.
 *
 * Order: tensors are sorted by name in Unicode code point order (the byte order of their
 * UTF-8 names), and the data buffer follows the same order. The reference sorts by
 * descending dtype alignment, then by name; with a single dtype that is the same order, so a
 * dict of float32 tensors gives the same bytes as `safetensors.torch.save` (for metadata with
 * one key; the reference writes several keys in hash order, this writer in code point order).
 * The JSON is compact (no spaces), each entry `{"dtype":"F32","shape":[..],"data_offsets":[b,e]}`,
 * with `__metadata__` first when given.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { tensor } from 'streamgrad';
 * import { writeSafetensors } from 'streamgrad/models';
 * const bytes = writeSafetensors({ 'attn.0': tensor([0, 1, 2, 3, 4, 5], [1, 2, 3]) }, { format: 'pt' });
 * await writeFile('attn.safetensors', bytes); // loads with safetensors.torch.load_file
 * ```
 * @throws ArgumentError when a value is not a Tensor, a metadata value is not a string, a
 *   tensor is named `__metadata__`, or the header would exceed the 100,000,000-byte limit.
 */
export function writeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') {
    throw new ArgumentError(`writeSafetensors: expected an object of named tensors, found ${String(tensors)}`);
  }
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${metadataJson(metadata)}`);
  const names = Object.keys(tensors).sort(compareCodePoints);
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) {
      throw new ArgumentError(`writeSafetensors: '${name}' must be a Tensor, found ${t === null ? 'null' : typeof t}`);
    }
    if (name === '__metadata__') {
      throw new ArgumentError("writeSafetensors: '__metadata__' is reserved for the metadata and cannot name a tensor");
    }
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new ArgumentError(`writeSafetensors: the header would take ${headerBytes} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept`);
  }
  const out = new Uint8Array(8 + headerBytes + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const name of names) {
    const data = tensors[name].data;
    encodeFloat32(data, out, at);
    at += data.byteLength;
  }
  return out;
}

/** `{"key":"value",...}` in code point order of the keys, after checking every value is a string. */
function metadataJson(metadata: Record<string, string>): string {
  if (metadata === null || typeof metadata !== 'object') {
    throw new ArgumentError(`writeSafetensors: metadata must be an object of strings, found ${String(metadata)}`);
  }
  const keys = Object.keys(metadata).sort(compareCodePoints);
  const fields = keys.map((key) => {
    const value = metadata[key];
    if (typeof value !== 'string') {
      throw new ArgumentError(`writeSafetensors: metadata '${key}' must be a string, found ${typeof value} (safetensors metadata holds strings only)`);
    }
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${fields.join(',')}}`;
}

/**
 * Compares strings by Unicode code point, which is the byte order of their UTF-8 encodings
 * (Rust's `String` order). JavaScript's default sort compares UTF-16 units, which differs
 * when a character above U+FFFF meets one in U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate === ySurrogate) return x - y;
    return xSurrogate ? 1 : -1;
  }
  return a.length - b.length;
}
