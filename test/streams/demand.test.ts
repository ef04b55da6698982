import { describe, expect, test } from 'vitest';
import { Observable, bufferCount, lastValueFrom, map, take, toArray, filter, firstValueFrom } from 'rxjs';
import { fromAsyncPull, fromPull } from '../../src/streams/sources/pull.js';
import { paced } from '../../src/streams/consume.js';

/** A generator that counts how many items it produced and whether it was closed. */
function counted(n: number) {
  const state = { produced: 0, closed: false };
  const source = fromPull(function* () {
    try {
      for (let i = 0; i < n; i++) {
        state.produced++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  });
  return { source, state };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('demand-driven sources', () => {
  test('without a consumer demand a pull source is an ordinary cold Observable', async () => {
    const { source } = counted(5);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([0, 1, 2, 3, 4]);
    expect(await lastValueFrom(source.pipe(toArray()))).toEqual([0, 1, 2, 3, 4]);
  });

  test('a slow asynchronous consumer keeps the source at most one batch ahead', async () => {
    const { source, state } = counted(10_000);
    let consumed = 0;
    let maxAhead = 0;
    const results = paced(source.pipe(bufferCount(8)), async (batchOfEight) => {
      maxAhead = Math.max(maxAhead, state.produced - consumed);
      consumed += batchOfEight.length;
      await tick();
      return batchOfEight.length;
    });
    const sizes = await lastValueFrom(results.pipe(toArray()));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(maxAhead).toBeLessThanOrEqual(8);
  });

  test('RxJS operators between source and consumer keep the back-pressure (map, filter)', async () => {
    const { source, state } = counted(1_000);
    let consumed = 0;
    let maxAhead = 0;
    const results = paced(source.pipe(map((v) => v * 2), filter((v) => v % 4 === 0)), async () => {
      consumed = state.produced;
      await tick();
      maxAhead = Math.max(maxAhead, state.produced - consumed);
    });
    await lastValueFrom(results.pipe(toArray()));
    expect(maxAhead).toBeLessThanOrEqual(2);
  });

  test('unsubscribing stops the generator at once and runs its finally block', async () => {
    const { source, state } = counted(1_000_000);
    const seen = await lastValueFrom(paced(source, async (v) => { await tick(); return v; }).pipe(take(5), toArray()));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(state.closed).toBe(true);
    expect(state.produced).toBeLessThanOrEqual(6);
  });

  test('timers run between items: the event loop stays live while a consumer works', async () => {
    const { source } = counted(200);
    let timerFired = false;
    setTimeout(() => (timerFired = true), 1);
    let sawTimerDuringRun = false;
    await lastValueFrom(paced(source, (v) => { if (timerFired && v < 199) sawTimerDuringRun = true; const until = Date.now() + 0.05; while (Date.now() < until); return v; }).pipe(toArray()));
    expect(sawTimerDuringRun).toBe(true);
  });

  test('an error in the consumer or the source reaches the subscriber', async () => {
    const { source } = counted(10);
    await expect(lastValueFrom(paced(source, (v) => { if (v === 3) throw new Error('bad item 3'); return v; }))).rejects.toThrow('bad item 3');
    const failing = fromPull(function* () { yield 1; throw new Error('source broke'); });
    await expect(lastValueFrom(paced(failing, (v) => v))).rejects.toThrow('source broke');
  });

  test('an async source is read only as fast as the consumer takes items', async () => {
    let reads = 0;
    async function* slowFile() {
      for (let i = 0; i < 50; i++) {
        reads++;
        await tick();
        yield i;
      }
    }
    let maxAhead = 0;
    let consumed = 0;
    await lastValueFrom(paced(fromAsyncPull(() => slowFile()), async () => {
      consumed++;
      await tick();
      await tick();
      maxAhead = Math.max(maxAhead, reads - consumed);
    }).pipe(toArray()));
    expect(maxAhead).toBeLessThanOrEqual(1);
    expect(await firstValueFrom(fromAsyncPull(() => slowFile()))).toBe(0);
  });

  test('a plain Observable source is passed through (it cannot be paused, but it works)', async () => {
    const plain = new Observable<number>((s) => { s.next(1); s.next(2); s.complete(); });
    expect(await lastValueFrom(paced(plain, (v) => v * 10).pipe(toArray()))).toEqual([10, 20]);
  });
});
