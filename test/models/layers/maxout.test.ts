import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, tensor } from '../../../src/ops/index.js';
import { maxout } from '../../../src/models/layers/maxout.js';
import { dense } from '../../../src/models/layers/dense.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 20 };

/** `[N, groups·pieces, ...spatial]` batches with pairwise distinct values (no ties). */
const arbCase = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    pieces: fc.integer({ min: 1, max: 3 }),
    spatial: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 2 }),
  })
  .chain((c) =>
    fc.tuple(fc.constant(c), arbTensorOfShape([c.n, c.groups * c.pieces, ...c.spatial], { min: -4, max: 4, distinct: 0.1 })),
  );

describe('maxout layer', () => {
  test('[N, 6] with pieces 3 → [N, 2]: the max of each group of 3 consecutive features', () => {
    const layer = maxout({ pieces: 3 });
    expect(layer.build([6], { rng: new Rng(0) })).toEqual([2]);
    expect(layer.forward(tensor([[1, 5, 2, -1, -3, -2]])).toArray()).toEqual([[5, -1]]);
  });

  prop.prop([arbCase], runs)('for any batch, output[n, g, ...] = max_j input[n, g·pieces + j, ...]', ([c, x]) => {
    const layer = maxout({ pieces: c.pieces });
    layer.build(x.shape.slice(1), { rng: new Rng(0) });
    const y = layer.forward(x);
    expect(y.shape).toEqual([c.n, c.groups, ...c.spatial]);
    const inner = c.spatial.reduce((a, b) => a * b, 1);
    for (let n = 0; n < c.n; n++) {
      for (let g = 0; g < c.groups; g++) {
        for (let s = 0; s < inner; s++) {
          const group = Array.from({ length: c.pieces }, (_, j) => x.data[(n * c.groups * c.pieces + g * c.pieces + j) * inner + s]);
          expect(y.data[(n * c.groups + g) * inner + s]).toBe(Math.max(...group));
        }
      }
    }
  });

  prop.prop([arbCase], runs)('gradient wrt the input matches finite differences (it goes to each group’s winner)', ([c, x]) => {
    const layer = maxout({ pieces: c.pieces });
    layer.build(x.shape.slice(1), { rng: new Rng(0) });
    checkLayerGradients(layer, x);
  });

  test('dense(units·pieces) then maxout is the classic maxout unit: [N, 784] → [N, 64]', () => {
    const net = sequential([dense(64 * 4), maxout({ pieces: 4 }), dense(10)], { inputShape: [784] });
    expect(net.layers[1].outputShape).toEqual([64]);
    expect(net.layers[1].parameters()).toEqual([]);
  });

  test('on images it takes the maximum across groups of channels: [N, 4, 2, 2] with pieces 2 → [N, 2, 2, 2]', () => {
    const net = sequential([maxout({ pieces: 2 })], { inputShape: [4, 2, 2] });
    expect(net.outputShape).toEqual([2, 2, 2]);
  });

  test('features not divisible by pieces are a build error naming the layer and both numbers', () => {
    expect(() => sequential([dense(10), maxout({ pieces: 3 })], { inputShape: [4] })).toThrow(
      "maxout '1': features 10 (axis 1 of [N,10]) are not divisible by pieces 3",
    );
  });

  test('an input without a feature axis is a build error', () => {
    expect(() => sequential([maxout({ pieces: 2 })], { inputShape: [] })).toThrow(
      "maxout '0': expected a feature axis, input [N, F, ...], found [N]",
    );
  });

  test('pieces must be a positive integer', () => {
    expect(() => maxout({ pieces: 0 })).toThrow('maxout: pieces must be a positive integer, found 0');
    expect(() => maxout({ pieces: 1.5 })).toThrow('maxout: pieces must be a positive integer, found 1.5');
    expect(() => maxout(undefined as never)).toThrow('maxout: expected options { pieces }, found undefined');
  });

  test('its JSON form recreates it', () => {
    expect(maxout({ pieces: 2 }).toJSON()).toEqual({ kind: 'maxout', pieces: 2 });
  });
});
