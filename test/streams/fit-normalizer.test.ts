import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { catchError, firstValueFrom, from, lastValueFrom, map, of, toArray, EMPTY } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, ShapeError, Tensor, stack, tensor } from '../../src/ops/index.js';
import { arbTensorOfShape } from '../../src/testing/index.js';
import { fitNormalizer } from '../../src/streams/fit-normalizer.js';
import { augment } from '../../src/streams/augment.js';
import { normalize } from '../../src/streams/transforms/normalize.js';
import type { Batch, Sample } from '../../src/streams/types.js';

const runs = { numRuns: 25 };
const scheduler = (): TestScheduler => new TestScheduler((a, b) => expect(a).toEqual(b));

/** One to six samples with the same channel count C and any H, W. */
const samples = fc.integer({ min: 1, max: 3 }).chain((c) =>
  fc.array(
    fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })).chain(([h, w]) =>
      arbTensorOfShape([c, h, w], { min: -10, max: 10 }).map((x): Sample => ({ x, y: tensor(0) })),
    ),
    { minLength: 1, maxLength: 6 },
  ),
);

/** Mean and population std of each channel over all values of all samples, computed directly in float64. */
function direct(items: Sample[]): { mean: number[]; std: number[] } {
  const channels = items[0].x.shape[0];
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const all = items.flatMap((s) => {
      const plane = s.x.size / channels;
      return Array.from(s.x.data.subarray(c * plane, (c + 1) * plane));
    });
    const m = all.reduce((a, b) => a + b, 0) / all.length;
    mean.push(m);
    std.push(Math.sqrt(all.reduce((a, b) => a + (b - m) ** 2, 0) / all.length));
  }
  return { mean, std };
}

const expectClose = (actual: number[], expected: number[]): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 9));
};

