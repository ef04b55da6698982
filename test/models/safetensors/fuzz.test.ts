import { describe, expect } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { tensor, Tensor } from '../../../src/ops/index.js';
import { CheckpointError } from '../../../src/models/errors.js';
import { readSafetensors, type SafetensorsContents } from '../../../src/models/safetensors/read.js';
import { writeSafetensors } from '../../../src/models/safetensors/write.js';

const VALID = writeSafetensors(
  {
    '0.weight': tensor([0.5, -1, 2, 3, NaN, -0], [2, 3]),
    '0.bias': tensor([1, 2]),
    '1.running_mean': tensor([7], []),
    empty: new Tensor(new Float32Array(0), [0, 4]),
  },
  { format: 'pt' },
);
const ORIGINAL = readSafetensors(VALID).tensors;
const HEADER_END = 8 + Number(new DataView(VALID.buffer).getBigUint64(0, true));

/** Text that a careless edit of a JSON header might leave behind. */
const NASTY = ['-1', '1e3', '1.0', '9007199254740993', '18446744073709551616', 'null', '"x"', '[]', '{}', '"', ',', ':', '}', ']', ' ', '\\u0000', '0', '4', '"F16"', '"__metadata__"'];

type Corruption =
  | { kind: 'set'; index: number; value: number }
  | { kind: 'truncate'; length: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'edit'; at: number; remove: number; text: string }
  | { kind: 'length'; value: bigint };

const arbCorruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), index: fc.nat({ max: VALID.length - 1 }), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: VALID.length - 1 }) }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('edit' as const),
    at: fc.integer({ min: 8, max: HEADER_END }),
    remove: fc.nat({ max: 6 }),
    text: fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 4 })),
  }),
  fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
);

function corrupt(c: Corruption): Uint8Array {
  switch (c.kind) {
    case 'set': {
      const out = VALID.slice();
      out[c.index] = c.value;
      return out;
    }
    case 'truncate':
      return VALID.slice(0, c.length);
    case 'extend':
      return new Uint8Array([...VALID, ...c.extra]);
    case 'edit': {
      // Splice into the header and fix N, so the edit reaches the JSON parser.
      const text = new TextEncoder().encode(c.text);
      const end = Math.min(c.at + c.remove, HEADER_END);
      const out = new Uint8Array([...VALID.subarray(0, c.at), ...text, ...VALID.subarray(end)]);
      new DataView(out.buffer).setBigUint64(0, BigInt(HEADER_END - 8 + text.length - (end - c.at)), true);
      return out;
    }
    case 'length': {
      const out = VALID.slice();
      new DataView(out.buffer).setBigUint64(0, c.value, true);
      return out;
    }
  }
}

/** Reads `bytes`, returning the contents or the error; asserts the work stays small. */
function attempt(bytes: Uint8Array): SafetensorsContents | unknown {
  const start = performance.now();
  try {
    return readSafetensors(bytes);
  } catch (err) {
    return err;
  } finally {
    expect(performance.now() - start).toBeLessThan(250);
  }
}

function bits(t: Tensor): number[] {
  return [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)];
}

describe('safetensors under corruption', () => {
  prop.prop([arbCorruption], { numRuns: 40 })(
    'any corruption of a valid file is rejected with a CheckpointError, or loads as a self-consistent file',
    (c) => {
      const result = attempt(corrupt(c));
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(CheckpointError);
        expect(result.message).toMatch(/^safetensors: .* at byte \d+$/s);
        return;
      }
      const { tensors, metadata } = result as SafetensorsContents;
      const again = readSafetensors(writeSafetensors(tensors, metadata ?? undefined));
      expect(Object.keys(again.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, t] of Object.entries(tensors)) expect(bits(again.tensors[name])).toEqual(bits(t));
      const headerOnly = c.kind === 'edit' || c.kind === 'length' || (c.kind === 'set' && c.index < HEADER_END);
      if (headerOnly) {
        // The data buffer was not touched, so every tensor that kept its name loads identically.
        for (const [name, t] of Object.entries(tensors)) {
          if (!Object.hasOwn(ORIGINAL, name)) continue;
          expect(t.shape).toEqual(ORIGINAL[name].shape);
          expect(bits(t)).toEqual(bits(ORIGINAL[name]));
        }
      }
    },
  );

  prop.prop([fc.nat({ max: VALID.length - 1 })], { numRuns: 25 })('cutting a valid file short anywhere is always rejected', (length) => {
    expect(attempt(VALID.slice(0, length))).toBeInstanceOf(CheckpointError);
  });

  prop.prop([fc.uint8Array({ minLength: 1, maxLength: 16 })], { numRuns: 25 })('any bytes appended to a valid file are always rejected', (extra) => {
    expect(attempt(new Uint8Array([...VALID, ...extra]))).toBeInstanceOf(CheckpointError);
  });

  prop.prop([fc.integer({ min: HEADER_END, max: VALID.length - 1 }), fc.integer({ min: 1, max: 255 })], { numRuns: 30 })(
    'flipping bits in the data buffer is always accepted and changes exactly the bytes flipped',
    (index, mask) => {
      const bytes = VALID.slice();
      bytes[index] ^= mask;
      const { tensors, metadata } = attempt(bytes) as SafetensorsContents;
      expect(writeSafetensors(tensors, metadata ?? undefined)).toEqual(bytes);
    },
  );

  prop.prop([fc.uint8Array({ maxLength: 64 })], { numRuns: 40 })('random bytes are rejected with a CheckpointError, never another error', (bytes) => {
    const result = attempt(bytes);
    if (result instanceof Error) expect(result).toBeInstanceOf(CheckpointError);
  });
});
