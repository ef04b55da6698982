import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { firstValueFrom, lastValueFrom, map, take, toArray } from 'rxjs';
import { ShapeError, tensor } from '../../../src/ops/index.js';
import { paced } from '../../../src/streams/consume.js';
import {
  type StreamSample,
  StreamDecodeError,
  fromRedisStream,
  readNumbers,
  streamBatch,
} from '../../../src/streams/redis/from-redis-stream.js';
import { RedisConnectionError } from '../../../src/streams/redis/connection.js';
import { type RedisServer, freePort, startRedisServer } from '../../helpers/redis-server.js';
import { decodeEntry, entryFields, produce } from './fixtures/online-data.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

const base = () => ({ url: server.url, group: 'g', consumer: 'c', decode: decodeEntry, blockMs: 50, lockTtlMs: 500 });

async function xreadgroupCalls(): Promise<number> {
  const info = (await server.client().info('commandstats')) as string;
  const match = /cmdstat_xreadgroup:calls=(\d+)/.exec(info);
  return match === null ? 0 : Number(match[1]);
}

describe('fromRedisStream: options', () => {
  test.each([
    [{ url: 'http://x' }, /fromRedisStream: url must be a redis:\/\/ or rediss:\/\/ URL .* found "http:\/\/x"/],
    [{ stream: '' }, /fromRedisStream: stream must be a non-empty string/],
    [{ count: 0 }, /fromRedisStream: count must be an integer >= 1, found 0/],
    [{ blockMs: 1.5 }, /fromRedisStream: blockMs must be an integer >= 1, found 1.5/],
    [{ decode: 'x' }, /fromRedisStream: decode must be a function/],
    [{ deadLetter: 's' }, /fromRedisStream: deadLetter must be the name of another stream/],
    [{ afterId: 'latest' }, /fromRedisStream: afterId must be a stream id like 1700000000000-0/],
    [{ idleMs: -1 }, /fromRedisStream: idleMs must be a number of milliseconds >= 0, found -1/],
    [{ retryBudgetMs: Number.NaN }, /fromRedisStream: retryBudgetMs must be a number of milliseconds >= 0/],
  ])('rejects %o when created', (override, message) => {
    expect(() => fromRedisStream({ ...base(), stream: 's', ...override } as never)).toThrow(message);
  });
});

