import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { CheckpointError } from '../../../src/models/errors.js';
import { readSafetensors } from '../../../src/models/safetensors/read.js';
import { FIXTURES } from '../../fixtures/safetensors/make-fixtures.js';

const folder = fileURLToPath(new URL('../../fixtures/safetensors/', import.meta.url));

function load(file: string): Uint8Array {
  return readFileSync(`${folder}${file}.safetensors`);
}

/** Each hostile fixture and the exact message it must produce (after the `safetensors: ` prefix). */
const REJECTED: [string, string][] = [
  ['too-short', 'the file has 5 bytes, fewer than the 8 of the header length at byte 0'],
  ['header-over-limit', 'header length 100000001 is over the limit of 100000000 bytes at byte 0'],
  ['header-past-end', 'header length 1000 runs past the end of the file (10 bytes leave at most 2) at byte 0'],
  ['header-length-u64-max', 'header length 18446744073709551615 is over the limit of 100000000 bytes at byte 0'],
  ['invalid-utf8', 'the header is not valid UTF-8 at byte 11'],
  ['truncated-json', "tensor 'a': expected ',' or '}' in the entry, found the end of the header at byte 27"],
  ['not-an-object', 'expected the header to be an object, found an array at byte 8'],
  ['utf8-bom', 'expected the header to be an object, found byte 0xef at byte 8'],
  ['garbage-after-json', "expected only whitespace after the header's JSON object, found 'x' at byte 62"],
  ['duplicate-tensor', "tensor 'a': duplicate key 'a' in the header (JSON.parse would silently keep the last) at byte 62"],
  ['duplicate-field', "tensor 'a': duplicate field 'shape' at byte 40"],
  ['duplicate-metadata-key', "duplicate key 'epoch' in __metadata__ at byte 37"],
  ['unknown-field', "tensor 'a': unknown field 'stride' (expected exactly dtype, shape, data_offsets) at byte 61"],
  ['missing-field', "tensor 'a': missing field 'data_offsets' at byte 9"],
  [
    'unknown-dtype',
    "tensor 'a': unknown dtype 'F8_E4M3' (streamgrad reads BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64) at byte 22",
  ],
  ['dtype-tostring', "tensor 'a': unknown dtype 'toString' (streamgrad reads BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64) at byte 22"],
  ['negative-dim', "tensor 'a': expected shape[0] to be a non-negative integer, found -2 at byte 37"],
  ['float-dim', "tensor 'a': expected shape[0] to be a non-negative integer, found 2.0 at byte 37"],
  ['leading-zero', "tensor 'a': invalid JSON number 08 at byte 58"],
  [
    'offset-above-2-53',
    "tensor 'a': data_offsets[1] 9007199254740993 is above 2^53 - 1 = 9007199254740991, beyond what a JavaScript number holds exactly at byte 57",
  ],
  [
    'shape-overflow',
    "tensor 'a': shape [4294967296,4294967296,4294967296] of F32 needs more than 9007199254740991 bytes but data_offsets [0,8] span 8 at byte 36",
  ],
  ['size-mismatch', "tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets [0,8] span 8 at byte 36"],
  ['begin-after-end', "tensor 'a': data_offsets [8,0] begin after they end at byte 55"],
  ['gap', "tensor 'b': data_offsets [12,20] leave a gap of 4 bytes after 'a' [0,8] at byte 108"],
  ['overlap', "tensor 'b': data_offsets [4,12] overlap 'a' [0,8] at byte 108"],
  ['trailing-bytes', 'the tensors cover 8 bytes of the 12-byte data buffer, leaving 4 trailing bytes at byte 70'],
  ['truncated-data', "tensor 'a': data_offsets [0,8] end past the 4-byte data buffer (is the file truncated?) at byte 55"],
  ['metadata-not-string', "expected __metadata__ value 'epoch' to be a string, found a number at byte 33"],
  ['control-char-in-name', 'control character 0x0a in a string (JSON needs it escaped) at byte 11'],
  ['deep-nesting', "tensor 'a': expected the entry to be an object, found an array at byte 13"],
];

describe('safetensors fixtures', () => {
  test.each(FIXTURES.map((f) => [f.file, f] as const))('the committed %s matches its builder in make-fixtures.ts', (file, fixture) => {
    expect(Buffer.from(load(file)).equals(Buffer.from(fixture.bytes))).toBe(true);
  });

  test('every fixture has an expected outcome here', () => {
    const covered = [...REJECTED.map(([file]) => file), 'valid-proto-name', 'valid-unaligned'].sort();
    expect(covered).toEqual(FIXTURES.map((f) => f.file).sort());
  });

  test.each(REJECTED)('%s is rejected with its message', (file, message) => {
    const bytes = load(file);
    expect(() => readSafetensors(bytes)).toThrow(CheckpointError);
    expect(() => readSafetensors(bytes)).toThrow(`safetensors: ${message}`);
  });

  test('valid-proto-name loads a tensor named __proto__ as an own entry', () => {
    const { tensors } = readSafetensors(load('valid-proto-name'));
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
  });

  test('valid-unaligned loads float32 data that starts at byte 69', () => {
    expect(readSafetensors(load('valid-unaligned')).tensors.a.toArray()).toEqual([1.5, -2]);
  });
});
