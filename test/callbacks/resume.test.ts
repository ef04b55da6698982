import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { filter, lastValueFrom, map, tap, toArray, type MonoTypeOperatorFunction } from 'rxjs';
import { sequential, dense, relu, sgd, type Layer, type Optimizer } from '../../src/models/index.js';
import { fit, type TrainEvent } from '../../src/streams/train/index.js';
import { checkpoint } from '../../src/callbacks/checkpoint.js';
import { listCheckpoints } from '../../src/callbacks/checkpoint-format.js';
import { loadCheckpoint, resume } from '../../src/callbacks/resume.js';
import { tinyFit, tinyModel, tinyOptimizer, weightBytes } from './fixtures/tiny-run.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-resume-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A callback that counts batches in `callbackState.counter`, following the callback state convention. */
function counter(): MonoTypeOperatorFunction<TrainEvent> {
  return tap((e) => {
    const state = (e.context.callbackState.counter ??= { batches: 0 }) as { batches: number };
    if (e.type === 'batchEnd') state.batches += 1;
  });
}

const epochLogs = filter((e: TrainEvent) => e.type === 'epochEnd');

/** A run of `epochs` epochs of 5 batches saved every epoch into `dir`; returns model and optimizer. */
async function savedRun(dir: string, epochs: number, model: Layer = tinyModel()): Promise<{ model: Layer; optimizer: Optimizer }> {
  const optimizer = tinyOptimizer(model);
  await lastValueFrom(fit({ ...tinyFit(model, optimizer, epochs, 5), callbacks: [counter(), checkpoint({ dir })] }));
  return { model, optimizer };
}

