import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type MonoTypeOperatorFunction, EMPTY, lastValueFrom, mergeMap, tap } from 'rxjs';
import { test as propTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { checkpoint } from '../../../src/callbacks/checkpoint.js';
import { resume } from '../../../src/callbacks/resume.js';
import { fit } from '../../../src/streams/train/fit.js';
import type { TrainEvent } from '../../../src/streams/train/events.js';
import { fromRedisStream, streamBatch } from '../../../src/streams/redis/from-redis-stream.js';
import { ackOnCheckpoint, compareStreamIds, lastAppliedId, streamResume } from '../../../src/streams/redis/exactly-once.js';
import { type RedisServer, startRedisServer } from '../../helpers/redis-server.js';
import { decodeEntry, loss, makeModel, makeOptimizer, produce, referenceRun, weightBytes } from './fixtures/online-data.js';
import { type AppliedBatch, finalWeights, lineage, pendingCount, tornCheckpoints } from './fixtures/verify.js';
import { type LearnOptions, learn } from './fixtures/learner.js';

let server: RedisServer;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startRedisServer({ appendOnly: true });
});
afterAll(async () => {
  await server?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-once-'));
  dirs.push(dir);
  return dir;
}

/** A callback that "crashes" (errors the run) when the checkpoint event of step `step` arrives, before it is acknowledged. */
function crashAtCheckpoint(step: number): MonoTypeOperatorFunction<TrainEvent> {
  return tap((event) => {
    if (event.type === 'checkpoint' && event.step === step) throw new Error(`simulated crash after the checkpoint of step ${step}`);
  });
}

async function runCollecting(options: LearnOptions, afterCheckpoint: MonoTypeOperatorFunction<TrainEvent>[] = []) {
  const batches: AppliedBatch[] = [];
  let startStep = -1;
  let error: unknown = null;
  let stats = null as ReturnType<Awaited<ReturnType<typeof learn>>['source']['stats']> | null;
  try {
    const result = await learn(options, { onBatch: (step, ids) => batches.push({ step, ids }), afterCheckpoint, onStart: (s) => (startStep = s) });
    stats = result.source.stats();
  } catch (e) {
    error = e;
  }
  return { startStep, batches, error, stats };
}

describe('compareStreamIds', () => {
  test('orders ids by milliseconds, then sequence, numerically', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-2')).toBe(0);
    expect(compareStreamIds('10', '10-0')).toBe(0);
  });
  propTest.prop([fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))], { numRuns: 100 })(
    'for any two ids, the comparison agrees with comparing (ms, seq) pairs',
    ([aMs, aSeq], [bMs, bSeq]) => {
      const expected = aMs === bMs ? Math.sign(Number(aSeq - bSeq)) : aMs < bMs ? -1 : 1;
      expect(Math.sign(compareStreamIds(`${aMs}-${aSeq}`, `${bMs}-${bSeq}`))).toBe(expected);
    },
  );
  test('a malformed id is an error that shows it', () => {
    expect(() => compareStreamIds('abc', '1-0')).toThrow(/stream id must look like <ms>-<seq>.*"abc"/);
  });
});

describe('streamResume and lastAppliedId', () => {
  test('streamResume keeps the epoch and the callback state but restarts the epoch at batch 0', () => {
    const point = { position: { epoch: 2, batch: 7, lossSum: 3, samples: 448, metrics: { accuracy: { sum: 1 } } }, callbackState: { redisSource: { lastId: '5-0', applied: 900 } } };
    expect(streamResume(point)).toEqual({ position: { epoch: 2, batch: 0, lossSum: 0, samples: 0, metrics: {} }, callbackState: point.callbackState });
    expect(streamResume(null)).toBeUndefined();
    expect(lastAppliedId(point)).toBe('5-0');
    expect(lastAppliedId(null)).toBeNull();
  });
});

