import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { ArgumentError, Tensor, tensor } from '../../../src/ops/index.js';
import { readSafetensors } from '../../../src/models/safetensors/read.js';
import { compareCodePoints, writeSafetensors } from '../../../src/models/safetensors/write.js';

/** `[N: u64 LE][header][spaces to a multiple of 8][data]`, spelled out by hand as the reference lays it out. */
function referenceBytes(json: string, paddedLength: number, data: number[]): Uint8Array {
  const header = new TextEncoder().encode(json);
  const floats = new Uint8Array(new Float32Array(data).buffer);
  const out = new Uint8Array(8 + paddedLength + floats.length).fill(0x20, 8, 8 + paddedLength);
  out[0] = paddedLength; // N < 256: one byte of the little-endian u64
  out.set(header, 8);
  out.set(floats, 8 + paddedLength);
  return out;
}

const arbTensor32 = fc
  .array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })
  .chain((shape) =>
    fc
      .float32Array({ minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })
      .map((data) => new Tensor(data, shape)),
  );
const arbStateDict = fc.dictionary(
  fc.string({ unit: 'binary', maxLength: 6 }).filter((name) => name !== '__metadata__'),
  arbTensor32,
  { maxKeys: 5 },
);

function bits(t: Tensor): number[] {
  return [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)];
}

describe('writeSafetensors', () => {
  test("gives the reference's bytes for {'attn.0': [0..5] of shape [1,2,3]}: a 64-byte header, no padding", () => {
    const bytes = writeSafetensors({ 'attn.0': tensor([0, 1, 2, 3, 4, 5], [1, 2, 3]) });
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    expect([...bytes]).toEqual([...referenceBytes(json, 64, [0, 1, 2, 3, 4, 5])]);
  });

  test("pads the header with spaces to a multiple of 8, as the reference does for 'attn0' (65 -> 72 bytes)", () => {
    const bytes = writeSafetensors({ attn0: tensor([0, 1, 2, 3, 4, 5], [1, 1, 2, 3]) });
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect([...bytes]).toEqual([...referenceBytes(json, 72, [0, 1, 2, 3, 4, 5])]);
    expect(bytes.subarray(8 + json.length, 80).every((b) => b === 0x20)).toBe(true);
  });

  test('an empty dict is {} and six spaces; with metadata {framework: pt} the header is 40 bytes', () => {
    expect([...writeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{}      ')]);
    const withMeta = writeSafetensors({}, { framework: 'pt' });
    expect([...withMeta]).toEqual([...referenceBytes('{"__metadata__":{"framework":"pt"}}', 40, [])]);
  });

  test('tensors are ordered by the code points of their names (UTF-8 byte order), and the data follows that order', () => {
    const names = ['b', 'a', '10', '9', 'é', '😀', '\uffff'];
    const dict = Object.fromEntries(names.map((name, i) => [name, tensor([i])]));
    const bytes = writeSafetensors(dict);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { data_offsets: number[] }>;
    const order = ['10', '9', 'a', 'b', 'é', '\uffff', '😀'];
    expect(Object.keys(header).sort((x, y) => header[x].data_offsets[0] - header[y].data_offsets[0])).toEqual(order);
    expect([...new Float32Array(bytes.slice(8 + n).buffer)]).toEqual(order.map((name) => names.indexOf(name)));
  });

  test('compareCodePoints orders astral characters after U+FFFF, unlike the default UTF-16 sort', () => {
    expect(['😀', '\uffff'].sort()).toEqual(['😀', '\uffff']);
    expect(['😀', '\uffff'].sort(compareCodePoints)).toEqual(['\uffff', '😀']);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  test('metadata comes first, its keys in code point order', () => {
    const bytes = writeSafetensors({ w: tensor([1]) }, { z: '1', a: 'x"y' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd()).toBe(
      '{"__metadata__":{"a":"x\\"y","z":"1"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
    );
  });

  prop.prop([arbStateDict], { numRuns: 30 })('for any named float32 tensors, reading what was written gives the same names, shapes and bits', (dict) => {
    const { tensors } = readSafetensors(writeSafetensors(dict));
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(dict).sort());
    for (const [name, t] of Object.entries(dict)) {
      expect(tensors[name].shape).toEqual(t.shape);
      expect(bits(tensors[name])).toEqual(bits(t));
    }
  });

  prop.prop([arbStateDict, fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 })], { numRuns: 30 })(
    'for any tensors and metadata, the header is a multiple of 8 bytes and writing is deterministic through a read',
    (dict, metadata) => {
      const bytes = writeSafetensors(dict, metadata);
      expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
      const back = readSafetensors(bytes);
      expect(back.metadata).toEqual(metadata);
      expect(writeSafetensors(back.tensors, back.metadata ?? undefined)).toEqual(bytes);
    },
  );

  test('a value that is not a Tensor, a metadata value that is not a string, and the reserved name are ArgumentErrors', () => {
    expect(() => writeSafetensors({ w: [1, 2] as unknown as Tensor })).toThrow(ArgumentError);
    expect(() => writeSafetensors({ w: [1, 2] as unknown as Tensor })).toThrow("writeSafetensors: 'w' must be a Tensor, found object");
    expect(() => writeSafetensors({ __metadata__: tensor([1]) })).toThrow(
      "writeSafetensors: '__metadata__' is reserved for the metadata and cannot name a tensor",
    );
    expect(() => writeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(
      "writeSafetensors: metadata 'epoch' must be a string, found number (safetensors metadata holds strings only)",
    );
    expect(() => writeSafetensors(null as unknown as Record<string, Tensor>)).toThrow(
      'writeSafetensors: expected an object of named tensors, found null',
    );
  });
});
