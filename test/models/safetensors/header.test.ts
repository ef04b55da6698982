import { describe, expect, test } from 'vitest';
import { CheckpointError } from '../../../src/models/errors.js';
import { MAX_HEADER_BYTES, parseHeader } from '../../../src/models/safetensors/header.js';
import { build, f32 } from '../../fixtures/safetensors/make-fixtures.js';

const entry = (dtype: string, shape: number[], begin: number, end: number) =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

describe('parseHeader', () => {
  test('a header lists entries in file order with their data offsets, and the data start after it', () => {
    const file = build(`{"b":${entry('F32', [2], 8, 16)},"a":${entry('F32', [2], 0, 8)}}`, f32(1, 2, 3, 4));
    const header = parseHeader(file);
    expect(header.entries.map((e) => [e.name, e.begin, e.end])).toEqual([['b', 8, 16], ['a', 0, 8]]);
    expect(header.dataStart).toBe(file.length - 16);
    expect(header.dataBytes).toBe(16);
    expect(header.metadata).toBeNull();
  });

  test('the reference cap is 100,000,000 bytes', () => {
    expect(MAX_HEADER_BYTES).toBe(100_000_000);
  });

  test('an empty header {} with no data is a valid file of no tensors; with data it has trailing bytes', () => {
    expect(parseHeader(build('{}')).entries).toEqual([]);
    expect(() => parseHeader(build('{}', [0]))).toThrow(
      'safetensors: the tensors cover 0 bytes of the 1-byte data buffer, leaving 1 trailing bytes at byte 10',
    );
  });

  test('an empty header (N = 0) is refused', () => {
    expect(() => parseHeader(build(''))).toThrow('safetensors: expected the header to be an object, found the end of the header at byte 8');
  });

  test('JSON whitespace around the object and inside it is accepted, as serde_json does', () => {
    const file = build(` \n{ "a" : { "shape" : [ 2 ] , "data_offsets" : [0, 8], "dtype" : "F32" } }\t  `, f32(1, 2));
    expect(parseHeader(file).entries[0]).toMatchObject({ name: 'a', dtype: 'F32', shape: [2], begin: 0, end: 8 });
  });

  test('__metadata__ maps strings to strings and may come anywhere', () => {
    const file = build(`{"a":${entry('F32', [], 0, 4)},"__metadata__":{"format":"pt","note":"é"}}`, f32(7));
    expect(parseHeader(file).metadata).toEqual({ format: 'pt', note: 'é' });
  });

  test('zero-size tensors may share an offset, and scalars have shape []', () => {
    const file = build(`{"e":${entry('F32', [0, 3], 4, 4)},"s":${entry('F32', [], 0, 4)},"z":${entry('I64', [0], 4, 4)}}`, f32(1));
    expect(parseHeader(file).entries.map((e) => e.shape)).toEqual([[0, 3], [], [0]]);
  });

  test('the data of tensors may be listed in any order, as long as sorted by offset they tile the buffer', () => {
    const file = build(`{"x":${entry('U8', [1], 3, 4)},"y":${entry('U8', [3], 0, 3)}}`, [1, 2, 3, 4]);
    expect(parseHeader(file).entries.map((e) => e.name)).toEqual(['x', 'y']);
  });

  test('messages name the source and cut hostile tensor names to 80 characters', () => {
    const name = 'n'.repeat(500);
    const file = build(`{"${name}":${entry('F32', [3], 0, 8)}}`, f32(1, 2));
    expect(() => parseHeader(file, 'model.safetensors')).toThrow(
      `model.safetensors: tensor '${'n'.repeat(77)}...': shape [3] of F32 needs 12 bytes but data_offsets [0,8] span 8 at byte 535`,
    );
  });

  test('data_offsets with other than two numbers are refused', () => {
    const file = build('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}', f32(1, 2));
    expect(() => parseHeader(file)).toThrow("safetensors: tensor 'a': data_offsets must be [begin, end], found 3 numbers at byte 55");
  });

  test('missing dtype and shape are named', () => {
    expect(() => parseHeader(build('{"a":{"shape":[2],"data_offsets":[0,8]}}', f32(1, 2)))).toThrow(
      "tensor 'a': missing field 'dtype' at byte 9",
    );
    expect(() => parseHeader(build('{"a":{"dtype":"F32","data_offsets":[0,8]}}', f32(1, 2)))).toThrow("tensor 'a': missing field 'shape'");
  });

  test('a dtype that is not a string, a shape that is not an array and a metadata block that is not an object are refused', () => {
    expect(() => parseHeader(build('{"a":{"dtype":4}}'))).toThrow("tensor 'a': expected dtype to be a string, found a number at byte 22");
    expect(() => parseHeader(build('{"a":{"shape":"2"}}'))).toThrow("tensor 'a': expected shape to be an array, found a string at byte 22");
    expect(() => parseHeader(build('{"__metadata__":null}'))).toThrow("expected __metadata__ to be an object, found 'n' at byte 24");
  });

  test('a second __metadata__ is a duplicate key too', () => {
    expect(() => parseHeader(build('{"__metadata__":{},"__metadata__":{}}'))).toThrow(
      "safetensors: duplicate key '__metadata__' in the header (JSON.parse would silently keep the last) at byte 27",
    );
  });

  test('every error is a CheckpointError', () => {
    expect(() => parseHeader(new Uint8Array(3))).toThrow(CheckpointError);
    expect(() => parseHeader(build('{"a":{"shape":"2"}}'))).toThrow(CheckpointError);
  });

  test('the header length is read as a full unsigned 64-bit number, not as a float', () => {
    // 2^53 + 8 would round to 2^53 + 8 anyway; 2^64 - 8 would round to 2^64 as a double.
    const file = build('{}', [], 2n ** 64n - 8n);
    expect(() => parseHeader(file)).toThrow('header length 18446744073709551608 is over the limit');
  });
});
