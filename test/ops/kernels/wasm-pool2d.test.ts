import { describe, expect, test as plain } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { maxPool2dForward, maxPool2x2ForwardLoop } from '../../../src/ops/kernels/pool2d.js';
import { wasmMaxPool2x2 } from '../../../src/ops/kernels/wasm/pool2d.js';
import { pool2dGeometry } from '../../../src/ops/pool-options.js';

/**
 * The WASM 2×2 max pooling against the general TypeScript loop: the same values (NaN as NaN, −0
 * apart from +0) and the same argmax indices, over widths that exercise both the four-window
 * vector loop and the one-window tail (output widths 1…11).
 */
const runs = { numRuns: 60 };

/** Values with ties, ±0 and NaN over-represented. */
const arbValue = fc.oneof(fc.constantFrom(Number.NaN, 0, -0, 1, -1), fc.integer({ min: -3, max: 3 }), fc.float({ noNaN: true }));

const arbInput = fc
  .record({ n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }), oh: fc.integer({ min: 1, max: 4 }), ow: fc.integer({ min: 1, max: 11 }) })
  .chain(({ n, c, oh, ow }) => {
    const shape = [n, c, 2 * oh, 2 * ow];
    const size = n * c * 4 * oh * ow;
    return fc.array(arbValue, { minLength: size, maxLength: size }).map((v) => ({ shape, x: Float32Array.from(v) }));
  });

function expectSameValues(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`element ${i}: expected ${expected[i]}, found ${actual[i]}`);
  }
}

describe('WASM 2×2 max pooling', () => {
  test.prop([arbInput], runs)('gives the general loop’s values and indices, ties and NaN included', ({ shape, x }) => {
    const g = pool2dGeometry('maxPool2d', shape, { kernelSize: 2 });
    const wasm = wasmMaxPool2x2(x, g);
    if (wasm === null) throw new Error('expected the input to fit in the WASM memory, found null');
    const general = maxPool2dForward(x, g);
    expectSameValues(wasm.out, general.out);
    expect(Array.from(wasm.argmax)).toEqual(Array.from(general.argmax));
    const loop = maxPool2x2ForwardLoop(x, g);
    expectSameValues(loop.out, general.out);
    expect(Array.from(loop.argmax)).toEqual(Array.from(general.argmax));
  });

  plain('a 2×10 row: five windows, the first four vectorised, the fifth in the tail; ties go to the first', () => {
    const x = Float32Array.of(1, 2, 5, 5, 0, 0, -1, -2, 9, 3, 4, 3, 5, 6, 0, 0, -3, -1, 3, 9);
    const g = pool2dGeometry('maxPool2d', [1, 1, 2, 10], { kernelSize: 2 });
    const result = wasmMaxPool2x2(x, g);
    expect(result === null ? null : Array.from(result.out)).toEqual([4, 6, 0, -1, 9]);
    expect(result === null ? null : Array.from(result.argmax)).toEqual([10, 13, 4, 6, 8]);
  });
});
