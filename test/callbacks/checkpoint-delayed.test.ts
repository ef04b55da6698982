import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { lastValueFrom, tap } from 'rxjs';
import { fit } from '../../src/streams/train/index.js';
import { checkpoint } from '../../src/callbacks/checkpoint.js';
import { listCheckpoints, readCheckpoint } from '../../src/callbacks/checkpoint-format.js';
import { loadCheckpoint } from '../../src/callbacks/resume.js';
import { tinyFit, tinyModel, tinyOptimizer, weightBytes } from './fixtures/tiny-run.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-delayed-'));
  dirs.push(dir);
  return dir;
}

/** The weights an uninterrupted run holds after each optimizer step, as bytes, by step. */
async function weightsByStep(epochs: number, batches: number): Promise<Map<number, Buffer>> {
  const model = tinyModel();
  const byStep = new Map<number, Buffer>();
  await lastValueFrom(
    fit({
      ...tinyFit(model, tinyOptimizer(model), epochs, batches),
      callbacks: [tap((e) => e.type === 'batchEnd' && byStep.set(e.step, weightBytes(model)))],
    }),
  );
  return byStep;
}

describe('checkpoint behind another checkpoint (its events arrive late, after training moved on)', () => {
  test('regression: each save of the second checkpoint holds the weights, step and position of its trigger event, not the live ones at its late arrival', async () => {
    const epochs = 3;
    const batches = 6;
    const expected = await weightsByStep(epochs, batches);
    const first = await tempDir();
    const second = await tempDir();
    const model = tinyModel();
    await lastValueFrom(
      fit({
        ...tinyFit(model, tinyOptimizer(model), epochs, batches),
        callbacks: [checkpoint({ dir: first, every: { steps: 1 }, keepLast: Infinity }), checkpoint({ dir: second, every: { steps: 4 }, keepLast: Infinity })],
      }),
    );
    const saved = await listCheckpoints(second);
    expect(saved.map((c) => c.step)).toEqual([4, 8, 12, 16]);
    for (const entry of saved) {
      const loaded = await readCheckpoint(entry.path);
      expect(loaded.optimizer.step, entry.name).toBe(entry.step);
      // Step s is batch (s - 1) % 6 of epoch floor((s - 1) / 6): the position points just after it.
      expect(loaded.state.position.epoch, entry.name).toBe(Math.floor((entry.step - 1) / batches));
      expect(loaded.state.position.batch, entry.name).toBe(((entry.step - 1) % batches) + 1);
      const target = tinyModel();
      await loadCheckpoint(entry.path, { model: target, optimizer: tinyOptimizer(target) });
      expect(weightBytes(target).equals(expected.get(entry.step)!), entry.name).toBe(true);
    }
  });

  test('an epoch checkpoint behind a step checkpoint saves the state at the end of its epoch', async () => {
    const batches = 5;
    const expected = await weightsByStep(3, batches);
    const steps = await tempDir();
    const epochs = await tempDir();
    const model = tinyModel();
    await lastValueFrom(
      fit({
        ...tinyFit(model, tinyOptimizer(model), 3, batches),
        callbacks: [checkpoint({ dir: steps, every: { steps: 1 }, keepLast: 2 }), checkpoint({ dir: epochs, keepLast: Infinity })],
      }),
    );
    const saved = await listCheckpoints(epochs);
    expect(saved.map((c) => [c.epoch, c.step])).toEqual([[0, 5], [1, 10], [2, 15]]);
    for (const entry of saved) {
      const loaded = await readCheckpoint(entry.path);
      expect(loaded.state.position).toMatchObject({ epoch: entry.epoch + 1, batch: 0 });
      const target = tinyModel();
      await loadCheckpoint(entry.path, { model: target, optimizer: tinyOptimizer(target) });
      expect(weightBytes(target).equals(expected.get(entry.step)!), entry.name).toBe(true);
    }
  });

  test('two checkpoints of one run writing into one directory take turns: every save commits and none removes the other\'s write in progress', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    await lastValueFrom(
      fit({
        ...tinyFit(model, tinyOptimizer(model), 2, 6),
        callbacks: [checkpoint({ dir, every: { steps: 1 }, keepLast: Infinity }), checkpoint({ dir, every: 'epoch', keepLast: Infinity })],
      }),
    );
    const saved = await listCheckpoints(dir);
    expect(saved.map((c) => c.step).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 10, 11, 12, 12]);
    expect(new Set(saved.map((c) => c.sequence)).size).toBe(saved.length);
  });

  test('regression: checkpoints commit in the order their states were copied, so the newest commit never holds an older state than an earlier one', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    await lastValueFrom(
      fit({
        ...tinyFit(model, tinyOptimizer(model), 3, 6),
        callbacks: [checkpoint({ dir, every: { steps: 1 }, keepLast: Infinity }), checkpoint({ dir, every: 'epoch', keepLast: Infinity })],
      }),
    );
    const saved = await listCheckpoints(dir); // in commit order
    const steps = await Promise.all(saved.map(async (c) => (await readCheckpoint(c.path)).optimizer.step));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(steps.at(-1)).toBe(18);
  });
});
