import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { firstValueFrom, of } from 'rxjs';
import { ArgumentError, Rng, Tensor, tensor } from '../../../src/ops/index.js';
import { arbTensor, arbTensorOfShape } from '../../../src/testing/index.js';
import { augment } from '../../../src/streams/augment.js';
import { randomRotate } from '../../../src/streams/transforms/random-rotate.js';

const runs = { numRuns: 30 };
const images = arbTensor({ rank: [3, 3], dim: [1, 5] });
const squares = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 })).chain(([c, n]) => arbTensorOfShape([c, n, n]));
const seeds = fc.integer({ min: 0, max: 2 ** 31 });

/** Per channel: `pick(i, j)` gives the input (row, col) that lands on output (i, j). */
function remap(x: Tensor, pick: (i: number, j: number, n: number) => [number, number]): number[][][] {
  const [c, n] = x.shape;
  return Array.from({ length: c }, (_, k) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        const [row, col] = pick(i, j, n);
        return x.data[(k * n + row) * n + col];
      }),
    ),
  );
}
const closeTo = (actual: Tensor, expected: number[][][]): void => {
  const flat = expected.flat(2);
  actual.data.forEach((v, k) => expect(v).toBeCloseTo(flat[k], 5));
};

describe('randomRotate', () => {
  test.prop([images, fc.double({ min: 0, max: 180, noNaN: true }), seeds], runs)('for any image and angle, the shape is kept', (x, maxDegrees, seed) => {
    expect(randomRotate(maxDegrees).apply(x, new Rng(seed)).shape).toEqual(x.shape);
  });

  test.prop([images, seeds], runs)('rotating by 0 degrees is the identity', (x, seed) => {
    expect(randomRotate(0).apply(x, new Rng(seed)).data).toEqual(x.data);
  });

  test.prop([squares], runs)('+90° on a square image is the transpose with rows reversed (counter-clockwise, NumPy rot90)', (x) => {
    // transpose: t[i][j] = x[j][i]; rows reversed: out[i][j] = t[n-1-i][j] = x[j][n-1-i]
    closeTo(randomRotate([90, 90]).apply(x, new Rng(0)), remap(x, (i, j, n) => [j, n - 1 - i]));
  });

  test.prop([squares], runs)('−90° is the transpose with columns reversed (clockwise); 180° reverses both axes', (x) => {
    closeTo(randomRotate([-90, -90]).apply(x, new Rng(0)), remap(x, (i, j, n) => [n - 1 - j, i]));
    closeTo(randomRotate([180, 180]).apply(x, new Rng(0)), remap(x, (i, j, n) => [n - 1 - i, n - 1 - j]));
  });

  test('a positive angle turns the top-right corner to the top-left, as displayed', () => {
    const x = tensor([[[0, 0, 1], [0, 0, 0], [0, 0, 0]]]);
    closeTo(randomRotate([90, 90]).apply(x, new Rng(0)), [[[1, 0, 0], [0, 0, 0], [0, 0, 0]]]);
  });

  test('interpolation is bilinear with zero fill: 45° keeps the centre and blends the corners with zeros', () => {
    const x = tensor([[[1, 1, 1], [1, 1, 1], [1, 1, 1]]]);
    const out = randomRotate([45, 45]).apply(x, new Rng(0));
    expect(out.data[4]).toBeCloseTo(1, 6);
    // Output corner (0, 0) samples the input at (row 1 − √2, col 1): 2 − √2 of row 0, the rest from the zero border.
    expect(out.data[0]).toBeCloseTo(2 - Math.SQRT2, 6);
    expect(out.data[1]).toBeCloseTo(1, 6);
  });

  test('angles are drawn uniformly from [−maxDegrees, maxDegrees]', () => {
    const x = tensor([[[0, 0, 0], [0, 0, 1], [0, 0, 0]]]);
    const rotate = randomRotate(90);
    const rng = new Rng(8);
    let upper = 0;
    for (let k = 0; k < 2000; k++) {
      const out = rotate.apply(x, rng).data;
      if (out[1] + out[2] > out[7] + out[8]) upper++; // turned counter-clockwise: the pixel moved up
    }
    expect(upper / 2000).toBeGreaterThan(0.45);
    expect(upper / 2000).toBeLessThan(0.55);
  });

  test('through augment, the label is kept', async () => {
    const y = tensor(2);
    const out = await firstValueFrom(of({ x: tensor([[[1, 2], [3, 4]]]), y }).pipe(augment(randomRotate(30), { seed: 1 })));
    expect(out.y).toBe(y);
    expect(out.x.shape).toEqual([1, 2, 2]);
  });

  test('bad angles throw when the transform is created, naming randomRotate', () => {
    expect(() => randomRotate(-5)).toThrow(new ArgumentError('randomRotate: maxDegrees must be a finite number >= 0, found -5'));
    expect(() => randomRotate(Number.POSITIVE_INFINITY)).toThrow('randomRotate: maxDegrees must be a finite number >= 0, found Infinity');
    expect(() => randomRotate([10, 5])).toThrow('randomRotate: degrees must be a pair [min, max] of finite numbers with min <= max, found [10,5]');
    expect(() => randomRotate([1] as never)).toThrow('randomRotate: degrees must be a pair');
  });

  test('an image that is not [C, H, W] is a ShapeError naming randomRotate', () => {
    expect(() => randomRotate(10).apply(tensor([[[[1]]]]), new Rng(0))).toThrow(
      'randomRotate: expected an image x of shape [C, H, W] (rank 3), found [1,1,1,1]',
    );
  });
});
