import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, ShapeError, Tensor, tensor } from '../../../src/ops/index.js';
import { arbTensorOfShape } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { normalize } from '../../../src/streams/transforms/normalize.js';

const runs = { numRuns: 30 };
const rng = new Rng(0); // normalize ignores it

/** An image [C, H, W] with per-channel mean and std arrays of length C. */
const normalizeCase = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
  .chain(([c, h, w]) =>
    fc.tuple(
      arbTensorOfShape([c, h, w], { min: -5, max: 5 }),
      fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: c, maxLength: c }),
      fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: c, maxLength: c }),
    ),
  );

describe('normalize', () => {
  test.prop([normalizeCase], runs)('for any image, the shape is kept and x·std + mean recovers x', ([x, mean, std]) => {
    const out = normalize({ mean, std }).apply(x, rng);
    expect(out.shape).toEqual(x.shape);
    const plane = x.size / x.shape[0];
    out.data.forEach((v, k) => {
      const c = Math.floor(k / plane);
      expect(v * std[c] + mean[c]).toBeCloseTo(x.data[k], 4);
    });
  });

  test('worked example: each channel uses its own mean and std', () => {
    const x = tensor([[[1, 3]], [[10, 20]]]);
    expect(normalize({ mean: [2, 10], std: [1, 5] }).apply(x, rng).toArray()).toEqual([[[-1, 1]], [[0, 2]]]);
  });

  test('scalars apply to every channel, and a feature vector [F] is normalized per feature', () => {
    expect(normalize({ mean: 1, std: 2 }).apply(tensor([[[1, 3]], [[5, 7]]]), rng).toArray()).toEqual([[[0, 1]], [[2, 3]]]);
    expect(normalize({ mean: [0, 10], std: 2 }).apply(tensor([4, 14]), rng).toArray()).toEqual([2, 2]);
  });

  test('it is deterministic and needs no seed in augment; the label is kept', async () => {
    const transform = normalize({ mean: 0.5, std: 0.5 });
    expect(transform.random).toBe(false);
    const y = tensor(4);
    const out = await firstValueFrom(of({ x: tensor([[[0, 1]]]), y }).pipe(augment(transform)));
    expect(out.y).toBe(y);
    expect(out.x.toArray()).toEqual([[[-1, 1]]]);
  });

  test('the statistics are copied when the transform is created', () => {
    const mean = [0];
    const transform = normalize({ mean, std: [1] });
    mean[0] = 100;
    expect(transform.apply(tensor([[[5]]]), rng).item()).toBe(5);
  });

  test('bad options throw when the transform is created, naming normalize', () => {
    expect(() => normalize({ mean: 0, std: -1 })).toThrow(new ArgumentError('normalize: std must be a number or a non-empty array of finite numbers > 0, found -1'));
    expect(() => normalize({ mean: 0, std: [1, 0] })).toThrow('normalize: std must be a number or a non-empty array of finite numbers > 0, found [1,0]');
    expect(() => normalize({ mean: [Number.NaN], std: 1 })).toThrow('normalize: mean must be a number or a non-empty array of finite numbers, found [null]');
    expect(() => normalize({ mean: [], std: 1 })).toThrow('normalize: mean must be a number or a non-empty array of finite numbers, found []');
    expect(() => normalize({ mean: [0, 0, 0], std: [1, 1] })).toThrow('normalize: mean has 3 channels but std has 2');
    expect(() => normalize({ std: 1 } as never)).toThrow('normalize: mean must be a number or a non-empty array of finite numbers, found undefined');
    expect(() => normalize({ mean: 0, std: 1, eps: 1 } as never)).toThrow("normalize: unknown option 'eps' (expected one of mean, std)");
  });

  test('statistics for another number of channels are a ShapeError at the sample', () => {
    const transform = normalize({ mean: [0, 0, 0], std: 1 });
    expect(() => transform.apply(tensor([[[1]]]), rng)).toThrow(new ShapeError('normalize: mean has 3 values but x has 1 channels (x [1,1,1])'));
    expect(() => transform.apply(new Tensor(new Float32Array([1]), []), rng)).toThrow('normalize: expected x of shape [C, ...] (rank >= 1), found []');
  });
});
