import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { catchError, firstValueFrom, from, lastValueFrom, map, of, repeat, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, ShapeError, Tensor, tensor, type Rng } from '../../src/ops/index.js';
import { augment, type Transform } from '../../src/streams/augment.js';
import { randomFlip } from '../../src/streams/transforms/random-flip.js';
import { gaussianNoise } from '../../src/streams/transforms/gaussian-noise.js';
import { normalize } from '../../src/streams/transforms/normalize.js';
import { randomCrop } from '../../src/streams/transforms/random-crop.js';
import type { Sample } from '../../src/streams/types.js';

const runs = { numRuns: 20 };
const scheduler = (): TestScheduler => new TestScheduler((a, b) => expect(a).toEqual(b));

/** A deterministic transform that adds 10, so marble values are easy to write. */
const addTen: Transform = {
  name: 'addTen',
  random: false,
  apply: (x: Tensor) => new Tensor(x.data.map((v) => v + 10), x.shape),
};

const image = (v: number): Tensor => tensor([[[v, v + 1], [v + 2, v + 3]]]);
const sample = (v: number, label = v): Sample => ({ x: image(v), y: tensor(label) });

/** Twenty 1x4x4 images with distinct values, labels 0..19. */
const dataset = (): Observable<Sample> =>
  from(Array.from({ length: 20 }, (_, i) => ({ x: new Tensor(Float32Array.from({ length: 16 }, (_, k) => i * 16 + k), [1, 4, 4]), y: tensor(i) })));

const values = (samples: Sample[]): number[][] => samples.map((s) => Array.from(s.x.data));

