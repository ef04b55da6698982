import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type MonoTypeOperatorFunction, lastValueFrom, tap } from 'rxjs';
import { checkpoint } from '../../../src/callbacks/checkpoint.js';
import { prequential } from '../../../src/streams/online/prequential.js';
import { fromRedisStream, streamBatch } from '../../../src/streams/redis/from-redis-stream.js';
import { ackOnCheckpoint } from '../../../src/streams/redis/exactly-once.js';
import { resume } from '../../../src/callbacks/resume.js';
import type { TrainEvent } from '../../../src/streams/train/events.js';
import { lastAppliedId } from '../../../src/streams/redis/exactly-once.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { decodeEntry, loss, makeModel, makeOptimizer, produce } from './fixtures/online-data.js';
import { finalWeights, lineage, pendingCount, tornCheckpoints } from './fixtures/verify.js';
import { type PrequentialLearnOptions, learnPrequential, prequentialReference } from './fixtures/prequential-learner.js';

let server: RedisServer;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-preq-once-'));
  dirs.push(dir);
  return dir;
}

/** "Crashes" (errors the run) on the `n`th checkpoint event, after that checkpoint is durable and before it is acknowledged. */
function crashAtCheckpointNumber(n: number): MonoTypeOperatorFunction<TrainEvent> {
  let seen = 0;
  return tap((event) => {
    if (event.type === 'checkpoint' && ++seen === n) throw new Error(`simulated crash after checkpoint ${n} (step ${event.step})`);
  });
}

describe('ackOnCheckpoint on a prequential run (one endless epoch, resumed mid-way)', () => {
  test.each([
    ['every 4 steps', { steps: 4 }, 5],
    ['every millisecond', { ms: 1 }, 7],
  ] as const)(
    'checkpointed %s, crashed after a checkpoint and resumed with resume + resumeSource continue: every entry applied once, nothing pending, weights equal an uninterrupted run',
    async (label, every, crashAt) => {
      const client = server.client();
      const total = 800;
      const stream = `preq-${label.replace(/\W+/g, '-')}`;
      const ids = await produce(client, stream, total);
      const dir = await tempDir();
      // Pseudo-epochs of 96 samples with batches of 32: the run crosses several epochStart events mid-stream.
      const options: PrequentialLearnOptions = { url: server.url, stream, group: 'learners', consumer: 'learner-1', dir, total, batchSize: 32, every, kind: 'logistic', reportEvery: 96 };

      const first = await learnPrequential(options, [crashAtCheckpointNumber(crashAt)]);
      expect(String(first.error)).toMatch(/simulated crash after checkpoint/);
      expect(first.events.filter((e) => e.type === 'epochStart').length).toBeGreaterThan(1);
      const point = await resume(dir, { model: makeModel('logistic'), optimizer: makeOptimizer(makeModel('logistic')) });
      expect(point?.position.batch).toBeGreaterThan(0);
      const held = point!.position.samples;
      expect(lastAppliedId(point)).toBe(ids[held - 1]);
      expect(await pendingCount(client, stream, 'learners')).toBeGreaterThan(0);

      const second = await learnPrequential(options);
      expect(second.error).toBeNull();
      expect(second.startApplied).toBe(held);
      const applied = lineage([first, second]).flatMap((b) => b.ids);
      expect(applied).toEqual(ids);
      expect(await pendingCount(client, stream, 'learners')).toBe(0);
      expect(await tornCheckpoints(dir, 'logistic')).toEqual([]);
      const reference = await prequentialReference(options);
      expect((await finalWeights(dir, 'logistic')).equals(reference)).toBe(true);
    },
    30_000,
  );

  test("a prequential run resumed with resumeSource 'replay' (it would skip batches of new entries) is refused, naming resumeSource 'continue'", async () => {
    const client = server.client();
    const total = 256;
    await produce(client, 'preq-replay', total);
    const dir = await tempDir();
    const options: PrequentialLearnOptions = { url: server.url, stream: 'preq-replay', group: 'g', consumer: 'c', dir, total, batchSize: 32, every: { steps: 2 }, kind: 'logistic', reportEvery: 64 };
    const first = await learnPrequential(options, [crashAtCheckpointNumber(2)]);
    expect(first.error).not.toBeNull();
    const model = makeModel('logistic');
    const optimizer = makeOptimizer(model);
    const point = await resume(dir, { model, optimizer });
    const source = fromRedisStream({ url: server.url, stream: 'preq-replay', group: 'g', consumer: 'c', decode: decodeEntry, lockTtlMs: 500, idleMs: 100, blockMs: 50 });
    const run = source.pipe(
      streamBatch(32),
      prequential({ model, loss, optimizer, metrics: ['accuracy'], window: 100, alpha: 0.99, reportEvery: 64, resume: point!, resumeSource: 'replay' }),
      ackOnCheckpoint(source, [checkpoint({ dir, every: { steps: 2 } })]),
    );
    await expect(lastValueFrom(run)).rejects.toThrow(/ackOnCheckpoint: prequential resumes at batch \d+ with resumeSource 'replay' .* pass resumeSource: 'continue'/);
  });
});