describe('fitNormalizer', () => {
  test.prop([samples], runs)('for any samples, mean and std equal a direct computation over the concatenated data', async (items) => {
    const nonConstant = direct(items).std.every((s) => s > 0);
    fc.pre(nonConstant);
    const stats = await firstValueFrom(from(items).pipe(fitNormalizer()));
    const expected = direct(items);
    expectClose(stats.mean, expected.mean);
    expectClose(stats.std, expected.std);
  });

  test.prop([samples], runs)('batches [N, C, ...] give the same statistics as their samples', async (items) => {
    fc.pre(direct(items).std.every((s) => s > 0));
    const sameShape = items.filter((s) => s.x.shape.join() === items[0].x.shape.join());
    fc.pre(direct(sameShape).std.every((s) => s > 0));
    const batches: Batch[] = [];
    for (let k = 0; k < sameShape.length; k += 2) {
      const part = sameShape.slice(k, k + 2);
      batches.push({ x: stack(part.map((s) => s.x)), y: stack(part.map((s) => s.y)), size: part.length });
    }
    const fromBatches = await firstValueFrom(from(batches).pipe(fitNormalizer()));
    const expected = direct(sameShape);
    expectClose(fromBatches.mean, expected.mean);
    expectClose(fromBatches.std, expected.std);
  });

  test('numerically stable: a large offset does not swamp a small spread', async () => {
    // 1e6 + {0, 1, 2, 3} exactly representable in float32; mean 1e6 + 1.5, std √1.25.
    const items = Array.from({ length: 5000 }, (): Sample => ({ x: tensor([[[1e6, 1e6 + 1], [1e6 + 2, 1e6 + 3]]]), y: tensor(0) }));
    const stats = await firstValueFrom(from(items).pipe(fitNormalizer()));
    expect(stats.mean[0]).toBeCloseTo(1e6 + 1.5, 9);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(1.25), 9);
  });

  test('the intended pipeline: fit on train, normalize every split; normalized train has mean 0 and std 1', async () => {
    const train = from([
      { x: tensor([[[1, 2]], [[10, 30]]]), y: tensor(0) },
      { x: tensor([[[3, 4]], [[20, 40]]]), y: tensor(1) },
    ]);
    const test$ = of({ x: tensor([[[2.5, 2.5]], [[25, 25]]]), y: tensor(0) });
    const stats = await firstValueFrom(train.pipe(fitNormalizer()));
    expectClose(stats.mean, [2.5, 25]);
    const again = await firstValueFrom(train.pipe(augment(normalize(stats)), fitNormalizer()));
    again.mean.forEach((m) => expect(m).toBeCloseTo(0, 6));
    again.std.forEach((s) => expect(s).toBeCloseTo(1, 6));
    const [normalizedTest] = await lastValueFrom(test$.pipe(augment(normalize(stats)), toArray()));
    expect(Array.from(normalizedTest.x.data)).toEqual([0, 0, 0, 0]);
  });

  test('emits once on completion, passes errors through, and releases the source on unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = { x: tensor([[[0, 2]]]), y: tensor(0) };
      const b = { x: tensor([[[4, 6]]]), y: tensor(0) };
      const done = cold('-a-b-|', { a, b });
      expectObservable(done.pipe(fitNormalizer())).toBe('-----(s|)', { s: { mean: [3], std: [Math.sqrt(5)] } });
      expectSubscriptions(done.subscriptions).toBe('^----!');

      const failing = cold('-a-#', { a }, new Error('read failed'));
      expectObservable(failing.pipe(fitNormalizer())).toBe('---#', undefined, new Error('read failed'));
      expectSubscriptions(failing.subscriptions).toBe('^--!');

      const endless = cold('-a-b-a-b-', { a, b });
      expectObservable(endless.pipe(fitNormalizer()), '^---!').toBe('-');
      expectSubscriptions(endless.subscriptions).toBe('^---!');
    });
  });

  test('each subscription measures afresh (no state shared between runs)', async () => {
    const fitted = from([{ x: tensor([[[0, 2]]]), y: tensor(0) }]).pipe(fitNormalizer());
    expect(await firstValueFrom(fitted)).toEqual(await firstValueFrom(fitted));
    expect((await firstValueFrom(fitted)).mean).toEqual([1]);
  });

  test('an empty stream, a constant channel and a non-finite value are errors', async () => {
    await expect(firstValueFrom(EMPTY.pipe(fitNormalizer()))).rejects.toThrow(
      new ArgumentError('fitNormalizer: the stream completed without any values to measure'),
    );
    const constant = of({ x: tensor([[[1, 2]], [[5, 5]]]), y: tensor(0) });
    await expect(firstValueFrom(constant.pipe(fitNormalizer()))).rejects.toThrow(
      'fitNormalizer: channel 1 is constant (std 0 over 2 values, mean 5); normalize needs std > 0',
    );
    const nan = of({ x: tensor([[[1, 2]]]), y: tensor(0) }, { x: tensor([[[1, Number.NaN]]]), y: tensor(0) });
    await expect(firstValueFrom(nan.pipe(fitNormalizer()))).rejects.toThrow('fitNormalizer: sample 1 has a non-finite value in channel 0');
  });

  test('shape errors name the item index', async () => {
    const mixed = of({ x: tensor([[[1, 2]], [[3, 4]]]), y: tensor(0) }, { x: tensor([[[1, 2]]]), y: tensor(0) });
    const error = await firstValueFrom(mixed.pipe(fitNormalizer())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toBe('fitNormalizer: sample 1 has 1 channels but the first item had 2 (x [1,1,2], first [2,1,2])');
    const scalarSample = of({ x: new Tensor(new Float32Array([1]), []), y: tensor(0) });
    await expect(firstValueFrom(scalarSample.pipe(fitNormalizer()))).rejects.toThrow('fitNormalizer: sample 0: expected x of shape [C, ...], found []');
    const flatBatch = of({ x: tensor([1, 2]), y: tensor([0, 1]), size: 2 });
    await expect(firstValueFrom(flatBatch.pipe(fitNormalizer()))).rejects.toThrow('fitNormalizer: batch 0: expected x of shape [N, C, ...], found [2]');
    const noTensor = of({ x: [1, 2], y: tensor(0) } as unknown as Sample);
    const message = await firstValueFrom(noTensor.pipe(fitNormalizer(), map(() => ''), catchError((e: Error) => of(e.message))));
    expect(message).toBe('fitNormalizer: sample 0 has no tensor x');
  });
});
