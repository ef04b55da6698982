import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ArgumentError, tensor } from '../../src/ops/index.js';
import { CheckpointError } from '../../src/models/errors.js';
import type { Module } from '../../src/models/module.js';
import { sequential } from '../../src/models/sequential.js';
import { dense } from '../../src/models/layers/dense.js';
import { relu } from '../../src/models/layers/relu.js';
import { readSafetensors } from '../../src/models/safetensors/read.js';
import { writeSafetensors } from '../../src/models/safetensors/write.js';
import { loadWeights, saveWeights, writeFileAtomic } from '../../src/models/weights-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streamgrad-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const net = (seed: number, hidden = 3) => sequential([dense(hidden), relu(), dense(2)], { inputShape: [4], seed });

function snapshot(model: Module): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.stateDict()).map(([name, t]) => [name, [...t.data]]));
}

async function freshDir(name: string): Promise<string> {
  const path = join(dir, name);
  await rm(path, { recursive: true, force: true });
  await mkdir(path);
  return path;
}

describe('saveWeights / loadWeights', () => {
  test('a model saved and loaded into a differently seeded twin gives the same weights and outputs', async () => {
    const a = net(1);
    const b = net(2);
    const path = join(dir, 'round-trip.safetensors');
    expect(snapshot(b)).not.toEqual(snapshot(a));
    await saveWeights(a, path);
    await loadWeights(b, path);
    expect(snapshot(b)).toEqual(snapshot(a));
    const x = tensor([[1, -2, 3, 0.5]]);
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  test('the file holds the PyTorch state dict names and shapes, float32, with format pt metadata', async () => {
    const path = join(dir, 'names.safetensors');
    await saveWeights(net(1), path, { metadata: { epoch: '3' } });
    const { tensors, metadata } = readSafetensors(await readFile(path));
    expect(Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.shape]))).toEqual({
      '0.bias': [3],
      '0.weight': [3, 4],
      '2.bias': [2],
      '2.weight': [2, 3],
    });
    expect(metadata).toEqual({ epoch: '3', format: 'pt' });
  });

  test('a file for a different architecture is rejected naming every mismatch, and the weights are unchanged', async () => {
    const path = join(dir, 'wider.safetensors');
    await saveWeights(net(1, 5), path);
    const target = net(2);
    const before = snapshot(target);
    const load = loadWeights(target, path);
    await expect(load).rejects.toThrow(CheckpointError);
    await expect(loadWeights(target, path)).rejects.toThrow(
      `loadWeights ${path}: loadStateDict: the state dict does not fit the model:\n` +
        "  0.weight: shape [5,4] does not match the model's [3,4]\n" +
        "  0.bias: shape [5] does not match the model's [3]\n" +
        "  2.weight: shape [2,5] does not match the model's [2,3]",
    );
    expect(snapshot(target)).toEqual(before);
  });

  test('a truncated file is rejected with the path and byte offset, and the weights are unchanged', async () => {
    const good = join(dir, 'good.safetensors');
    const cut = join(dir, 'cut.safetensors');
    await saveWeights(net(1), good);
    const bytes = await readFile(good);
    await writeFile(cut, bytes.subarray(0, bytes.length - 4));
    const target = net(2);
    const before = snapshot(target);
    await expect(loadWeights(target, cut)).rejects.toThrow(
      `loadWeights ${cut}: tensor '2.weight': data_offsets [68,92] end past the 88-byte data buffer (is the file truncated?) at byte 278`,
    );
    expect(snapshot(target)).toEqual(before);
  });

  test('a PyTorch half-precision file (F16) loads, converted to float32', async () => {
    const model = sequential([dense(1)], { inputShape: [2] });
    const data = new Uint8Array(6);
    const view = new DataView(data.buffer);
    [0x3c00, 0xc000, 0x3800].forEach((h, i) => view.setUint16(2 * i, h, true)); // 1, -2, 0.5
    const json = '{"0.bias":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"0.weight":{"dtype":"F16","shape":[1,2],"data_offsets":[2,6]}}';
    const header = new TextEncoder().encode(json);
    const file = new Uint8Array(8 + header.length + 6);
    file[0] = header.length;
    file.set(header, 8);
    file.set(data, 8 + header.length);
    const path = join(dir, 'half.safetensors');
    await writeFile(path, file);
    await loadWeights(model, path);
    expect(snapshot(model)).toEqual({ '0.weight': [-2, 0.5], '0.bias': [1] });
  });

  test('strict: false loads a file with extra tensors', async () => {
    const path = join(dir, 'extra.safetensors');
    const a = net(1);
    await writeFile(path, writeSafetensors({ ...a.stateDict(), 'head.weight': tensor([1]) }));
    const b = net(2);
    await expect(loadWeights(b, path)).rejects.toThrow('unexpected head.weight [1]');
    await loadWeights(b, path, { strict: false });
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  test('saving over an existing file replaces it and leaves no temporary file', async () => {
    const folder = await freshDir('replace');
    const path = join(folder, 'w.safetensors');
    await writeFile(path, 'old contents');
    await saveWeights(net(1), path);
    expect(await readdir(folder)).toEqual(['w.safetensors']);
    const b = net(2);
    await loadWeights(b, path);
    expect(snapshot(b)).toEqual(snapshot(net(1)));
  });

  test('a save that fails leaves the previous file intact and no temporary file', async () => {
    const folder = await freshDir('failed');
    const path = join(folder, 'w.safetensors');
    await saveWeights(net(1), path);
    const before = await readFile(path);
    const broken = { stateDict: () => ({ w: 'not a tensor' }) } as unknown as Module;
    await expect(saveWeights(broken, path)).rejects.toThrow(ArgumentError);
    expect(await readFile(path)).toEqual(before);
    expect(await readdir(folder)).toEqual(['w.safetensors']);
  });

  test('writeFileAtomic into a missing directory rejects with ENOENT and leaves nothing behind', async () => {
    const missing = join(dir, 'no-such-dir', 'w.safetensors');
    await expect(writeFileAtomic(missing, new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('writeFileAtomic refuses to write through a directory in the way, and removes its temp file', async () => {
    const folder = await freshDir('dir-in-the-way');
    await mkdir(join(folder, 'target'));
    await expect(writeFileAtomic(join(folder, 'target'), new Uint8Array([1]))).rejects.toThrow();
    expect(await readdir(folder)).toEqual(['target']);
  });

  test('loading a missing file passes the file system error through', async () => {
    await expect(loadWeights(net(1), join(dir, 'absent.safetensors'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('something that is not a model is an ArgumentError', async () => {
    await expect(saveWeights({} as Module, join(dir, 'x'))).rejects.toThrow(
      'saveWeights: expected a model or layer (with stateDict), found object',
    );
    await expect(loadWeights(null as unknown as Module, join(dir, 'x'))).rejects.toThrow(
      'loadWeights: expected a model or layer (with stateDict), found null',
    );
  });
});
