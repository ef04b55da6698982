import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { from, lastValueFrom, map, mergeMap, range, tap, toArray } from 'rxjs';
import { toRedisStream } from '../../../src/streams/redis/to-redis-stream.js';
import { fromRedisStream } from '../../../src/streams/redis/from-redis-stream.js';
import { RedisConnectionError } from '../../../src/streams/redis/connection.js';
import { type RedisServer, freePort, startRedisServer } from '../../helpers/redis-server.js';
import { decodeEntry, entryFields, entrySample } from './fixtures/online-data.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('toRedisStream', () => {
  test.each([
    [{ url: 'localhost:6379' }, /toRedisStream: url must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ stream: '' }, /toRedisStream: stream must be a non-empty string/],
    [{ maxLen: 0 }, /toRedisStream: maxLen must be an integer >= 1, found 0/],
    [{ encode: null }, /toRedisStream: encode must be a function/],
    [{ connectTimeoutMs: -1 }, /toRedisStream: connectTimeoutMs must be a number of milliseconds >= 0, found -1/],
  ])('rejects %o when created', (override, message) => {
    expect(() => toRedisStream({ url: server.url, stream: 'out', encode: () => ({ a: 1 }), ...override } as never)).toThrow(message);
  });

  test('writes each item in order and passes it on only after its XADD', async () => {
    const client = server.client();
    const lengthsSeen: number[] = [];
    const out = await lastValueFrom(
      range(0, 20).pipe(
        toRedisStream({ url: server.url, stream: 'preds', encode: (i, index) => ({ value: i * 2, index }) }),
        mergeMap(async (i) => {
          lengthsSeen.push(Number(await client.xlen('preds')));
          return i;
        }, 1),
        toArray(),
      ),
    );
    expect(out).toEqual([...Array(20).keys()]);
    expect(lengthsSeen.every((length, i) => length >= i + 1)).toBe(true);
    const entries = (await client.xrange('preds', '-', '+')) as [string, string[]][];
    expect(entries.map(([, f]) => f)).toEqual([...Array(20).keys()].map((i) => ['value', String(i * 2), 'index', String(i)]));
  });

  test('maxLen trims the stream to about that many entries (MAXLEN ~)', async () => {
    const client = server.client();
    await lastValueFrom(range(0, 1000).pipe(toRedisStream({ url: server.url, stream: 'trimmed', maxLen: 100, encode: (i) => ({ i }) })), { defaultValue: null });
    const length = Number(await client.xlen('trimmed'));
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });

  test('round trip: what toRedisStream writes, fromRedisStream reads back as the same samples', async () => {
    await lastValueFrom(range(0, 10).pipe(toRedisStream({ url: server.url, stream: 'trip', encode: (seq) => entryFields(seq) })), { defaultValue: null });
    const samples = await lastValueFrom(fromRedisStream({ url: server.url, stream: 'trip', group: 'g', consumer: 'c', decode: decodeEntry, idleMs: 50, blockMs: 20 }).pipe(toArray()));
    expect(samples.map((s) => Array.from(s.x.data))).toEqual([...Array(10).keys()].map((seq) => Array.from(entrySample(seq).x.data)));
  });

  test('an encoder that returns no fields or a bad value fails the stream naming the item', async () => {
    await expect(lastValueFrom(from([1, 2]).pipe(toRedisStream({ url: server.url, stream: 'e', encode: (i): Record<string, number> => (i === 2 ? {} : { i }) })))).rejects.toThrow(
      'toRedisStream: encode returned no fields for item 1; a stream entry needs at least one',
    );
    await expect(lastValueFrom(from([1]).pipe(toRedisStream({ url: server.url, stream: 'e', encode: () => ({ loss: Number.NaN }) })))).rejects.toThrow(
      "toRedisStream: field 'loss' of item 0 must be a string or a finite number, found NaN",
    );
  });

  test('Redis down is an error naming the URL', async () => {
    const port = await freePort();
    const written: number[] = [];
    const error = await lastValueFrom(
      from([1]).pipe(toRedisStream({ url: `redis://127.0.0.1:${port}`, stream: 'x', encode: (i) => ({ i }) }), tap((i) => written.push(i)), map(String)),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`toRedisStream: cannot connect to redis://127.0.0.1:${port}: .*ECONNREFUSED`));
    expect(written).toEqual([]);
  });
});