describe('fromRedisStream: reading', () => {
  test('emits every entry once, in stream order, as the decoded sample with its id; creates the group and stream when missing', async () => {
    const client = server.client();
    const ids = await produce(client, 'read-a', 50);
    const samples = await lastValueFrom(fromRedisStream({ ...base(), stream: 'read-a', count: 7, idleMs: 100 }).pipe(toArray()));
    expect(samples.map((s) => s.id)).toEqual(ids);
    expect(Array.from(samples[3].x.data)).toEqual(entryFields(3).x.split(',').map(Number));
    const empty = await lastValueFrom(fromRedisStream({ ...base(), stream: 'read-new', idleMs: 60 }).pipe(toArray()));
    expect(empty).toEqual([]);
    expect(await client.exists('read-new')).toBe(1);
  });

  test('is demand-driven: XREADGROUP is sent only when the slow consumer wants more, so at most `count` entries wait read ahead', async () => {
    const client = server.client();
    await produce(client, 'demand', 400);
    const before = await xreadgroupCalls();
    const source = fromRedisStream({ ...base(), stream: 'demand', count: 8 });
    const seen: number[] = [];
    await lastValueFrom(
      paced(source.pipe(take(40)), async () => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        seen.push(source.stats().reads);
      }),
    );
    // 1 read of the (empty) pending list, then one read per 8 samples taken: 40 samples, 5 reads.
    expect(source.stats().reads).toBe(6);
    expect((await xreadgroupCalls()) - before).toBe(6);
    // While the consumer worked on the first 8 samples, no second read of new entries was made.
    expect(seen.slice(0, 8).every((reads) => reads === 2)).toBe(true);
    const [delivered] = (await client.xpending('demand', 'g')) as [number];
    expect(delivered).toBe(40);
  });

  test('a plain subscriber (no demand) still reads in chunks of `count`', async () => {
    const client = server.client();
    await produce(client, 'chunks', 30);
    const source = fromRedisStream({ ...base(), stream: 'chunks', count: 10, idleMs: 50 });
    const samples = await lastValueFrom(source.pipe(toArray()));
    expect(samples).toHaveLength(30);
    expect(source.stats().reads).toBeGreaterThanOrEqual(4);
  });

  test('reads its own pending entries first after a restart, then new ones; skips and acknowledges those at or before afterId', async () => {
    const client = server.client();
    const ids = await produce(client, 'pending', 30);
    const first = fromRedisStream({ ...base(), stream: 'pending', count: 10 });
    const taken = await lastValueFrom(first.pipe(take(12), toArray()));
    expect(taken.map((s) => s.id)).toEqual(ids.slice(0, 12));
    // 20 delivered (two reads of 10), none acknowledged: a restart sees all 20 again, then the last 10.
    const again = fromRedisStream({ ...base(), stream: 'pending', count: 10, afterId: ids[4], idleMs: 60 });
    const rest = await lastValueFrom(again.pipe(toArray()));
    expect(rest.map((s) => s.id)).toEqual(ids.slice(5));
    expect(again.stats().skippedApplied).toBe(5);
    const pending = (await client.xpending('pending', 'g', '-', '+', 100)) as [string][];
    expect(pending.map((p) => p[0])).toEqual(ids.slice(5));
  });

  test('completes after idleMs without new entries', async () => {
    const started = Date.now();
    const samples = await lastValueFrom(fromRedisStream({ ...base(), stream: 'idle', idleMs: 150 }).pipe(toArray()));
    expect(samples).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  test('one subscription at a time per source', async () => {
    const source = fromRedisStream({ ...base(), stream: 'once', idleMs: 300 });
    const first = lastValueFrom(source.pipe(toArray()));
    await expect(firstValueFrom(source)).rejects.toThrow(/fromRedisStream: consumer 'c' of group 'g' is already being read by this source/);
    await first;
  });
});

describe('fromRedisStream: entries that do not decode', () => {
  test('fail the stream with the entry id and the field, and stay pending', async () => {
    const client = server.client();
    const good = await produce(client, 'bad', 3);
    const badId = (await client.xadd('bad', '*', 'x', '1,oops,3,4,5,6,7,8', 'y', '1')) as string;
    const source = fromRedisStream({ ...base(), stream: 'bad' });
    const seen: string[] = [];
    const error = await lastValueFrom(source.pipe(map((s) => seen.push(s.id)))).catch((e: unknown) => e);
    expect(seen).toEqual(good);
    expect(error).toBeInstanceOf(StreamDecodeError);
    expect((error as StreamDecodeError).message).toBe(
      `fromRedisStream: entry ${badId} of stream 'bad' does not decode: field 'x': value 1 is not a finite number ("oops") (set deadLetter to move such entries aside)`,
    );
    expect((error as StreamDecodeError).field).toBe('x');
    expect((error as StreamDecodeError).id).toBe(badId);
    const [count] = (await client.xpending('bad', 'g')) as [number];
    expect(count).toBe(4);
  });

  test('a decoder that returns no tensor is named in the error', async () => {
    const client = server.client();
    const id = (await client.xadd('notensor', '*', 'x', '1')) as string;
    const source = fromRedisStream({ ...base(), stream: 'notensor', decode: (f) => ({ x: tensor([Number(f.x)]) }) as never });
    await expect(lastValueFrom(source)).rejects.toThrow(`fromRedisStream: entry ${id} of stream 'notensor' does not decode: decode returned no tensor y (found undefined)`);
  });

  test('with deadLetter, are moved to the dead-letter stream with the reason, acknowledged, counted and skipped', async () => {
    const client = server.client();
    const ids = await produce(client, 'dl', 6);
    const missing = (await client.xadd('dl', '*', 'y', '1')) as string;
    const more = await produce(client, 'dl', 2, 6);
    const source = fromRedisStream({ ...base(), stream: 'dl', deadLetter: 'dl:dead', idleMs: 60 });
    const samples = await lastValueFrom(source.pipe(toArray()));
    expect(samples.map((s) => s.id)).toEqual([...ids, ...more]);
    expect(source.stats().deadLettered).toBe(1);
    const dead = (await client.xrange('dl:dead', '-', '+')) as [string, string[]][];
    expect(dead).toHaveLength(1);
    const fields = Object.fromEntries(dead[0][1].flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]]] : [])));
    expect(fields).toMatchObject({ y: '1', 'streamgrad:stream': 'dl', 'streamgrad:id': missing });
    expect(fields['streamgrad:error']).toMatch(/field 'x' is missing \(fields: y\)/);
    const pending = (await client.xpending('dl', 'g', '-', '+', 100)) as [string][];
    expect(pending.map((p) => p[0])).not.toContain(missing);
  });
});

