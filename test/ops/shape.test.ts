import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { broadcastShapes, broadcastTo, sumTo, tensor, ShapeError } from '../../src/ops/index.js';
import { arbBroadcastShapes, arbShape, arbTensorOfShape, checkGradients } from '../../src/testing/index.js';

const runs = { numRuns: 60 };

describe('NumPy broadcasting', () => {
  prop.prop([arbBroadcastShapes({ rank: [0, 4] })], runs)(
    'for compatible shapes, each result dimension is the max of the right-aligned pair and the rank is the larger rank',
    ([a, b]) => {
      const out = broadcastShapes('test', a, b);
      expect(out.length).toBe(Math.max(a.length, b.length));
      for (let i = 1; i <= out.length; i++) {
        expect(out[out.length - i]).toBe(Math.max(a[a.length - i] ?? 1, b[b.length - i] ?? 1));
      }
    },
  );

  prop.prop([arbBroadcastShapes({ rank: [0, 4] })], runs)('broadcasting is symmetric', ([a, b]) => {
    expect(broadcastShapes('test', a, b)).toEqual(broadcastShapes('test', b, a));
  });

  prop.prop([arbShape({ rank: [1, 3], dim: [2, 4] }), fc.nat()], runs)(
    'two dimensions that differ and are both above 1 never broadcast',
    (shape, k) => {
      const i = k % shape.length;
      const other = shape.map((d, j) => (j === i ? d + 1 : d));
      expect(() => broadcastShapes('op', shape, other)).toThrow(ShapeError);
    },
  );

  test('the error names the op, both shapes and the offending dimension', () => {
    expect(() => broadcastShapes('add', [2, 3], [4, 3])).toThrow(
      'add: shapes [2,3] and [4,3] cannot be broadcast (dimension 0 of the aligned shapes: 2 vs 4)',
    );
  });

  prop.prop(
    [arbBroadcastShapes({ rank: [0, 3], dim: [1, 3] }).chain(([a, b]) => fc.tuple(fc.constant(broadcastShapes('t', a, b)), arbTensorOfShape(a)))],
    { numRuns: 30 },
  )('broadcastTo gradient (a sum back down) matches finite differences', ([target, x]) => {
    checkGradients((t) => broadcastTo(t, target), [x]);
  });

  prop.prop(
    [arbBroadcastShapes({ rank: [0, 3], dim: [1, 3] }).chain(([a, b]) => fc.tuple(fc.constant(a), arbTensorOfShape(broadcastShapes('t', a, b))))],
    { numRuns: 30 },
  )('sumTo gradient (a broadcast back up) matches finite differences', ([target, x]) => {
    checkGradients((t) => sumTo(t, target), [x]);
  });

  test('broadcastTo refuses a shape it cannot reach', () => {
    expect(() => broadcastTo(tensor([1, 2, 3]), [3, 2])).toThrow('broadcastTo: shapes [3] and [3,2] cannot be broadcast');
    expect(() => broadcastTo(tensor([[1], [2]]), [2])).toThrow('broadcastTo: cannot broadcast [2,1] to [2]');
  });
});
