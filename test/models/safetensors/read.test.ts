import { describe, expect, test } from 'vitest';
import { ArgumentError, Tensor } from '../../../src/ops/index.js';
import { readSafetensors } from '../../../src/models/safetensors/read.js';
import { build, f32 } from '../../fixtures/safetensors/make-fixtures.js';

const entry = (dtype: string, shape: number[], begin: number, end: number) =>
  `{"dtype":"${dtype}","shape":[${shape.join(',')}],"data_offsets":[${begin},${end}]}`;

describe('readSafetensors', () => {
  test('reads float32 tensors with their shapes, and the metadata', () => {
    const file = build(`{"__metadata__":{"format":"pt"},"w":${entry('F32', [2, 2], 0, 16)},"b":${entry('F32', [2], 16, 24)}}`, f32(1, 2, 3, 4, 5, 6));
    const { tensors, metadata } = readSafetensors(file);
    expect(Object.keys(tensors)).toEqual(['w', 'b']);
    expect(tensors.w).toBeInstanceOf(Tensor);
    expect(tensors.w.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensors.b.toArray()).toEqual([5, 6]);
    expect(metadata).toEqual({ format: 'pt' });
  });

  test('a file without __metadata__ gives metadata null', () => {
    expect(readSafetensors(build(`{"s":${entry('F32', [], 0, 4)}}`, f32(2.5))).metadata).toBeNull();
  });

  test('F16, BF16, I32 and I64 tensors become float32 (a PyTorch half model, num_batches_tracked)', () => {
    const half = [0x3c00, 0xc000, 0x3800]; // 1, -2, 0.5
    const bf16 = [0x3f80, 0x4049]; // 1, 3.140625
    const data = new Uint8Array(6 + 4 + 8 + 16);
    const view = new DataView(data.buffer);
    half.forEach((h, i) => view.setUint16(2 * i, h, true));
    bf16.forEach((h, i) => view.setUint16(6 + 2 * i, h, true));
    view.setInt32(10, -7, true);
    view.setInt32(14, 123456, true);
    view.setBigInt64(18, 60000n, true);
    view.setBigInt64(26, -(2n ** 40n), true);
    const header = `{"h":${entry('F16', [3], 0, 6)},"b":${entry('BF16', [2], 6, 10)},"i":${entry('I32', [2], 10, 18)},"l":${entry('I64', [2], 18, 34)}}`;
    const { tensors } = readSafetensors(build(header, data));
    expect(tensors.h.toArray()).toEqual([1, -2, 0.5]);
    expect(tensors.b.toArray()).toEqual([1, 3.140625]);
    expect(tensors.i.toArray()).toEqual([-7, 123456]);
    expect(tensors.l.toArray()).toEqual([60000, -(2 ** 40)]);
  });

  test('float32 data at an offset that is not a multiple of 4 is copied, not refused', () => {
    const header = `{"u":${entry('U8', [1], 0, 1)},"f":${entry('F32', [2], 1, 9)}}`;
    const file = build(header, [9, ...f32(1.25, -3)]);
    expect((8 + header.length + 1) % 4).not.toBe(0);
    expect(readSafetensors(file).tensors.f.toArray()).toEqual([1.25, -3]);
  });

  test('tensors own their data: changing the file bytes afterwards changes no tensor', () => {
    const file = build(`{"a":${entry('F32', [2], 0, 8)}}`, f32(1, 2));
    const { tensors } = readSafetensors(file);
    file.fill(0);
    expect(tensors.a.toArray()).toEqual([1, 2]);
  });

  test('a Uint8Array view into a larger buffer (as Node Buffers often are) reads from its own offset', () => {
    const file = build(`{"a":${entry('F32', [2], 0, 8)}}`, f32(1, 2));
    const big = new Uint8Array(file.length + 13);
    big.set(file, 5);
    expect(readSafetensors(big.subarray(5, 5 + file.length)).tensors.a.toArray()).toEqual([1, 2]);
  });

  test('names such as __proto__ and constructor are ordinary own entries, not prototype changes', () => {
    const file = build(`{"__proto__":${entry('F32', [1], 0, 4)},"constructor":${entry('F32', [1], 4, 8)}}`, f32(1, 2));
    const { tensors } = readSafetensors(file);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.keys(tensors)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(tensors, '__proto__')?.value.toArray()).toEqual([1]);
  });

  test('the source option names the file in messages', () => {
    expect(() => readSafetensors(new Uint8Array(2), { source: 'x.safetensors' })).toThrow(
      'x.safetensors: the file has 2 bytes, fewer than the 8 of the header length at byte 0',
    );
  });

  test('anything but a Uint8Array is an ArgumentError', () => {
    expect(() => readSafetensors('file' as unknown as Uint8Array)).toThrow(ArgumentError);
    expect(() => readSafetensors('file' as unknown as Uint8Array)).toThrow("readSafetensors: expected the file's bytes as a Uint8Array, found string");
  });
});
