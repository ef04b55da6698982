/**
 * Online learning throughput, end to end: entries learned per second from a Redis stream
 * (`fromRedisStream` → decode → `streamBatch(64)` → `fit`), with and without exactly-once
 * acknowledgement (`ackOnCheckpoint` with a checkpoint every 100 steps), against the same
 * model trained from an in-memory generator (`fromPull` → `batch(64)` → `fit`). One JSON line
 * per measurement:
 *
 *   { "bench": "online-throughput", "model", "source", "entries", "batch", "seconds", "entriesPerSec" }
 *
 *   npx tsx bench/online-throughput.ts [--entries 50000] [--count 256] [--repeats 3]
 *
 * Each case runs once on 5,000 entries to warm up, then `repeats` times; the median is
 * reported. The stream is written before the timed runs (the producer is not measured); a local
 * redis-server (no persistence) is started on a free port. The in-memory generator builds
 * the same samples directly as tensors (no text), so the difference is the cost of Redis,
 * the network round trips and decoding. It imports the sources in src/ (no build needed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { checkpoint } from '../src/callbacks/checkpoint.js';
import { batch } from '../src/streams/batch.js';
import { fit } from '../src/streams/train/fit.js';
import { fromRedisStream, streamBatch } from '../src/streams/redis/from-redis-stream.js';
import { ackOnCheckpoint } from '../src/streams/redis/exactly-once.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { type ModelKind, decodeEntry, loss, makeModel, makeOptimizer, memorySamples, produce } from '../test/streams/redis/fixtures/online-data.js';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '50000' }, count: { type: 'string', default: '256' }, repeats: { type: 'string', default: '3' } },
});
const entries = Number(values.entries);
const count = Number(values.count);
const repeats = Number(values.repeats);
const batchSize = 64;
type Source = 'memory' | 'redis' | 'redis+exactly-once';

const server = await startRedisServer();
const dir = await mkdtemp(join(tmpdir(), 'streamgrad-bench-online-'));
let group = 0;

/** One end-to-end training run over the whole stream (or generator); returns seconds. */
async function run(kind: ModelKind, source: Source, n: number): Promise<number> {
  const model = makeModel(kind);
  const optimizer = makeOptimizer(model);
  const stream = n === entries ? 'bench' : 'warmup';
  const redis = () => fromRedisStream({ url: server.url, stream, group: `g${group++}`, consumer: 'c', decode: decodeEntry, count, idleMs: 0, blockMs: 1 });
  let options;
  if (source === 'memory') {
    options = { model, loss, optimizer, epochs: 1, train: memorySamples(n).pipe(batch(batchSize)) };
  } else if (source === 'redis') {
    options = { model, loss, optimizer, epochs: 1, train: redis().pipe(streamBatch(batchSize)) };
  } else {
    const reader = redis();
    const callbacks = [ackOnCheckpoint(reader, [checkpoint({ dir: join(dir, `run-${group}`), every: { steps: 100 }, keepLast: 2 })])];
    options = { model, loss, optimizer, epochs: 1, train: reader.pipe(streamBatch(batchSize)), callbacks };
  }
  const t0 = performance.now();
  await lastValueFrom(fit(options), { defaultValue: null });
  return (performance.now() - t0) / 1000;
}

try {
  const client = server.client();
  await produce(client, 'bench', entries);
  await produce(client, 'warmup', 5000);
  const cases = (['logistic', 'mlp'] as const).flatMap((kind) => (['memory', 'redis', 'redis+exactly-once'] as const).map((source) => [kind, source] as const));
  for (const [kind, source] of cases) await run(kind, source, 5000); // JIT warm-up
  for (const [kind, source] of cases) {
    const seconds: number[] = [];
    for (let i = 0; i < repeats; i++) seconds.push(await run(kind, source, entries));
    const median = [...seconds].sort((a, b) => a - b)[Math.floor(seconds.length / 2)];
    const line = { bench: 'online-throughput', model: kind, source, entries, batch: batchSize, count, repeats, seconds: Number(median.toFixed(3)), entriesPerSec: Math.round(entries / median) };
    console.log(JSON.stringify(line));
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
