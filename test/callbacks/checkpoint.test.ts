import { existsSync, readFileSync } from 'node:fs';
import fsp, { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { Subject, filter, from, lastValueFrom, map, tap, toArray, type MonoTypeOperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { readSafetensors, sgd, type Layer } from '../../src/models/index.js';
import { fit, type TrainContext, type TrainEvent } from '../../src/streams/train/index.js';
import { checkpoint, type CheckpointOptions } from '../../src/callbacks/checkpoint.js';
import { listCheckpoints, readCheckpoint } from '../../src/callbacks/checkpoint-format.js';
import { resume } from '../../src/callbacks/resume.js';
import { tinyFit, tinyModel, tinyOptimizer, weightBytes } from './fixtures/tiny-run.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-ckpt-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A fake run's context: a real tiny model and optimizer, a fixed position. */
function fakeContext(callbackState: Record<string, unknown> = {}): TrainContext {
  const model = tinyModel();
  return { model, optimizer: sgd(model, { lr: 0.1 }), callbackState, position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }) };
}
const epochEnd = (context: TrainContext, epoch: number, logs: Record<string, number> = {}): TrainEvent =>
  ({ type: 'epochEnd', epoch, step: epoch + 1, context, logs });
const batchEnd = (context: TrainContext, step: number): TrainEvent =>
  ({ type: 'batchEnd', epoch: 0, batch: step - 1, step, context, loss: 1, size: 4, lr: 0.1, logs: {} });

const ckptName = (step: number) => `ckpt-${String(step).padStart(6, '0')}`;
const stateDictCopy = (model: Layer) => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.data.slice()]));

describe('checkpoint: options', () => {
  test.each<[string, unknown, RegExp]>([
    ['no dir', {}, /checkpoint: dir must be a non-empty path, found undefined/],
    ['a bad every', { dir: 'x', every: 'batch' }, /every must be 'epoch', \{ epochs: n \}, \{ steps: n \} or \{ ms: t \}, found "batch"/],
    ['two keys in every', { dir: 'x', every: { steps: 5, ms: 10 } }, /every must be .* found \{"steps":5,"ms":10\}/],
    ['every.ms 0', { dir: 'x', every: { ms: 0 } }, /every.ms must be a finite number of milliseconds > 0, found 0/],
    ['every.ms negative', { dir: 'x', every: { ms: -5 } }, /every.ms must be a finite number of milliseconds > 0, found -5/],
    ['every.ms Infinity', { dir: 'x', every: { ms: Infinity } }, /every.ms must be a finite number of milliseconds > 0, found Infinity/],
    ['every.ms a string', { dir: 'x', every: { ms: '60000' } }, /every.ms must be a finite number of milliseconds > 0, found 60000/],
    ['val_ monitor on ms', { dir: 'x', saveBestOnly: true, every: { ms: 1000 } }, /saveBestOnly with every: \{ ms \} compares batch logs, which have no "val_loss"/],
    ['every.steps 0', { dir: 'x', every: { steps: 0 } }, /every.steps must be an integer >= 1, found 0/],
    ['keepLast 0', { dir: 'x', keepLast: 0 }, /keepLast must be an integer >= 1 or Infinity, found 0/],
    ['keepLast with saveBestOnly', { dir: 'x', saveBestOnly: true, keepLast: 3 }, /keepLast 3 does not apply with saveBestOnly/],
    ['val_ monitor on steps', { dir: 'x', saveBestOnly: true, every: { steps: 10 } }, /batch logs, which have no "val_loss"/],
    ['a bad mode', { dir: 'x', mode: 'up' }, /mode must be 'min', 'max' or 'auto', found up/],
  ])('rejects %s when created', (_, opts, message) => {
    expect(() => checkpoint(opts as CheckpointOptions)).toThrow(message);
  });
});

