import { describe, expect, test } from 'vitest';
import { Readable } from 'node:stream';
import { lastValueFrom, take, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { fromNodeStream } from '../../../src/streams/sources/from-node-stream.js';
import { paced } from '../../../src/streams/consume.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An object-mode Readable of 0..n-1 that counts how many items Node asked it for (`read()` calls). */
function countingReadable(n: number, highWaterMark: number) {
  const state = { reads: 0 };
  const readable = new Readable({
    objectMode: true,
    highWaterMark,
    read() {
      if (state.reads === n) {
        this.push(null);
        return;
      }
      state.reads++;
      this.push(state.reads - 1);
    },
  });
  return { readable, state };
}

/** Items until completion, or the error. */
function collect<T>(source: import('rxjs').Observable<T>): Promise<{ items: T[]; error?: Error }> {
  const items: T[] = [];
  return new Promise((resolve) => {
    source.subscribe({
      next: (v) => items.push(v),
      error: (error: Error) => resolve({ items, error }),
      complete: () => resolve({ items }),
    });
  });
}

describe('fromNodeStream', () => {
  test('emits each object of an object-mode stream and completes when it ends', async () => {
    const readable = Readable.from([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await lastValueFrom(fromNodeStream(readable).pipe(toArray()))).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  test('map decodes the chunks of a byte stream', async () => {
    const readable = Readable.from([Buffer.from('1.5'), Buffer.from('2.5')], { objectMode: false });
    const values = fromNodeStream(readable, { map: (chunk, i) => [i, Number((chunk as Buffer).toString())] });
    expect(await lastValueFrom(values.pipe(toArray()))).toEqual([[0, 1.5], [1, 2.5]]);
  });

  test('a slow consumer keeps the stream at most its highWaterMark (plus a constant) ahead', async () => {
    const highWaterMark = 4;
    const { readable, state } = countingReadable(2_000, highWaterMark);
    let maxAhead = 0;
    const seen = await lastValueFrom(
      paced(fromNodeStream<number>(readable), async (v, i) => {
        await tick();
        maxAhead = Math.max(maxAhead, state.reads - (i + 1));
        return v;
      }).pipe(toArray()),
    );
    expect(seen).toHaveLength(2_000);
    expect(seen[1_999]).toBe(1_999);
    expect(maxAhead).toBeLessThanOrEqual(highWaterMark + 2);
  });

  test('unsubscribing destroys the stream, and little more than what was consumed was read', async () => {
    const highWaterMark = 8;
    const { readable, state } = countingReadable(1_000_000, highWaterMark);
    const seen = await lastValueFrom(paced(fromNodeStream<number>(readable), async (v) => { await tick(); return v; }).pipe(take(5), toArray()));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(readable.destroyed).toBe(true);
    expect(state.reads).toBeLessThanOrEqual(5 + highWaterMark + 2);
  });

  test('unsubscribing while the stream has nothing to give still destroys it', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    readable.push('only');
    const subscription = fromNodeStream(readable).subscribe();
    await tick();
    subscription.unsubscribe();
    expect(readable.destroyed).toBe(true);
  });

  test('a stream error errors the Observable after the items before it', async () => {
    const readable = new Readable({ objectMode: true, read() {} });
    const result = collect(fromNodeStream(readable));
    readable.push('a');
    readable.push('b');
    await tick();
    readable.destroy(new Error('disk on fire'));
    const { items, error } = await result;
    expect(items).toEqual(['a', 'b']);
    expect(error?.message).toBe('disk on fire');
  });

  test('an error thrown by map errors the Observable and destroys the stream', async () => {
    const { readable } = countingReadable(100, 4);
    const { items, error } = await collect(
      fromNodeStream(readable, {
        map: (chunk) => {
          if (chunk === 2) throw new Error('cannot decode record 2');
          return chunk;
        },
      }),
    );
    expect(items).toEqual([0, 1]);
    expect(error?.message).toBe('cannot decode record 2');
    expect(readable.destroyed).toBe(true);
  });

  test('a stream is read once: a second subscription errors instead of completing empty', async () => {
    const source = fromNodeStream(Readable.from([1, 2]));
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([1, 2]);
    const { error } = await collect(source);
    expect(error).toBeInstanceOf(ArgumentError);
    expect(error?.message).toBe(
      'fromNodeStream: a Readable can be read only once and an earlier subscription already read this one; ' +
        'for several epochs use defer(() => fromNodeStream(openStream()))',
    );
  });

  test('a stream destroyed before subscription is an error, not an empty dataset', async () => {
    const readable = Readable.from([1, 2]);
    readable.destroy();
    const { error } = await collect(fromNodeStream(readable));
    expect(error?.message).toBe('fromNodeStream: the stream was already destroyed before it was subscribed');
  });

  test('rejects bad arguments when created', () => {
    expect(() => fromNodeStream({} as never)).toThrow(ArgumentError);
    expect(() => fromNodeStream([1, 2] as never)).toThrow('fromNodeStream: expected a Node.js Readable stream, found object');
    expect(() => fromNodeStream(Readable.from([Buffer.from('x')], { objectMode: false }))).toThrow(
      'fromNodeStream: the stream is not in object mode, so its chunks are bytes; pass a map option',
    );
    expect(() => fromNodeStream(Readable.from([1]), { decode: () => 1 } as never)).toThrow(
      "fromNodeStream: unknown option 'decode' (expected map)",
    );
    expect(() => fromNodeStream(Readable.from([1]), { map: 'json' } as never)).toThrow(
      'fromNodeStream: map must be a function, found string',
    );
  });
});
