/**
 * Bounded memory of a long pipeline, proven by counting (DESIGN.md, "Streams"): the
 * generator counts the samples it produced, the consumer the samples it finished, and the
 * difference (the samples alive somewhere in between) never exceeds the stated bound.
 * bench/bounded-memory.ts measures the resident memory of the same pipeline on
 * 1,000,000 samples; RSS is not asserted here (it would be flaky), counts are.
 *
 * Bound for fromPull → shuffle({ bufferSize }) → augment → batch(B) → paced:
 *   produced − consumed ≤ bufferSize + B
 * (the shuffle buffer, plus one batch being filled or being handled: the generator pauses
 * while the consumer works). With prefetch(k) after batch: bufferSize + (k + 1) · B.
 *
 * Images are [1, 2, 2] here (the benchmark uses [1, 8, 8]) so 200,000 samples run in about
 * two seconds; the counts do not depend on the image size.
 */
import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { type Observable, concatMap, from, lastValueFrom, take, toArray } from 'rxjs';
import { Tensor } from '../../src/ops/index.js';
import { augment } from '../../src/streams/augment.js';
import { batch } from '../../src/streams/batch.js';
import { paced } from '../../src/streams/consume.js';
import { prefetch } from '../../src/streams/prefetch.js';
import { shuffle } from '../../src/streams/shuffle.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import { gaussianNoise } from '../../src/streams/transforms/gaussian-noise.js';
import { randomFlip } from '../../src/streams/transforms/random-flip.js';
import type { Batch, Sample } from '../../src/streams/types.js';

const IMAGE = [1, 2, 2];
const BUFFER_SIZE = 1000;
const BATCH_SIZE = 64;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A sample generator that counts what it produced, what was consumed, and whether it was closed. */
function countedRun(n: number) {
  const run = { produced: 0, consumed: 0, maxInFlight: 0, closed: false };
  const note = (): void => {
    run.maxInFlight = Math.max(run.maxInFlight, run.produced - run.consumed);
  };
  function* samples(): Generator<Sample> {
    try {
      for (let i = 0; i < n; i++) {
        run.produced++;
        note();
        const x = new Float32Array(4).map((_, k) => ((i + k) % 7) / 7);
        yield { x: new Tensor(x, IMAGE), y: new Tensor(new Float32Array([i % 10]), []) };
      }
    } finally {
      run.closed = true;
    }
  }
  /** A slow consumer: it yields to the event loop `turns` times before finishing a batch. */
  const consumer = (turns = 1) =>
    async (b: Batch): Promise<number> => {
      note();
      for (let t = 0; t < turns; t++) await tick();
      run.consumed += b.size;
      return b.size;
    };
  return { run, consumer, samples, source: fromPull(samples) };
}

function preprocess(source: Observable<Sample>, bufferSize = BUFFER_SIZE, batchSize = BATCH_SIZE): Observable<Batch> {
  return source.pipe(
    shuffle<Sample>({ bufferSize, seed: 1 }),
    augment(randomFlip(), gaussianNoise(0.01), { seed: 2 }),
    batch(batchSize),
  );
}

describe('bounded memory of shuffle → augment → batch under a slow consumer', () => {
  test('200,000 samples: at most bufferSize + batchSize = 1064 samples are in flight, and all arrive', async () => {
    const { run, consumer, source } = countedRun(200_000);
    const sizes = await lastValueFrom(paced(preprocess(source), consumer()).pipe(toArray()));
    expect(sizes).toHaveLength(3125);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(200_000);
    expect(run.consumed).toBe(200_000);
    expect(run.maxInFlight).toBeLessThanOrEqual(BUFFER_SIZE + BATCH_SIZE);
    // the count does see the shuffle buffer: the bound is not vacuous
    expect(run.maxInFlight).toBeGreaterThanOrEqual(BUFFER_SIZE);
    expect(run.closed).toBe(true);
  });

  test('with prefetch(2) after batch: at most bufferSize + 3 · batchSize samples are in flight', async () => {
    const { run, consumer, source } = countedRun(20_000);
    await lastValueFrom(paced(preprocess(source).pipe(prefetch(2)), consumer(4)).pipe(toArray()));
    expect(run.consumed).toBe(20_000);
    expect(run.maxInFlight).toBeLessThanOrEqual(BUFFER_SIZE + 3 * BATCH_SIZE);
    // prefetch did run ahead of the consumer
    expect(run.maxInFlight).toBeGreaterThan(BUFFER_SIZE + BATCH_SIZE);
  });

  test.prop(
    [
      fc.integer({ min: 0, max: 1500 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 0, max: 3 }),
    ],
    { numRuns: 25 },
  )('for any n, bufferSize, batchSize and prefetch k: in flight ≤ bufferSize + (k + 1) · batchSize', async (n, bufferSize, batchSize, k) => {
    const { run, consumer, source } = countedRun(n);
    const batches = preprocess(source, bufferSize, batchSize);
    await lastValueFrom(paced(k === 0 ? batches : batches.pipe(prefetch(k)), consumer(2)).pipe(toArray()));
    expect(run.consumed).toBe(n);
    expect(run.maxInFlight).toBeLessThanOrEqual(bufferSize + (k + 1) * batchSize);
  });

  test('contrast: a plain from(generator) source with concatMap is not paused, so every sample is in flight', async () => {
    const { run, consumer, samples } = countedRun(10_000);
    await lastValueFrom(preprocess(from(samples())).pipe(concatMap(consumer()), toArray()));
    expect(run.consumed).toBe(10_000);
    expect(run.maxInFlight).toBe(10_000);
  });
});

describe('unsubscribing a long pipeline mid-stream stops the generator at once', () => {
  test('take(10) after the consumer: the generator is closed and produced no more than the bound past the 10 batches', async () => {
    const { run, consumer, source } = countedRun(1_000_000);
    const sizes = await lastValueFrom(paced(preprocess(source), consumer()).pipe(take(10), toArray()));
    expect(sizes).toEqual(Array(10).fill(BATCH_SIZE));
    expect(run.closed).toBe(true);
    expect(run.produced).toBeLessThanOrEqual(10 * BATCH_SIZE + BUFFER_SIZE + BATCH_SIZE);
    const produced = run.produced;
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(run.produced).toBe(produced);
  });

  test('unsubscribe() while the consumer works: the finally block has run when unsubscribe returns, and production stops', async () => {
    const { run, consumer, source } = countedRun(1_000_000);
    const handle = consumer();
    let reached20!: () => void;
    const at20 = new Promise<void>((resolve) => (reached20 = resolve));
    const subscription = paced(preprocess(source), async (b: Batch, index: number) => {
      if (index === 20) reached20();
      return handle(b);
    }).subscribe();
    await at20;
    expect(run.closed).toBe(false);
    subscription.unsubscribe();
    expect(run.closed).toBe(true);
    const produced = run.produced;
    expect(produced).toBeLessThanOrEqual(21 * BATCH_SIZE + BUFFER_SIZE);
    for (let t = 0; t < 10; t++) await tick();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(run.produced).toBe(produced);
  });
});