describe('checkpoint: the event stream', () => {
  const context = fakeContext();
  const values = { a: batchEnd(context, 1), b: batchEnd(context, 2), c: batchEnd(context, 3) };

  test('events that trigger no save pass through unchanged and at once; the source is released on completion', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(checkpoint({ dir: 'unused', every: { steps: 100 } }))).toBe('-a-b-c-|', values);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  test('unsubscribing releases the source', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(checkpoint({ dir: 'unused', every: { steps: 100 } })), '^--!').toBe('-a--', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('the trigger event and its checkpoint event arrive only once the checkpoint is durable, and it holds the weights at the trigger', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    const atTrigger = new Map<number, Record<string, Float32Array>>();
    const capture: MonoTypeOperatorFunction<TrainEvent> = tap((e) => e.type === 'epochEnd' && atTrigger.set(e.epoch, stateDictCopy(model)));
    const verify: MonoTypeOperatorFunction<TrainEvent> = tap((e) => {
      if (e.type === 'epochEnd') expect(existsSync(join(dir, ckptName(e.step), 'manifest.json'))).toBe(true);
      if (e.type === 'checkpoint') {
        expect(e.path).toBe(join(dir, ckptName(e.step)));
        const { tensors } = readSafetensors(readFileSync(join(e.path, 'model.safetensors')));
        for (const [name, data] of Object.entries(atTrigger.get(e.epoch)!)) expect(tensors[name].data).toEqual(data);
      }
    });
    const events = await lastValueFrom(
      fit({ ...tinyFit(model, tinyOptimizer(model), 3, 5), callbacks: [capture, checkpoint({ dir }), verify] }).pipe(toArray()),
    );
    const outline = events.filter((e) => e.type !== 'batchEnd').map((e) => `${e.type}:${e.epoch}`);
    expect(outline).toEqual([
      'epochStart:0', 'epochEnd:0', 'checkpoint:0',
      'epochStart:1', 'epochEnd:1', 'checkpoint:1',
      'epochStart:2', 'epochEnd:2', 'checkpoint:2',
    ]);
  });

  test('checkpointing does not perturb training: a run that saves every 3 steps ends with weights and logs byte-equal to one that does not', async () => {
    const dir = await tempDir();
    const plain = tinyModel();
    const plainLogs = await lastValueFrom(fit(tinyFit(plain, tinyOptimizer(plain), 2, 6)).pipe(filter((e) => e.type === 'epochEnd'), map((e) => e.logs), toArray()));
    const saving = tinyModel();
    const savingLogs = await lastValueFrom(
      fit({ ...tinyFit(saving, tinyOptimizer(saving), 2, 6), callbacks: [checkpoint({ dir, every: { steps: 3 } })] }).pipe(
        filter((e) => e.type === 'epochEnd'), map((e) => e.logs), toArray()),
    );
    expect(weightBytes(saving).equals(weightBytes(plain))).toBe(true);
    expect(savingLogs).toEqual(plainLogs);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([6, 9, 12]);
  });

  test.each<[string, CheckpointOptions['every'], number[], number[]]>([
    ["'epoch' saves at each epoch end", 'epoch', [0, 1, 2, 3], [3, 6, 9, 12]],
    ['{ epochs: 2 } saves at the end of every second epoch', { epochs: 2 }, [1, 3], [6, 12]],
    ['{ steps: 5 } saves after every fifth step of the run', { steps: 5 }, [1, 3], [5, 10]],
  ])('every: %s', async (_, every, epochs, steps) => {
    const dir = await tempDir();
    const model = tinyModel();
    const saved = await lastValueFrom(
      fit({ ...tinyFit(model, tinyOptimizer(model), 4, 3), callbacks: [checkpoint({ dir, every, keepLast: Infinity })] }).pipe(
        filter((e) => e.type === 'checkpoint'), toArray()),
    );
    expect(saved.map((e) => e.epoch)).toEqual(epochs);
    expect(saved.map((e) => e.step)).toEqual(steps);
    expect((await readdir(dir)).sort()).toEqual(steps.map(ckptName));
  });

  test('the stream completes only after every pending save is durable', async () => {
    const dir = await tempDir();
    const context = fakeContext();
    const events = await lastValueFrom(from([0, 1, 2].map((e) => epochEnd(context, e))).pipe(checkpoint({ dir }), toArray()));
    expect(events.map((e) => e.type)).toEqual(['epochEnd', 'checkpoint', 'epochEnd', 'checkpoint', 'epochEnd', 'checkpoint']);
    expect((await listCheckpoints(dir)).map((c) => c.name)).toEqual([1, 2, 3].map(ckptName));
  });
});