describe('fromRedisStream: connection', () => {
  test('Redis down at start is an error naming the URL, at once', async () => {
    const port = await freePort();
    const url = `redis://user:secret@127.0.0.1:${port}`;
    const started = Date.now();
    const error = await firstValueFrom(fromRedisStream({ ...base(), url, stream: 's' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`fromRedisStream: cannot connect to redis://user:\\*\\*\\*@127.0.0.1:${port}: .*ECONNREFUSED.*is redis-server running there\\?`));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a dropped connection is reconnected and reading goes on: every entry once, in order', async () => {
    const client = server.client();
    const ids = await produce(client, 'drop', 60);
    const source = fromRedisStream({ ...base(), stream: 'drop', count: 5, idleMs: 200 });
    const samples = await lastValueFrom(
      paced(source, async (s, i) => {
        if (i === 17 || i === 41) await client.call('CLIENT', 'KILL', 'TYPE', 'normal');
        return s.id;
      }).pipe(toArray()),
    );
    expect(samples).toEqual(ids);
  });

  test('a Redis restart mid-run (with its append-only file) is ridden out: every entry once, in order', async () => {
    const own = await startRedisServer({ appendOnly: true });
    try {
      const ids = await produce(own.client(), 'restart', 60);
      const source = fromRedisStream({ ...base(), url: own.url, stream: 'restart', count: 5, idleMs: 300, lockTtlMs: 5000 });
      const seen = await lastValueFrom(
        paced(source, async (s, i) => {
          if (i === 23) await own.restart('SIGKILL');
          return s.id;
        }).pipe(toArray()),
      );
      expect(seen).toEqual(ids);
    } finally {
      await own.stop();
    }
  });

  test('a server gone for longer than the retry budget fails the stream with the URL and the budget', async () => {
    const own = await startRedisServer();
    try {
      await produce(own.client(), 'gone', 20);
      const source = fromRedisStream({ ...base(), url: own.url, stream: 'gone', count: 4, retryBudgetMs: 300 });
      const error = await lastValueFrom(
        paced(source, async (_, i) => {
          if (i === 6) await own.kill('SIGKILL');
        }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect((error as Error).message).toMatch(
        new RegExp(`fromRedisStream: lost the connection to redis://127.0.0.1:${own.port} and could not reconnect within the retry budget of 300 ms \\(\\d+ attempts; last error: .*ECONNREFUSED`),
      );
    } finally {
      await own.stop();
    }
  });
});

describe('fromRedisStream: one learner per group', () => {
  test('a second reader of a group that is being read waits up to lockWaitMs, then fails naming the holder', async () => {
    const first = fromRedisStream({ ...base(), stream: 'lock', consumer: 'first', idleMs: 700 });
    const running = lastValueFrom(first.pipe(toArray()));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = fromRedisStream({ ...base(), stream: 'lock', consumer: 'second', lockWaitMs: 200 });
    await expect(firstValueFrom(second)).rejects.toThrow(
      /fromRedisStream: group 'g' of stream 'lock' is locked by another learner, consumer 'first' \(pid \d+ on .*\); lock key 'streamgrad:lock:lock:g' expires in \d+ ms \(waited 200 ms\)\. .*several learners on one group would need a shared set of applied ids/,
    );
    await running;
    // Released when the first one stopped.
    const third = fromRedisStream({ ...base(), stream: 'lock', consumer: 'second', lockWaitMs: 0, idleMs: 50 });
    await expect(lastValueFrom(third.pipe(toArray()))).resolves.toEqual([]);
  });

  test('a lock left by a dead process on this host is taken over at once; one held elsewhere is waited out', async () => {
    const client = server.client();
    const dead = JSON.stringify({ consumer: 'crashed', host: (await import('node:os')).hostname(), pid: 2 ** 22 + 12345, nonce: 'x' });
    await client.set('streamgrad:lock:lock2:g', dead, 'PX', 60_000);
    const started = Date.now();
    await lastValueFrom(fromRedisStream({ ...base(), stream: 'lock2', lockWaitMs: 0, idleMs: 30 }).pipe(toArray()));
    expect(Date.now() - started).toBeLessThan(1000);
    const remote = JSON.stringify({ consumer: 'elsewhere', host: 'another-host', pid: 1, nonce: 'y' });
    await client.set('streamgrad:lock:lock2:g', remote, 'PX', 300);
    const waited = Date.now();
    await lastValueFrom(fromRedisStream({ ...base(), stream: 'lock2', lockWaitMs: 2000, idleMs: 30 }).pipe(toArray()));
    expect(Date.now() - waited).toBeGreaterThanOrEqual(250);
  });
});

describe('fromRedisStream: teardown and the lock', () => {
  async function sourceConnections(): Promise<number> {
    const list = (await server.client().call('CLIENT', 'LIST')) as string;
    return list.split('\n').filter((line) => / name=streamgrad:fromRedisStream/.test(line)).length;
  }
  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  test('unsubscribing closes both connections and releases the group lock', async () => {
    const client = server.client();
    await produce(client, 'teardown', 5);
    const subscription = fromRedisStream({ ...base(), stream: 'teardown' }).subscribe();
    await until(async () => (await sourceConnections()) === 2);
    expect(await sourceConnections()).toBe(2);
    expect(await client.exists('streamgrad:lock:teardown:g')).toBe(1);
    subscription.unsubscribe();
    await until(async () => (await sourceConnections()) === 0 && (await client.exists('streamgrad:lock:teardown:g')) === 0);
    expect(await sourceConnections()).toBe(0);
    expect(await client.exists('streamgrad:lock:teardown:g')).toBe(0);
  });

  test('a lock that expired or was taken by another learner stops the reader with an error', async () => {
    const client = server.client();
    await produce(client, 'lost', 300);
    const source = fromRedisStream({ ...base(), stream: 'lost', count: 4, lockTtlMs: 90 });
    const error = await lastValueFrom(
      paced(source, async (_, i) => {
        if (i === 10) await client.set('streamgrad:lock:lost:g', 'someone else', 'PX', 10_000);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }),
    ).catch((e: unknown) => e);
    expect(String(error)).toMatch(/fromRedisStream: lost the lock of group 'g' of stream 'lost' \(key 'streamgrad:lock:lost:g' expired or was taken/);
    expect(await client.get('streamgrad:lock:lost:g')).toBe('someone else');
  });
});

describe('readNumbers', () => {
  test('reads comma-separated numbers and names the field in every error', () => {
    expect(readNumbers({ x: '1, -2.5,3e-2' }, 'x', 3)).toEqual([1, -2.5, 0.03]);
    expect(() => readNumbers({ y: '1' }, 'x')).toThrow("field 'x' is missing (fields: y)");
    expect(() => readNumbers({ x: '1,,2' }, 'x')).toThrow(`field 'x': value 1 is not a finite number ("")`);
    expect(() => readNumbers({ x: '1,2' }, 'x', 3)).toThrow("field 'x': expected 3 comma-separated numbers, found 2");
  });
});

describe('streamBatch', () => {
  const sample = (id: string, shape: number[] = [2]): StreamSample => ({ x: tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(Number(id[0])), shape), y: tensor([1]), id });

  test('stacks samples and keeps their ids; the remainder comes on completion; the source is released', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c|', { a: sample('1-0'), b: sample('2-0'), c: sample('3-0') });
      const out = source.pipe(streamBatch(2), map((b) => `${b.size}:${b.ids.join(',')}:${b.x.shape.join('x')}`));
      expectObservable(out).toBe('--x--(y|)', { x: '2:1-0,2-0:2x2', y: '1:3-0:1x2' });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('a sample of another shape is an error naming both entry ids', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('ab|', { a: sample('1-0'), b: sample('2-0', [3]) });
      expectObservable(source.pipe(streamBatch(2))).toBe(
        '-#',
        undefined,
        new ShapeError('streamBatch: entry 2-0 has x of shape [3] but entry 1-0 (first of its batch) has [2]'),
      );
    });
  });

  test('rejects a size that is not a positive integer', () => {
    expect(() => streamBatch(0)).toThrow('streamBatch: size must be an integer >= 1, found 0');
  });
});
