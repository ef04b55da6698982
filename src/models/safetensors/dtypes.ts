/**
 * Element types of the safetensors format and how streamgrad turns each into float32.
 * Every tensor in streamgrad owns a `Float32Array`, so readers convert and the writer
 * writes `F32` only.
 */

/** The safetensors dtypes streamgrad reads (the reference's names). FP8 types are not read. */
export type DType = 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** How to decode one dtype: its size in bytes and a converter from little-endian bytes to float32. */
export interface DTypeReader {
  /** Bytes per element. */
  readonly size: number;
  /** Decodes `count` elements starting at `begin` (any alignment) into a new `Float32Array`. */
  decode(bytes: Uint8Array, begin: number, count: number): Float32Array;
}

/** True on little-endian hosts, where float32 bytes can be copied as they are. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes an IEEE-754-style binary float from its bits, for the 16-bit formats:
 * `(−1)^s · 2^(e − bias) · (1 + m / 2^mantissaBits)` for normal numbers,
 * `(−1)^s · 2^(1 − bias) · m / 2^mantissaBits` for subnormals (e = 0), ±∞ or NaN for e all ones,
 * with `bias = 2^(exponentBits − 1) − 1`. F16 is (5, 10), BF16 is (8, 7); both are exact in float32.
 * For example `0x3c00` as F16 is 1 and `0xc000` as BF16 is −2.
 */
export function decodeFloatBits(bits: number, exponentBits: number, mantissaBits: number): number {
  const sign = (bits >> (exponentBits + mantissaBits)) & 1 ? -1 : 1;
  const exponentMax = (1 << exponentBits) - 1;
  const exponent = (bits >> mantissaBits) & exponentMax;
  const mantissa = bits & ((1 << mantissaBits) - 1);
  const bias = exponentMax >> 1;
  const scale = 2 ** mantissaBits;
  if (exponent === exponentMax) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * 2 ** (1 - bias) * (mantissa / scale);
  return sign * 2 ** (exponent - bias) * (1 + mantissa / scale);
}

/** A reader that goes element by element through a little-endian `DataView`. */
function perElement(size: number, get: (view: DataView, at: number) => number): DTypeReader {
  return {
    size,
    decode(bytes, begin, count) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + begin, count * size);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = get(view, i * size);
      return out;
    },
  };
}

/** F32: one copy of the bytes into a fresh, aligned `Float32Array` (whatever the source alignment). */
const float32: DTypeReader = {
  size: 4,
  decode(bytes, begin, count) {
    if (!LITTLE_ENDIAN) return perElement(4, (v, at) => v.getFloat32(at, true)).decode(bytes, begin, count);
    const out = new Float32Array(count);
    new Uint8Array(out.buffer).set(bytes.subarray(begin, begin + 4 * count));
    return out;
  },
};

/**
 * The readers, by dtype. Integers become the nearest float32: exact up to 2^24 in magnitude,
 * rounded beyond (I64 and U64 go through a float64 first). BOOL is 0 for a zero byte, 1 otherwise.
 */
export const DTYPES: Readonly<Record<DType, DTypeReader>> = Object.freeze({
  BOOL: perElement(1, (v, at) => (v.getUint8(at) === 0 ? 0 : 1)),
  U8: perElement(1, (v, at) => v.getUint8(at)),
  I8: perElement(1, (v, at) => v.getInt8(at)),
  I16: perElement(2, (v, at) => v.getInt16(at, true)),
  U16: perElement(2, (v, at) => v.getUint16(at, true)),
  F16: perElement(2, (v, at) => decodeFloatBits(v.getUint16(at, true), 5, 10)),
  BF16: perElement(2, (v, at) => decodeFloatBits(v.getUint16(at, true), 8, 7)),
  I32: perElement(4, (v, at) => v.getInt32(at, true)),
  U32: perElement(4, (v, at) => v.getUint32(at, true)),
  F32: float32,
  F64: perElement(8, (v, at) => v.getFloat64(at, true)),
  I64: perElement(8, (v, at) => Number(v.getBigInt64(at, true))),
  U64: perElement(8, (v, at) => Number(v.getBigUint64(at, true))),
});

/** Whether `name` is a dtype streamgrad reads (own keys only, so `'toString'` is not one). */
export function isDType(name: string): name is DType {
  return Object.hasOwn(DTYPES, name);
}

/**
 * Writes `data` as little-endian float32 into `out` at byte `offset` (the F32 writer).
 * On little-endian hosts this copies the bytes, so NaN payloads survive bit for bit.
 */
export function encodeFloat32(data: Float32Array, out: Uint8Array, offset: number): void {
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, data.byteLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
}
