import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, ShapeError, pad, slice, tensor, type Tensor } from '../../../src/ops/index.js';
import { arbTensorOfShape } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { randomCrop } from '../../../src/streams/transforms/random-crop.js';

const runs = { numRuns: 30 };
const seeds = fc.integer({ min: 0, max: 2 ** 31 });

/** An image [C, H, W], a padding, and a crop size that fits the padded image. */
const cropCase = fc
  .record({ c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 1, max: 6 }), w: fc.integer({ min: 1, max: 6 }), padding: fc.nat({ max: 3 }) })
  .chain(({ c, h, w, padding }) =>
    fc.tuple(
      arbTensorOfShape([c, h, w]),
      fc.constant(padding),
      fc.integer({ min: 1, max: Math.min(h, w) + 2 * padding }),
    ),
  );

/** Every size×size window of x padded with zeros. */
function windows(x: Tensor, padding: number, size: number): Float32Array[] {
  const padded = pad(x, [[padding, padding], [padding, padding]]);
  const out: Float32Array[] = [];
  for (let top = 0; top + size <= padded.shape[1]; top++) {
    for (let left = 0; left + size <= padded.shape[2]; left++) {
      out.push(slice(padded, [0, top, left], [x.shape[0], top + size, left + size]).data);
    }
  }
  return out;
}

describe('randomCrop', () => {
  test.prop([cropCase, seeds], runs)('for any image, the output is [C, size, size]', ([x, padding, size], seed) => {
    expect(randomCrop({ size, padding }).apply(x, new Rng(seed)).shape).toEqual([x.shape[0], size, size]);
  });

  test.prop([cropCase, seeds], runs)('for any image, the output is a window of the zero-padded image', ([x, padding, size], seed) => {
    const out = randomCrop({ size, padding }).apply(x, new Rng(seed));
    expect(windows(x, padding, size)).toContainEqual(out.data);
  });

  test.prop([fc.integer({ min: 1, max: 5 }).chain((n) => arbTensorOfShape([2, n, n])), seeds], runs)(
    'with padding 0 and size = H, the crop is the identity',
    (x, seed) => {
      expect(randomCrop({ size: x.shape[1] }).apply(x, new Rng(seed)).data).toEqual(x.data);
    },
  );

  test('every window position is drawn: a 2x2 crop of a 2x2 image padded by 1 has 9', () => {
    const x = tensor([[[1, 2], [3, 4]]]);
    const crop = randomCrop({ size: 2, padding: 1 });
    const rng = new Rng(3);
    const seen = new Set<string>();
    for (let k = 0; k < 400; k++) seen.add(Array.from(crop.apply(x, rng).data).join(','));
    expect(seen.size).toBe(9);
    expect(seen).toContain('0,0,0,1');
    expect(seen).toContain('4,0,0,0');
  });

  test('the top offset is drawn first, then the left one, both in padded coordinates', () => {
    const x = tensor([[[1, 2], [3, 4]]]);
    const fakeRng = (ints: number[]) => ({ int: () => ints.shift() as number }) as unknown as Rng;
    expect(randomCrop({ size: 2, padding: 1 }).apply(x, fakeRng([0, 2])).toArray()).toEqual([[[0, 0], [2, 0]]]);
    expect(randomCrop({ size: 2, padding: 1 }).apply(x, fakeRng([2, 0])).toArray()).toEqual([[[0, 3], [0, 0]]]);
  });

  test('a rectangular size [height, width] is accepted', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]]);
    expect(randomCrop({ size: [2, 3] }).apply(x, new Rng(0)).toArray()).toEqual(x.toArray());
    expect(randomCrop({ size: [1, 3] }).apply(x, new Rng(0)).shape).toEqual([1, 1, 3]);
  });

  test('through augment, the label is kept', async () => {
    const y = tensor([0, 1]);
    const out = await firstValueFrom(of({ x: tensor([[[1, 2], [3, 4]]]), y }).pipe(augment(randomCrop({ size: 1, padding: 1 }), { seed: 1 })));
    expect(out.y).toBe(y);
    expect(out.x.shape).toEqual([1, 1, 1]);
  });

  test('bad options throw when the transform is created, naming randomCrop', () => {
    expect(() => randomCrop({ size: 0 })).toThrow(new ArgumentError('randomCrop: size must be an integer >= 1, found 0'));
    expect(() => randomCrop({ size: 2.5 })).toThrow('randomCrop: size must be an integer >= 1, found 2.5');
    expect(() => randomCrop({ size: 4, padding: -1 })).toThrow('randomCrop: padding must be an integer >= 0, found -1');
    expect(() => randomCrop({} as never)).toThrow('randomCrop: size must be an integer >= 1, found undefined');
    expect(() => randomCrop(undefined as never)).toThrow('randomCrop: size must be an integer >= 1, found undefined');
    expect(() => randomCrop({ size: 4, pad: 1 } as never)).toThrow("randomCrop: unknown option 'pad' (expected one of size, padding)");
  });

  test('a size larger than the padded image is a ShapeError naming randomCrop (the image size is known per sample)', () => {
    const crop = randomCrop({ size: 5, padding: 1 });
    expect(() => crop.apply(tensor([[[1, 2], [3, 4]]]), new Rng(0))).toThrow(
      new ShapeError('randomCrop: size 5x5 is larger than the padded image 4x4 (x [1,2,2], padding 1)'),
    );
    expect(() => crop.apply(tensor([1, 2]), new Rng(0))).toThrow('randomCrop: expected an image x of shape [C, H, W] (rank 3), found [2]');
  });
});
