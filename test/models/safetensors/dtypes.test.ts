import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { DTYPES, type DType, decodeFloatBits, encodeFloat32, isDType } from '../../../src/models/safetensors/dtypes.js';

/** Bytes written little-endian through a DataView, for building inputs by hand. */
function bytesOf(size: number, values: readonly (number | bigint)[], set: (v: DataView, at: number, x: never) => void): Uint8Array {
  const out = new Uint8Array(size * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * size, x as never));
  return out;
}

function decode(dtype: DType, bytes: Uint8Array): number[] {
  return [...DTYPES[dtype].decode(bytes, 0, bytes.length / DTYPES[dtype].size)];
}

describe('safetensors dtypes', () => {
  test('F16 worked examples: 1, -2, the largest half 65504, the smallest subnormal 2^-24, ±∞, NaN', () => {
    expect(decodeFloatBits(0x3c00, 5, 10)).toBe(1);
    expect(decodeFloatBits(0xc000, 5, 10)).toBe(-2);
    expect(decodeFloatBits(0x7bff, 5, 10)).toBe(65504);
    expect(decodeFloatBits(0x0001, 5, 10)).toBe(2 ** -24);
    expect(decodeFloatBits(0x3555, 5, 10)).toBe(0.333251953125);
    expect(decodeFloatBits(0x7c00, 5, 10)).toBe(Infinity);
    expect(decodeFloatBits(0xfc00, 5, 10)).toBe(-Infinity);
    expect(decodeFloatBits(0x7e00, 5, 10)).toBeNaN();
    expect(Object.is(decodeFloatBits(0x8000, 5, 10), -0)).toBe(true);
  });

  test('BF16 worked examples: 1 is 0x3f80, pi rounds to 0x4049 = 3.140625, the smallest subnormal 2^-133', () => {
    expect(decodeFloatBits(0x3f80, 8, 7)).toBe(1);
    expect(decodeFloatBits(0x4049, 8, 7)).toBe(3.140625);
    expect(decodeFloatBits(0x0001, 8, 7)).toBe(2 ** -133);
    expect(decodeFloatBits(0xff80, 8, 7)).toBe(-Infinity);
  });

  test('every one of the 2^16 F16 patterns is exact in float32, and positive patterns increase strictly up to +∞', () => {
    const broken: number[] = [];
    let previous = -1;
    for (let bits = 0; bits <= 0x7c00; bits++) {
      const v = decodeFloatBits(bits, 5, 10);
      const negative = decodeFloatBits(bits | 0x8000, 5, 10);
      if (!(v > previous) || Math.fround(v) !== v || negative !== -v) broken.push(bits);
      previous = v;
    }
    expect(broken).toEqual([]);
  });

  prop.prop([fc.float({ noNaN: true })], { numRuns: 40 })('for any float32 x, BF16 of its top 16 bits is x with the low 16 bits cleared', (x) => {
    const f = new Float32Array([x]);
    const u = new Uint32Array(f.buffer);
    const top = u[0] >>> 16;
    u[0] = top << 16;
    const bytes = new Uint8Array([top & 0xff, top >> 8]);
    expect(decode('BF16', bytes)).toEqual([f[0]]);
  });

  test('integers convert to the nearest float32: exact to 2^24, rounded beyond (I64 through BigInt)', () => {
    const i32 = bytesOf(4, [-1, 2 ** 24, 2 ** 24 + 1, -(2 ** 31)], (v, at, x) => v.setInt32(at, x, true));
    expect(decode('I32', i32)).toEqual([-1, 2 ** 24, 2 ** 24, -(2 ** 31)]);
    const i64 = bytesOf(8, [-1n, 3n, 2n ** 53n + 1n, 2n ** 63n - 1n], (v, at, x) => v.setBigInt64(at, x, true));
    expect(decode('I64', i64)).toEqual([-1, 3, 2 ** 53, 2 ** 63]);
    const u64 = bytesOf(8, [2n ** 64n - 1n], (v, at, x) => v.setBigUint64(at, x, true));
    expect(decode('U64', u64)).toEqual([2 ** 64]);
    expect(decode('U32', bytesOf(4, [4294967295], (v, at, x) => v.setUint32(at, x, true)))).toEqual([4294967296]);
    expect(decode('I16', bytesOf(2, [-300], (v, at, x) => v.setInt16(at, x, true)))).toEqual([-300]);
    expect(decode('U16', bytesOf(2, [65535], (v, at, x) => v.setUint16(at, x, true)))).toEqual([65535]);
    expect(decode('I8', new Uint8Array([0xff, 0x7f]))).toEqual([-1, 127]);
    expect(decode('U8', new Uint8Array([0xff, 0]))).toEqual([255, 0]);
  });

  test('BOOL is 0 for a zero byte and 1 for any other byte', () => {
    expect(decode('BOOL', new Uint8Array([0, 1, 255]))).toEqual([0, 1, 1]);
  });

  test('F64 rounds to the nearest float32', () => {
    const f64 = bytesOf(8, [0.1, 1e300], (v, at, x) => v.setFloat64(at, x, true));
    expect(decode('F64', f64)).toEqual([Math.fround(0.1), Infinity]);
  });

  prop.prop(
    [fc.constantFrom(...(Object.keys(DTYPES) as DType[])), fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.integer({ min: 1, max: 7 })],
    { numRuns: 40 },
  )('for any dtype and bytes, decoding at an unaligned offset gives the same values as at offset 0', (dtype, raw, shift) => {
    const size = DTYPES[dtype].size;
    const usable = raw.subarray(0, raw.length - (raw.length % size));
    const shifted = new Uint8Array(usable.length + shift);
    shifted.set(usable, shift);
    const count = usable.length / size;
    const a = DTYPES[dtype].decode(usable, 0, count);
    const b = DTYPES[dtype].decode(shifted, shift, count);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  prop.prop([fc.float32Array({ maxLength: 20 }), fc.integer({ min: 0, max: 5 })], { numRuns: 40 })(
    'for any float32 data, encodeFloat32 then the F32 reader gives back the same bits, NaN payloads included',
    (data, offset) => {
      const out = new Uint8Array(offset + data.byteLength);
      encodeFloat32(data, out, offset);
      const back = DTYPES.F32.decode(out, offset, data.length);
      expect(new Uint32Array(back.buffer)).toEqual(new Uint32Array(data.buffer, data.byteOffset, data.length));
    },
  );

  test('encodeFloat32 writes little-endian: 1.0 is 00 00 80 3f', () => {
    const out = new Uint8Array(4);
    encodeFloat32(new Float32Array([1]), out, 0);
    expect([...out]).toEqual([0, 0, 0x80, 0x3f]);
  });

  test('isDType knows the reference names and ignores inherited properties', () => {
    expect(isDType('F32')).toBe(true);
    expect(isDType('BF16')).toBe(true);
    expect(isDType('F8_E4M3')).toBe(false);
    expect(isDType('toString')).toBe(false);
    expect(isDType('__proto__')).toBe(false);
    expect(isDType('f32')).toBe(false);
  });
});