describe('checkpoint: what is kept', () => {
  test('keepLast: 3 keeps the three newest checkpoints and deletes the older ones after each commit', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    await lastValueFrom(fit({ ...tinyFit(model, tinyOptimizer(model), 2, 5), callbacks: [checkpoint({ dir, every: { steps: 1 }, keepLast: 3 })] }));
    expect((await readdir(dir)).sort()).toEqual([8, 9, 10].map(ckptName));
  });

  test('saveBestOnly saves when val_loss improves and keeps only the best; the best value lives in callbackState', async () => {
    const dir = await tempDir();
    const context = fakeContext();
    const losses = [1, 0.5, 0.7, 0.3, 0.4];
    const saved = await lastValueFrom(
      from(losses.map((v, e) => epochEnd(context, e, { loss: 2, val_loss: v }))).pipe(
        checkpoint({ dir, saveBestOnly: true }), filter((e) => e.type === 'checkpoint'), toArray()),
    );
    expect(saved.map((e) => e.epoch)).toEqual([0, 1, 3]);
    expect(await readdir(dir)).toEqual([ckptName(4)]);
    const { state } = await readCheckpoint(join(dir, ckptName(4)));
    expect(state.monitor).toEqual({ name: 'val_loss', value: 0.3 });
    expect(state.callbackState).toEqual({ checkpoint: { best: 0.3 } });
    expect(context.callbackState).toEqual({ checkpoint: { best: 0.3 } });
  });

  test("saveBestOnly in 'max' mode (auto for accuracy) continues from a resumed best value", async () => {
    const dir = await tempDir();
    const context = fakeContext({ best: { best: 0.8 } });
    const saved = await lastValueFrom(
      from([0.7, 0.9, 0.85].map((v, e) => epochEnd(context, e, { val_accuracy: v }))).pipe(
        checkpoint({ dir, saveBestOnly: true, monitor: 'val_accuracy', name: 'best' }), filter((e) => e.type === 'checkpoint'), toArray()),
    );
    expect(saved.map((e) => e.epoch)).toEqual([1]);
  });

  test('saveBestOnly errors through the stream, naming the keys found, when the monitored value is missing', async () => {
    const context = fakeContext();
    await expect(lastValueFrom(from([epochEnd(context, 0, { loss: 1 })]).pipe(checkpoint({ dir: 'unused', saveBestOnly: true }))))
      .rejects.toThrow('checkpoint: the monitored value "val_loss" is not in the epoch logs (found: loss)');
  });

  test('a save into a used directory never overwrites a committed checkpoint, and the newest commit is the one resumed', async () => {
    const dir = await tempDir();
    const first = tinyModel();
    await lastValueFrom(fit({ ...tinyFit(first, tinyOptimizer(first), 2, 5), callbacks: [checkpoint({ dir, keepLast: 2 })] }));
    const again = tinyModel(4);
    await lastValueFrom(fit({ ...tinyFit(again, tinyOptimizer(again), 1, 5), callbacks: [checkpoint({ dir, keepLast: 2 })] }));
    expect((await listCheckpoints(dir)).map((c) => [c.name, c.sequence])).toEqual([[ckptName(10), 2], [`${ckptName(5)}-1`, 3]]);
    const model = tinyModel(4);
    const start = await resume(dir, { model, optimizer: tinyOptimizer(model) });
    expect(start).toMatchObject({ epoch: 0, step: 5, path: join(dir, `${ckptName(5)}-1`) });
  });

  test('leftovers of interrupted saves are never read, and the next save removes them (other files stay)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '.tmp-ckpt-000007-123-abcd'));
    await writeFile(join(dir, '.tmp-ckpt-000007-123-abcd', 'model.safetensors'), 'partial');
    await mkdir(join(dir, ckptName(99)));
    await writeFile(join(dir, ckptName(99), 'model.safetensors'), 'torn: no manifest');
    await writeFile(join(dir, 'notes.txt'), 'mine');
    expect(await listCheckpoints(dir)).toEqual([]);
    const model = tinyModel();
    expect(await resume(dir, { model, optimizer: tinyOptimizer(model) })).toBeNull();
    await lastValueFrom(from([epochEnd(fakeContext(), 0)]).pipe(checkpoint({ dir })));
    expect((await readdir(dir)).sort()).toEqual([ckptName(1), 'notes.txt']);
  });
});

