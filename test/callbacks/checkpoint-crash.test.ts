import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { lastValueFrom } from 'rxjs';
import { fit } from '../../src/streams/train/index.js';
import { listCheckpoints } from '../../src/callbacks/checkpoint-format.js';
import { loadCheckpoint, resume } from '../../src/callbacks/resume.js';
import { tinyFit, tinyModel, tinyOptimizer, weightBytes } from './fixtures/tiny-run.js';
import { BATCHES, EPOCHS } from './fixtures/train-and-checkpoint.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('./fixtures/train-and-checkpoint.ts', import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface ChildRun {
  /** True when our SIGKILL ended it (false: it finished first). */
  readonly killed: boolean;
  /** The step it resumed from, and the last step it reported saved. */
  readonly start: number;
  readonly lastSaved: number;
}

/** Runs the training child on `dir` and kills it `delayMs` after its first committed checkpoint. */
function runAndKill(dir: string, delayMs: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let start = -1;
    let lastSaved = -1;
    let timer: NodeJS.Timeout | undefined;
    let stderr = '';
    let pending = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [word, value] = line.split(' ');
        if (word === 'start') start = Number(value);
        if (word === 'saved') {
          lastSaved = Number(value);
          timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ killed: true, start, lastSaved });
      else if (code === 0) resolve({ killed: false, start, lastSaved });
      else reject(new Error(`training child exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

describe('checkpoint under SIGKILL', () => {
  test('a process killed at random moments leaves only loadable checkpoints, and resuming from the newest ends bit-identical to an uninterrupted run', async () => {
    const reference = tinyModel();
    await lastValueFrom(fit(tinyFit(reference, tinyOptimizer(reference), EPOCHS, BATCHES)));

    const dir = await mkdtemp(join(tmpdir(), 'streamgrad-crash-'));
    dirs.push(dir);
    const delays = Array.from({ length: 3 }, () => Math.floor(Math.random() * 150));
    const runs: ChildRun[] = [];
    let leftovers: string[] = [];
    for (const delay of delays) {
      const run = await runAndKill(dir, delay);
      runs.push(run);
      const context = `delays ${delays.join(',')} ms; runs ${JSON.stringify(runs)}`;
      // Each run resumed from where the previous one's last commit left it, or later.
      if (runs.length > 1) expect(run.start, context).toBeGreaterThanOrEqual(runs[runs.length - 2].lastSaved);

      // Every committed checkpoint loads; no ckpt-* directory is torn (temp dirs may be left).
      const committed = await listCheckpoints(dir);
      expect(committed.length, context).toBeGreaterThan(0);
      for (const entry of committed) {
        const model = tinyModel();
        await expect(loadCheckpoint(entry.path, { model, optimizer: tinyOptimizer(model) }), `${entry.name}; ${context}`).resolves.toMatchObject({ step: entry.step });
      }
      const listing = await readdir(dir);
      const names = listing.filter((n) => n.startsWith('ckpt-'));
      expect(names.sort(), context).toEqual(committed.map((c) => c.name).sort());
      // Temp directories a kill left behind are removed by the next run's first save.
      expect(listing.filter((n) => leftovers.includes(n)), context).toEqual([]);
      leftovers = listing.filter((n) => n.startsWith('.tmp-ckpt-'));
      expect(committed.at(-1)!.step, context).toBeGreaterThanOrEqual(run.lastSaved);
    }
    expect(runs.some((r) => r.killed), `delays ${delays.join(',')} ms`).toBe(true);

    const model = tinyModel();
    const optimizer = tinyOptimizer(model);
    const start = await resume(dir, { model, optimizer });
    expect(start).not.toBeNull();
    expect(start!.skipped).toEqual([]);
    await lastValueFrom(fit({ ...tinyFit(model, optimizer, EPOCHS, BATCHES), resume: start! }));
    expect(weightBytes(model).equals(weightBytes(reference))).toBe(true);
    expect(optimizer.stepCount).toBe(EPOCHS * BATCHES);
  });
});