describe('augment', () => {
  test('passes values and completion through, transforming x and keeping y', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: sample(1), b: sample(5) });
      expectObservable(source.pipe(augment(addTen))).toBe('-A-B-|', { A: sample(11, 1), B: sample(15, 5) });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('passes an upstream error through and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#', { a: sample(1) }, new Error('disk gone'));
      expectObservable(source.pipe(augment(addTen))).toBe('-A-#', { A: sample(11, 1) }, new Error('disk gone'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('a transform error ends the stream, names the sample index, and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad: Sample = { x: tensor([1, 2]), y: tensor(0) };
      const source = cold('-a-b-c|', { a: sample(1), b: bad, c: sample(2) });
      const out = source.pipe(augment(randomFlip(), { seed: 1 }), map(() => 'v'), catchError((e: Error) => of(e.message)));
      expectObservable(out).toBe('-v-(m|)', {
        v: 'v',
        m: 'augment: sample 1 (epoch 0): randomFlip: expected an image x of shape [C, H, W] (rank 3), found [2]',
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('unsubscribing releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: sample(1), b: sample(2), c: sample(3) });
      expectObservable(source.pipe(augment(addTen)), '^--!').toBe('-A-', { A: sample(11, 1) });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('a transform error keeps its class and the original as cause', async () => {
    const failing = from([{ x: tensor([[[1]]]), y: tensor(0) }]).pipe(augment(randomCrop({ size: 3 }), { seed: 1 }));
    const error = await lastValueFrom(failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect((error as Error).message).toMatch(/^augment: sample 0 \(epoch 0\): randomCrop: size 3x3 is larger than the padded image 1x1/);
    expect((error as Error).cause).toBeInstanceOf(ShapeError);
  });

  test('labels and extra fields of a sample pass through unchanged', async () => {
    const tagged = { x: image(0), y: tensor([0, 1, 0]), id: 'img-7' };
    const [out] = await lastValueFrom(of(tagged).pipe(augment(gaussianNoise(0.1), { seed: 3 }), toArray()));
    expect(out.y).toBe(tagged.y);
    expect(out.id).toBe('img-7');
    expect(out.x.shape).toEqual([1, 2, 2]);
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 })], runs)('for any seed, the same seed gives the same augmented epoch', async (seed) => {
    const pipeline = () => dataset().pipe(augment(randomFlip(), gaussianNoise(1), { seed }), toArray());
    expect(values(await lastValueFrom(pipeline()))).toEqual(values(await lastValueFrom(pipeline())));
  });

  test('each subscription is a new epoch with new draws; a fresh operator replays epoch 0', async () => {
    const augmented = dataset().pipe(augment(randomFlip(), gaussianNoise(1), { seed: 9 }));
    const epoch0 = values(await lastValueFrom(augmented.pipe(toArray())));
    const epoch1 = values(await lastValueFrom(augmented.pipe(toArray())));
    expect(epoch1).not.toEqual(epoch0);
    const again = dataset().pipe(augment(randomFlip(), gaussianNoise(1), { seed: 9 }));
    expect(values(await lastValueFrom(again.pipe(toArray())))).toEqual(epoch0);
  });

  test('repeat() counts epochs too, and initialEpoch resumes at a later epoch', async () => {
    const twoEpochs = await lastValueFrom(dataset().pipe(augment(gaussianNoise(1), { seed: 4 }), repeat(2), toArray()));
    const resumed = await lastValueFrom(dataset().pipe(augment(gaussianNoise(1), { seed: 4, initialEpoch: 1 }), toArray()));
    expect(values(resumed)).toEqual(values(twoEpochs.slice(20)));
    expect(values(resumed)).not.toEqual(values(twoEpochs.slice(0, 20)));
  });

  test('different seeds give different augmentations', async () => {
    const run = (seed: number) => lastValueFrom(dataset().pipe(augment(gaussianNoise(1), { seed }), toArray()));
    expect(values(await run(1))).not.toEqual(values(await run(2)));
  });

  test('a sample is transformed by its own generator: its draws do not depend on earlier samples', async () => {
    const big: Sample = { x: new Tensor(new Float32Array(64), [1, 8, 8]), y: tensor(0) };
    const rest = await lastValueFrom(dataset().pipe(toArray()));
    const run = (first: Sample) => lastValueFrom(from([first, ...rest.slice(1)]).pipe(augment(gaussianNoise(1), { seed: 5 }), toArray()));
    const withSmallFirst = await run(rest[0]);
    const withBigFirst = await run(big);
    expect(values(withBigFirst.slice(1))).toEqual(values(withSmallFirst.slice(1)));
  });

  test('transforms apply in order', async () => {
    const timesTwo: Transform = { name: 'timesTwo', random: false, apply: (x: Tensor) => new Tensor(x.data.map((v) => v * 2), x.shape) };
    const out = await firstValueFrom(of(sample(1)).pipe(augment(addTen, timesTwo)));
    expect(Array.from(out.x.data)).toEqual([22, 24, 26, 28]);
  });

  test('a user transform receives a seeded Rng', async () => {
    const draws: number[] = [];
    const spy: Transform = { name: 'spy', random: true, apply: (x: Tensor, rng: Rng) => { draws.push(rng.uniform()); return x; } };
    await lastValueFrom(dataset().pipe(augment(spy, { seed: 2 })));
    await lastValueFrom(dataset().pipe(augment(spy, { seed: 2 })));
    expect(draws.slice(0, 20)).toEqual(draws.slice(20));
    expect(new Set(draws).size).toBe(20);
  });

  test('deterministic transforms need no seed', async () => {
    const out = await firstValueFrom(of(sample(1)).pipe(augment(normalize({ mean: 1, std: 2 }))));
    expect(Array.from(out.x.data)).toEqual([0, 0.5, 1, 1.5]);
  });

  test('bad arguments throw when the operator is created, naming augment', () => {
    expect(() => augment(randomFlip())).toThrow(new ArgumentError('augment: random transforms (randomFlip) need a seed: augment(..., { seed })'));
    expect(() => augment(randomFlip(), normalize({ mean: 0, std: 1 }), gaussianNoise(1))).toThrow('augment: random transforms (randomFlip, gaussianNoise) need a seed');
    expect(() => augment(randomFlip(), { seed: Number.NaN })).toThrow('augment: seed must be a finite number, found NaN');
    expect(() => augment(addTen, { initialEpoch: -1 })).toThrow('augment: initialEpoch must be an integer >= 0, found -1');
    expect(() => augment(addTen, { sead: 1 } as never)).toThrow("augment: unknown option 'sead' (expected one of seed, initialEpoch)");
    expect(() => augment((() => 1) as never, addTen)).toThrow(/augment: argument 0 is not a transform/);
    expect(() => augment(addTen, null as never)).toThrow('augment: argument 1 is not a transform (expected { name, random, apply }), found null');
  });

  test('a sample without a tensor x is an error naming its index', async () => {
    const bad = of(sample(1), { x: [1, 2], y: tensor(0) } as unknown as Sample).pipe(augment(addTen));
    await expect(lastValueFrom(bad)).rejects.toThrow('augment: sample 1 (epoch 0) has no tensor x, found an object with keys {x, y}');
  });
});