describe('checkpoint: failed saves', () => {
  test('a directory that cannot be created errors the stream with the path and reason, and releases the source', async () => {
    const file = join(await tempDir(), 'a-file');
    await writeFile(file, 'not a directory');
    const source = new Subject<TrainEvent>();
    const failed = new Promise<Error>((resolve) => source.pipe(checkpoint({ dir: join(file, 'ckpts') })).subscribe({ error: resolve }));
    source.next(epochEnd(fakeContext(), 0));
    const error = await failed;
    expect(error.message).toMatch(/^checkpoint: saving step 1 \(epoch 0\) in .*a-file\/ckpts failed: ENOTDIR/);
    expect(source.observed).toBe(false);
  });

  test('a write failing midway errors the stream, removes its temp directory and leaves the previous checkpoint loadable', async () => {
    const dir = await tempDir();
    const context = fakeContext();
    const source = new Subject<TrainEvent>();
    const seen: TrainEvent[] = [];
    const failed = new Promise<Error>((resolve) => source.pipe(checkpoint({ dir })).subscribe({ next: (e) => seen.push(e), error: resolve }));
    source.next(epochEnd(context, 0));
    await vi.waitFor(() => expect(seen.map((e) => e.type)).toEqual(['epochEnd', 'checkpoint']));

    const open = fsp.open.bind(fsp);
    const spy = vi.spyOn(fsp, 'open').mockImplementation(async (path, ...rest) => {
      if (String(path).endsWith('optimizer.safetensors')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return open(path, ...rest);
    });
    try {
      source.next(epochEnd(context, 1));
      expect((await failed).message).toMatch(/^checkpoint: saving step 2 \(epoch 1\) in .* failed: ENOSPC: no space left on device$/);
    } finally {
      spy.mockRestore();
    }
    expect(source.observed).toBe(false);
    expect(await readdir(dir)).toEqual([ckptName(1)]);
    const model = tinyModel();
    expect(await resume(dir, { model, optimizer: sgd(model, { lr: 0.1 }) })).toMatchObject({ epoch: 0, step: 1 });
  });
});

describe('checkpoint: files', () => {
  test('a checkpoint directory holds PyTorch-named weights, optimizer buffers, state.json and a manifest of sizes and SHA-256s', async () => {
    const dir = await tempDir();
    const model = tinyModel();
    await lastValueFrom(fit({ ...tinyFit(model, tinyOptimizer(model), 1, 2), callbacks: [checkpoint({ dir, monitor: 'loss' })] }));
    const path = join(dir, ckptName(2));
    expect((await readdir(path)).sort()).toEqual(['manifest.json', 'model.safetensors', 'optimizer.safetensors', 'state.json']);
    const { tensors, metadata } = readSafetensors(await readFile(join(path, 'model.safetensors')));
    expect(Object.keys(tensors).sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    expect(metadata).toEqual({ format: 'pt' });
    const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'streamgrad-checkpoint', version: 1, sequence: 1, epoch: 0, step: 2 });
    expect(Object.keys(manifest.files).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const { state, optimizer } = await readCheckpoint(path);
    expect(state).toMatchObject({ epoch: 0, step: 2, position: { epoch: 1, batch: 0 }, model: JSON.parse(JSON.stringify(model.toJSON())), optimizer: { kind: 'adam', step: 2 } });
    expect(state.monitor).toMatchObject({ name: 'loss' });
    expect(Object.keys(state.randomState)).toEqual(['2']);
    expect(Object.keys(optimizer.buffers)).toContain('0.exp_avg');
  });
  test('state.json keeps NaN, Infinity and -0 exact (a diverged loss, an unset best)', async () => {
    const dir = await tempDir();
    const context: TrainContext = {
      ...fakeContext({ mine: { best: Infinity, low: -Infinity, zero: -0 } }),
      position: () => ({ epoch: 1, batch: 0, lossSum: Number.NaN, samples: 4, metrics: {} }),
    };
    await lastValueFrom(from([epochEnd(context, 0, { loss: Number.NaN })]).pipe(checkpoint({ dir, monitor: 'loss' })));
    const { state } = await readCheckpoint(join(dir, ckptName(1)));
    expect(state.position.lossSum).toBeNaN();
    expect(state.monitor!.value).toBeNaN();
    expect(state.callbackState).toEqual({ mine: { best: Infinity, low: -Infinity, zero: -0 } });
    expect(Object.is((state.callbackState.mine as { zero: number }).zero, -0)).toBe(true);
  });
});

describe('checkpoint: every { ms }', () => {
  /** Replaces the clock `asyncScheduler.now()` reads (Date.now) for the duration of `body`. */
  async function withClock<T>(body: (clock: { now: number }) => Promise<T>): Promise<T> {
    const clock = { now: 0 };
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => clock.now);
    try {
      return await body(clock);
    } finally {
      spy.mockRestore();
    }
  }
  /** A callback placed before `checkpoint` that advances the clock by `ms` on each batch. */
  const tick = (clock: { now: number }, ms: number): MonoTypeOperatorFunction<TrainEvent> => tap((e) => {
    if (e.type === 'batchEnd') clock.now += ms;
  });

  test('no trigger before the interval has elapsed since subscription (virtual time)', () => {
    const context = fakeContext();
    const values = { a: batchEnd(context, 1), b: batchEnd(context, 2), e: epochEnd(context, 0) };
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      // b arrives 99 ms after subscription, e (not a batchEnd) at 200 ms: neither triggers
      const source = cold('a 98ms b 100ms e|', values);
      expectObservable(source.pipe(checkpoint({ dir: 'unused', every: { ms: 100 } }))).toBe('a 98ms b 100ms e|', values);
    });
  });

  test('saves on the first batchEnd at or after each interval, counted from the last save', async () => {
    const dir = await tempDir();
    const steps = await withClock(async (clock) => {
      const model = tinyModel();
      const saved = await lastValueFrom(
        fit({ ...tinyFit(model, tinyOptimizer(model), 4, 3), callbacks: [tick(clock, 10), checkpoint({ dir, every: { ms: 25 }, keepLast: Infinity })] }).pipe(
          filter((e) => e.type === 'checkpoint'), map((e) => e.step), toArray()),
      );
      return saved;
    });
    // 10 ms per step: due at 25 ms → step 3 (30 ms), then at 55 ms → step 6 (60 ms), ...
    expect(steps).toEqual([3, 6, 9, 12]);
    expect((await readdir(dir)).sort()).toEqual(steps.map(ckptName));
  });

  test('a run resumed from a time-triggered checkpoint counts the interval from its own start and ends as the uninterrupted run', async () => {
    const dir = await tempDir();
    const plain = tinyModel();
    await lastValueFrom(fit(tinyFit(plain, tinyOptimizer(plain), 4, 3)));
    const resumedSteps = await withClock(async (clock) => {
      const first = tinyModel();
      await lastValueFrom(fit({ ...tinyFit(first, tinyOptimizer(first), 2, 3), callbacks: [tick(clock, 10), checkpoint({ dir, every: { ms: 30 } })] }));
      expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([3, 6]);
      clock.now += 1_000_000; // the restart happens much later: the interval restarts at subscription
      const model = tinyModel();
      const optimizer = tinyOptimizer(model);
      const start = await resume(dir, { model, optimizer });
      expect(start).toMatchObject({ step: 6 });
      const steps = await lastValueFrom(
        fit({ ...tinyFit(model, optimizer, 4, 3), resume: start!, callbacks: [tick(clock, 10), checkpoint({ dir, every: { ms: 30 } })] }).pipe(
          filter((e) => e.type === 'checkpoint'), map((e) => e.step), toArray()),
      );
      expect(weightBytes(model).equals(weightBytes(plain))).toBe(true);
      return steps;
    });
    expect(resumedSteps).toEqual([9, 12]);
  });
});