describe('ackOnCheckpoint', () => {
  test('rejects a source not made by fromRedisStream and an empty list of checkpoints', () => {
    expect(() => ackOnCheckpoint(EMPTY as never, [tap()])).toThrow(/ackOnCheckpoint: source must be made by fromRedisStream/);
    const source = fromRedisStream({ url: server.url, stream: 's', group: 'g', consumer: 'c', decode: decodeEntry });
    expect(() => ackOnCheckpoint(source, [])).toThrow(/ackOnCheckpoint: expected a non-empty array of checkpoint callbacks/);
  });

  test('acknowledges entries only once a checkpoint holds them: after a crash between checkpoint and acknowledgement, a resumed run applies every entry exactly once', async () => {
    const client = server.client();
    const total = 1000;
    const stream = 'once-a';
    const ids = await produce(client, stream, total);
    const dir = await tempDir();
    const options: LearnOptions = { url: server.url, stream, group: 'learners', consumer: 'learner-1', dir, total, batchSize: 64, every: 5, kind: 'logistic', lockTtlMs: 1000 };

    // Run 1 dies right after the checkpoint of step 10 is durable, before its entries are acknowledged.
    const first = await runCollecting(options, [crashAtCheckpoint(10)]);
    expect(String(first.error)).toMatch(/simulated crash after the checkpoint of step 10/);
    // Steps 1-5 were acknowledged by the first checkpoint; everything read after that is pending.
    const pendingAfterCrash = await pendingCount(client, stream, 'learners');
    expect(pendingAfterCrash).toBeGreaterThanOrEqual(5 * 64);
    const point = await resume(dir, { model: makeModel('logistic'), optimizer: makeOptimizer(makeModel('logistic')) });
    expect(lastAppliedId(point)).toBe(ids[10 * 64 - 1]);

    // Run 2 resumes step 10: it acknowledges and skips entries 320..639, trains from 640 on.
    const second = await runCollecting(options);
    expect(second.error).toBeNull();
    expect(second.startStep).toBe(10);
    expect(second.stats?.skippedApplied).toBe(5 * 64);
    const applied = lineage([first, second]).flatMap((b) => b.ids);
    expect(applied).toEqual(ids);
    expect(new Set(applied).size).toBe(total);
    expect(await pendingCount(client, stream, 'learners')).toBe(0);
    expect(await tornCheckpoints(dir, 'logistic')).toEqual([]);
    const reference = await referenceRun('logistic', total, 64);
    expect((await finalWeights(dir, 'logistic')).equals(weightBytes(reference))).toBe(true);
  });

  test('a restarted learner under another consumer name takes over the dead one\'s pending entries (XAUTOCLAIM), skipping those the checkpoint holds and those deleted meanwhile', async () => {
    const client = server.client();
    const total = 640;
    const stream = 'once-b';
    const ids = await produce(client, stream, total);
    const dir = await tempDir();
    const options: LearnOptions = { url: server.url, stream, group: 'learners', consumer: 'old-name', dir, total, batchSize: 32, every: 4, kind: 'logistic', lockTtlMs: 1000 };
    const first = await runCollecting(options, [crashAtCheckpoint(8)]);
    expect(first.error).not.toBeNull();
    // Entries 300 and 301 are deleted while pending; the new consumer is told so by XAUTOCLAIM.
    await client.xdel(stream, ids[300], ids[301]);
    const second = await runCollecting({ ...options, consumer: 'new-name', total: total - 2 });
    expect(second.error).toBeNull();
    expect(second.stats?.claimed).toBeGreaterThan(0);
    expect(second.stats?.deletedPending).toBe(2);
    const applied = lineage([first, second]).flatMap((b) => b.ids);
    expect(applied).toEqual(ids.filter((_, i) => i !== 300 && i !== 301));
    expect(await pendingCount(client, stream, 'learners')).toBe(0);
  });

  test('after the stream is restored from an older snapshot (as a Redis restart from an old RDB file would), losing acknowledgements and the group position, entries at or before the recorded id are skipped, not applied again', async () => {
    const client = server.client();
    const total = 512;
    const stream = 'once-c';
    const ids = await produce(client, stream, total);
    // A snapshot from before any training: restarting from it forgets every delivery and acknowledgement.
    await client.call('XGROUP', 'CREATE', stream, 'learners', '0');
    const snapshot = (await client.callBuffer('DUMP', stream)) as Buffer;
    const dir = await tempDir();
    const options: LearnOptions = { url: server.url, stream, group: 'learners', consumer: 'learner-1', dir, total, batchSize: 64, every: 2, kind: 'logistic', lockTtlMs: 1000 };
    const first = await runCollecting(options, [crashAtCheckpoint(4)]);
    expect(first.error).not.toBeNull();
    await client.del(stream);
    await client.call('RESTORE', stream, 0, snapshot);
    expect(await pendingCount(client, stream, 'learners')).toBe(0);
    const second = await runCollecting(options);
    expect(second.error).toBeNull();
    expect(second.stats?.skippedApplied).toBe(4 * 64);
    expect(lineage([first, second]).flatMap((b) => b.ids)).toEqual(ids);
    expect(await pendingCount(client, stream, 'learners')).toBe(0);
  });

  test('a resumed fit that would skip batches of new entries is refused, naming streamResume', async () => {
    const client = server.client();
    await produce(client, 'once-d', 64);
    const source = fromRedisStream({ url: server.url, stream: 'once-d', group: 'g', consumer: 'c', decode: decodeEntry, lockTtlMs: 500 });
    const model = makeModel('logistic');
    const run = fit({
      model, loss, optimizer: makeOptimizer(model), epochs: 1,
      train: source.pipe(streamBatch(16)),
      resume: { position: { epoch: 0, batch: 3, lossSum: 0, samples: 48, metrics: {} }, callbackState: {} },
      callbacks: [ackOnCheckpoint(source, [checkpoint({ dir: await tempDir(), every: { steps: 1 } })])],
    });
    await expect(lastValueFrom(run)).rejects.toThrow(/ackOnCheckpoint: fit resumes epoch 0 at batch 3 .* pass resume: streamResume\(point\)/);
  });

  test('samples dropped between the source and fit are detected rather than acknowledged unapplied', async () => {
    const client = server.client();
    await produce(client, 'once-e', 64);
    const source = fromRedisStream({ url: server.url, stream: 'once-e', group: 'g', consumer: 'c', decode: decodeEntry, lockTtlMs: 500, idleMs: 100, blockMs: 50 });
    const model = makeModel('logistic');
    const doubled = source.pipe(streamBatch(16), mergeMap((b) => [b, b]));
    const run = fit({
      model, loss, optimizer: makeOptimizer(model), epochs: 1, train: doubled,
      callbacks: [ackOnCheckpoint(source, [checkpoint({ dir: await tempDir(), every: { steps: 1 } })])],
    });
    await expect(lastValueFrom(run)).rejects.toThrow(/ackOnCheckpoint: fit has trained \d+ samples of epoch 0 but the source emitted \d+/);
  });
});
