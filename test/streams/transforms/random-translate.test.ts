import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, Tensor, tensor } from '../../../src/ops/index.js';
import { arbTensor } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { randomTranslate } from '../../../src/streams/transforms/random-translate.js';

const runs = { numRuns: 30 };
const images = arbTensor({ rank: [3, 3], dim: [1, 5] });
const seeds = fc.integer({ min: 0, max: 2 ** 31 });

/** out[c][i][j] = x[c][i − dy][j − dx], zero outside: the law randomTranslate documents. */
function shifted(x: Tensor, dy: number, dx: number): Float32Array {
  const [c, h, w] = x.shape;
  const out = new Float32Array(x.size);
  for (let k = 0; k < c; k++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++)
        if (i - dy >= 0 && i - dy < h && j - dx >= 0 && j - dx < w) out[(k * h + i) * w + j] = x.data[(k * h + i - dy) * w + j - dx];
  return out;
}

describe('randomTranslate', () => {
  test.prop([images, fc.nat({ max: 3 }), seeds], runs)('for any image, the output is x shifted by some |dy|, |dx| <= maxShift', (x, maxShift, seed) => {
    const out = randomTranslate({ maxShift }).apply(x, new Rng(seed));
    expect(out.shape).toEqual(x.shape);
    const candidates: Float32Array[] = [];
    for (let dy = -maxShift; dy <= maxShift; dy++) for (let dx = -maxShift; dx <= maxShift; dx++) candidates.push(shifted(x, dy, dx));
    expect(candidates).toContainEqual(out.data);
  });

  test.prop([images, seeds], runs)('translating by at most 0 pixels is the identity', (x, seed) => {
    expect(randomTranslate({ maxShift: 0 }).apply(x, new Rng(seed)).data).toEqual(x.data);
  });

  test('all (2·maxShift + 1)² shifts are drawn, and positive dx moves content right', () => {
    const x = tensor([[[0, 0, 0], [0, 1, 0], [0, 0, 0]]]);
    const translate = randomTranslate({ maxShift: 1 });
    const rng = new Rng(5);
    const positions = new Set<number>();
    for (let k = 0; k < 300; k++) positions.add(translate.apply(x, rng).data.indexOf(1));
    expect([...positions].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('dy is drawn first, then dx; positive dy moves content down and positive dx right', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]);
    // randomTranslate draws rng.int(3) - 1 for each of dy, dx; a fake generator replays chosen draws.
    const fakeRng = (ints: number[]) => ({ int: () => ints.shift() as number }) as unknown as Rng;
    expect(randomTranslate({ maxShift: 1 }).apply(x, fakeRng([2, 1])).toArray()).toEqual([[[0, 0, 0], [1, 2, 3], [4, 5, 6]]]);
    expect(randomTranslate({ maxShift: 1 }).apply(x, fakeRng([1, 2])).toArray()).toEqual([[[0, 1, 2], [0, 4, 5], [0, 7, 8]]]);
    expect(randomTranslate({ maxShift: 1 }).apply(x, fakeRng([0, 0])).toArray()).toEqual([[[5, 6, 0], [8, 9, 0], [0, 0, 0]]]);
  });

  test('through augment, the label is kept', async () => {
    const y = tensor(1);
    const out = await firstValueFrom(of({ x: tensor([[[1, 2], [3, 4]]]), y }).pipe(augment(randomTranslate({ maxShift: 1 }), { seed: 1 })));
    expect(out.y).toBe(y);
    expect(out.x.shape).toEqual([1, 2, 2]);
  });

  test('bad options throw when the transform is created, naming randomTranslate', () => {
    expect(() => randomTranslate({ maxShift: -1 })).toThrow(new ArgumentError('randomTranslate: maxShift must be an integer >= 0, found -1'));
    expect(() => randomTranslate({ maxShift: 1.5 })).toThrow('randomTranslate: maxShift must be an integer >= 0, found 1.5');
    expect(() => randomTranslate({} as never)).toThrow('randomTranslate: maxShift must be an integer >= 0, found undefined');
    expect(() => randomTranslate({ maxShift: 1, fill: 0 } as never)).toThrow("randomTranslate: unknown option 'fill' (expected one of maxShift)");
  });

  test('an image that is not [C, H, W] is a ShapeError naming randomTranslate', () => {
    expect(() => randomTranslate({ maxShift: 1 }).apply(tensor([[1]]), new Rng(0))).toThrow(
      'randomTranslate: expected an image x of shape [C, H, W] (rank 3), found [1,1]',
    );
  });
});