describe('resume', () => {
  test('a missing or empty directory is a fresh start: null', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    expect(await resume(dir, { model, optimizer: tinyOptimizer(model) })).toBeNull();
    expect(await resume(join(dir, 'missing'), { model, optimizer: tinyOptimizer(model) })).toBeNull();
  });

  test('a run resumed from disk ends with weights, logs and callback state equal to an uninterrupted run', async () => {
    const full = tinyModel();
    const fullOptimizer = tinyOptimizer(full);
    const fullLogs = await lastValueFrom(
      fit({ ...tinyFit(full, fullOptimizer, 4, 5), callbacks: [counter()] }).pipe(epochLogs, map((e) => (e as { logs: unknown }).logs), toArray()),
    );

    const dir = await tempDir();
    await savedRun(dir, 2);
    const model = tinyModel();
    const optimizer = tinyOptimizer(model);
    const start = await resume(dir, { model, optimizer });
    expect(start).toMatchObject({ epoch: 1, step: 10, position: { epoch: 2, batch: 0 }, callbackState: { counter: { batches: 10 } }, skipped: [] });
    const resumedRun = await lastValueFrom(
      fit({ ...tinyFit(model, optimizer, 4, 5), resume: start!, callbacks: [counter()] }).pipe(
        epochLogs, map((e) => [structuredClone(e.context.callbackState), (e as { logs: unknown }).logs]), toArray()),
    );
    expect(weightBytes(model).equals(weightBytes(full))).toBe(true);
    expect(resumedRun.map(([, logs]) => logs)).toEqual(fullLogs.slice(2));
    expect(resumedRun.at(-1)![0]).toEqual({ counter: { batches: 20 } });
    expect(optimizer.state()).toEqual(fullOptimizer.state());
  });

  test('loadCheckpoint continues from a mid-epoch checkpoint (dropout masks, running logs) exactly', async () => {
    const full = tinyModel();
    const dir = await tempDir();
    const fullLogs = await lastValueFrom(
      fit({ ...tinyFit(full, tinyOptimizer(full), 3, 5), callbacks: [checkpoint({ dir, every: { steps: 7 }, keepLast: Infinity })] }).pipe(
        epochLogs, map((e) => (e as { logs: unknown }).logs), toArray()),
    );
    const at7 = (await listCheckpoints(dir)).find((c) => c.step === 7)!;
    const model = tinyModel();
    const optimizer = tinyOptimizer(model);
    const start = await loadCheckpoint(at7.path, { model, optimizer });
    expect(start.position).toMatchObject({ epoch: 1, batch: 2, samples: 8 });
    const logs = await lastValueFrom(fit({ ...tinyFit(model, optimizer, 3, 5), resume: start }).pipe(epochLogs, map((e) => (e as { logs: unknown }).logs), toArray()));
    expect(weightBytes(model).equals(weightBytes(full))).toBe(true);
    expect(logs).toEqual(fullLogs.slice(1));
  });

  test('a checkpoint of another architecture is rejected before any weight or optimizer state changes, naming the first mismatching tensor', async () => {
    const dir = await tempDir();
    await savedRun(dir, 1);
    const model = tinyModel(5);
    const optimizer = tinyOptimizer(model);
    const before = weightBytes(model);
    const optimizerBefore = optimizer.state();
    await expect(resume(dir, { model, optimizer })).rejects.toThrow(
      /^resume: .*ckpt-000005 was saved from another architecture: 0\.weight has shape \[8,3\] in the checkpoint but \[5,3\] in the model; nothing was loaded\n  all 3 mismatches:\n  0\.weight .*\n  0\.bias has shape \[8\] in the checkpoint but \[5\] in the model\n  3\.weight has shape \[2,8\] in the checkpoint but \[2,5\] in the model$/,
    );
    expect(weightBytes(model).equals(before)).toBe(true);
    expect(optimizer.state()).toEqual(optimizerBefore);
  });

  test('a model without the saved dropout layer, or an optimizer of another kind, is rejected and left unchanged', async () => {
    const dir = await tempDir();
    await savedRun(dir, 1);
    const plain = sequential([dense(8), relu(), relu(), dense(2)], { inputShape: [3], seed: 7 });
    await expect(resume(dir, { model: plain, optimizer: tinyOptimizer(plain) })).rejects.toThrow(
      "was saved from another architecture: the checkpoint has random generator states at '2' that the model lacks; nothing was loaded",
    );
    const model = tinyModel();
    const before = weightBytes(model);
    await expect(resume(dir, { model, optimizer: sgd(model, { lr: 0.1 }) })).rejects.toThrow(
      /ckpt-000005 holds adam optimizer state, but the optimizer is sgd; nothing was loaded$/,
    );
    expect(weightBytes(model).equals(before)).toBe(true);
  });

  test('a corrupt newest checkpoint is passed over for the previous one and reported in skipped', async () => {
    const dir = await tempDir();
    await savedRun(dir, 2);
    const newest = join(dir, 'ckpt-000010', 'model.safetensors');
    const bytes = await readFile(newest);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(newest, bytes);
    const model = tinyModel();
    const start = await resume(dir, { model, optimizer: tinyOptimizer(model) });
    expect(start).toMatchObject({ step: 5, path: join(dir, 'ckpt-000005') });
    expect(start!.skipped).toEqual([
      { path: join(dir, 'ckpt-000010'), reason: `checkpoint ${join(dir, 'ckpt-000010')}: model.safetensors does not match its SHA-256 in the manifest (the file is corrupt)` },
    ]);
  });

  test('when committed checkpoints exist but none verifies, resume throws instead of starting afresh', async () => {
    const dir = await tempDir();
    await savedRun(dir, 1);
    await rm(join(dir, 'ckpt-000005', 'state.json'));
    const model = tinyModel();
    await expect(resume(dir, { model, optimizer: tinyOptimizer(model) })).rejects.toThrow(
      `resume: no checkpoint in ${dir} verifies:\n  checkpoint ${join(dir, 'ckpt-000005')}: state.json is missing`,
    );
  });

  test('temp and torn directories alone are a fresh start', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '.tmp-ckpt-000003-1-ab'));
    await mkdir(join(dir, 'ckpt-000004'));
    const model = tinyModel();
    expect(await resume(dir, { model, optimizer: tinyOptimizer(model) })).toBeNull();
  });
});
