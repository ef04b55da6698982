import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, ShapeError, tensor } from '../../../src/ops/index.js';
import { arbTensor } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { randomFlip } from '../../../src/streams/transforms/random-flip.js';

const runs = { numRuns: 30 };
const images = arbTensor({ rank: [3, 3], dim: [1, 5] });
const seeds = fc.integer({ min: 0, max: 2 ** 31 });
const probabilities = fc.double({ min: 0, max: 1, noNaN: true });

describe('randomFlip', () => {
  test.prop([images, seeds, probabilities], runs)('for any image, the shape is kept', (x, seed, p) => {
    expect(randomFlip({ p }).apply(x, new Rng(seed)).shape).toEqual(x.shape);
  });

  test.prop([images, seeds, probabilities], runs)('for any image, flipping twice with the same draw is the identity', (x, seed, p) => {
    const flip = randomFlip({ p });
    const once = flip.apply(x, new Rng(seed));
    expect(flip.apply(once, new Rng(seed)).data).toEqual(x.data);
  });

  test.prop([images, seeds], runs)('the output is either x or x mirrored along W', (x, seed) => {
    const out = randomFlip().apply(x, new Rng(seed)).toArray() as number[][][];
    const mirrored = (x.toArray() as number[][][]).map((plane) => plane.map((row) => [...row].reverse()));
    expect([x.toArray(), mirrored]).toContainEqual(out);
  });

  test('p = 1 always mirrors each row, p = 0 never does', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
    expect(randomFlip({ p: 1 }).apply(x, new Rng(0)).toArray()).toEqual([[[3, 2, 1], [6, 5, 4]], [[9, 8, 7], [12, 11, 10]]]);
    expect(randomFlip({ p: 0 }).apply(x, new Rng(0)).toArray()).toEqual(x.toArray());
  });

  test('flips with frequency p', () => {
    const x = tensor([[[1, 2]]]);
    const flip = randomFlip({ p: 0.3 });
    const rng = new Rng(11);
    let flips = 0;
    for (let k = 0; k < 4000; k++) if (flip.apply(x, rng).data[0] === 2) flips++;
    expect(flips / 4000).toBeGreaterThan(0.27);
    expect(flips / 4000).toBeLessThan(0.33);
  });

  test('through augment, the label is kept and the shape unchanged', async () => {
    const y = tensor(3);
    const out = await firstValueFrom(of({ x: tensor([[[1, 2, 3]]]), y }).pipe(augment(randomFlip({ p: 1 }), { seed: 1 })));
    expect(out.y).toBe(y);
    expect(out.x.toArray()).toEqual([[[3, 2, 1]]]);
  });

  test('bad options throw when the transform is created, naming randomFlip', () => {
    expect(() => randomFlip({ p: -0.1 })).toThrow(new ArgumentError('randomFlip: p must be a probability in [0, 1], found -0.1'));
    expect(() => randomFlip({ p: 1.5 })).toThrow('randomFlip: p must be a probability in [0, 1], found 1.5');
    expect(() => randomFlip({ p: Number.NaN })).toThrow('randomFlip: p must be a probability in [0, 1], found NaN');
    expect(() => randomFlip({ prob: 0.5 } as never)).toThrow("randomFlip: unknown option 'prob' (expected one of p)");
    expect(() => randomFlip(0.5 as never)).toThrow('randomFlip: options must be an object, found 0.5');
  });

  test('an image that is not [C, H, W] is a ShapeError naming randomFlip', () => {
    expect(() => randomFlip().apply(tensor([[1, 2]]), new Rng(0))).toThrow(
      new ShapeError('randomFlip: expected an image x of shape [C, H, W] (rank 3), found [1,2]'),
    );
  });
});
