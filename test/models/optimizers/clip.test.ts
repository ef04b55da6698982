import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError, Tensor, tensor } from '../../../src/ops/index.js';
import { arbTensor } from '../../../src/testing/index.js';
import { clipGradNorm, clipGradValue } from '../../../src/models/optimizers/clip.js';
import { expectClose } from './helpers.js';

function withGrad(grad: Tensor): Tensor {
  const p = new Tensor(new Float32Array(grad.size), grad.shape, true);
  p.grad = grad;
  return p;
}

function globalNorm(params: Tensor[]): number {
  return Math.hypot(...params.flatMap((p) => Array.from(p.grad!.data)));
}

const arbParams = fc.array(arbTensor({ rank: [0, 3], min: -5, max: 5 }), { minLength: 1, maxLength: 3 });

describe('clipGradNorm', () => {
  test('worked example: gradients [3, 4] and [12] have norm 13; maxNorm 6.5 halves both', () => {
    const a = withGrad(tensor([3, 4]));
    const b = withGrad(tensor([12]));
    expect(clipGradNorm([a, b], 6.5)).toBe(13);
    const c = 6.5 / (13 + 1e-6);
    expectClose(a.grad!.data, [3 * c, 4 * c]);
    expectClose(b.grad!.data, [12 * c]);
  });

  test('norm types: p = 1 sums absolute values, p = Infinity takes the largest', () => {
    const a = withGrad(tensor([3, -4]));
    expect(clipGradNorm([a], 100, { normType: 1 })).toBe(7);
    expect(clipGradNorm([a], 100, { normType: Infinity })).toBe(4);
    expect(clipGradNorm([a], 1, { normType: Infinity })).toBe(4);
    expectClose(a.grad!.data, [3 / (4 + 1e-6), -4 / (4 + 1e-6)]);
  });

  test.prop([arbParams, fc.double({ min: 0.01, max: 10, noNaN: true })], { numRuns: 30 })(
    'for any gradients, it returns the norm before clipping and leaves a global norm ≤ maxNorm, direction kept',
    (grads, maxNorm) => {
      const params = grads.map(withGrad);
      const before = params.map((p) => Array.from(p.grad!.data));
      const norm = globalNorm(params);
      expect(clipGradNorm(params, maxNorm)).toBeCloseTo(norm, 4);
      expect(globalNorm(params)).toBeLessThanOrEqual(maxNorm * (1 + 1e-6));
      const scale = Math.min(maxNorm / (norm + 1e-6), 1);
      params.forEach((p, i) => expectClose(p.grad!.data, before[i].map((v) => Math.fround(v * scale)), 1e-6));
    },
  );

  test.prop([arbParams], { numRuns: 20 })('for any gradients with norm below maxNorm, nothing changes', (grads) => {
    const params = grads.map(withGrad);
    const before = params.map((p) => Array.from(p.grad!.data));
    clipGradNorm(params, globalNorm(params) + 1);
    params.forEach((p, i) => expect(Array.from(p.grad!.data)).toEqual(before[i]));
  });

  test('parameters without a gradient or frozen are left out of the norm and untouched; no gradients gives 0', () => {
    const a = withGrad(tensor([3, 4]));
    const frozen = withGrad(tensor([100]));
    frozen.requiresGrad = false;
    const none = new Tensor(new Float32Array(2), [2], true);
    expect(clipGradNorm([a, frozen, none], 1)).toBe(5);
    expect(frozen.grad!.data[0]).toBe(100);
    expect(none.grad).toBeNull();
    expect(clipGradNorm([none], 1)).toBe(0);
    expect(clipGradNorm([], 1)).toBe(0);
  });

  test('a gradient tensor shared by two parameters is scaled once', () => {
    const g = tensor([3, 4]);
    expect(clipGradNorm([withGrad(g), withGrad(g)], 1)).toBe(5);
    expectClose(g.data, [3 / (5 + 1e-6), 4 / (5 + 1e-6)]);
  });

  test('a NaN norm makes the gradients NaN (PyTorch), or throws with errorIfNonfinite', () => {
    const a = withGrad(tensor([NaN, 1]));
    expect(() => clipGradNorm([a], 1, { errorIfNonfinite: true })).toThrow(
      new ArgumentError(
        'clipGradNorm: the total norm of order 2 of the gradients is NaN, so they cannot be clipped (errorIfNonfinite is set)',
      ),
    );
    expect(a.grad!.data[1]).toBe(1);
    expect(clipGradNorm([a], 1)).toBeNaN();
    expect(Array.from(a.grad!.data)).toEqual([NaN, NaN]);
  });

  test('accepts a model (its parameters()) and rejects what is neither a tensor list nor a model', () => {
    const model = { parameters: () => [withGrad(tensor([6, 8]))] };
    expect(clipGradNorm(model, 1)).toBe(10);
    expect(() => clipGradNorm('grads' as never, 1)).toThrow(
      new ArgumentError('clipGradNorm: params must be an array of tensors or a module with parameters(), found grads'),
    );
    expect(() => clipGradValue([1] as never, 1)).toThrow(new ArgumentError('clipGradValue: params[0] must be a Tensor, found number'));
  });

  test.each([
    [-1, {}, /^clipGradNorm: maxNorm must be a finite number >= 0, found -1$/],
    [NaN, {}, /^clipGradNorm: maxNorm must be a finite number >= 0, found NaN$/],
    [1, { normType: 0 }, /^clipGradNorm: normType must be a number > 0 or Infinity, found 0$/],
    [1, { normType: 'inf' }, /^clipGradNorm: normType must be a number > 0 or Infinity, found inf$/],
    [1, { norm: 2 }, /^clipGradNorm: unknown option 'norm' \(expected one of normType, errorIfNonfinite\)$/],
  ])('rejects maxNorm %s with options %o', (maxNorm, options, message) => {
    expect(() => clipGradNorm([withGrad(tensor([1]))], maxNorm, options as never)).toThrow(ArgumentError);
    expect(() => clipGradNorm([withGrad(tensor([1]))], maxNorm, options as never)).toThrow(message);
  });
});

describe('clipGradValue', () => {
  test('worked example: clamps each element into [−c, c], NaN stays NaN', () => {
    const a = withGrad(tensor([-3, -0.5, 0, 0.5, 3, NaN]));
    clipGradValue([a], 1);
    expect(Array.from(a.grad!.data)).toEqual([-1, -0.5, 0, 0.5, 1, NaN]);
  });

  test.prop([arbParams, fc.double({ min: 0, max: 3, noNaN: true })], { numRuns: 30 })(
    'for any gradients and c, every element ends in [−c, c] and elements already inside are unchanged',
    (grads, c) => {
      const params = grads.map(withGrad);
      const before = params.map((p) => Array.from(p.grad!.data));
      clipGradValue(params, c);
      params.forEach((p, i) =>
        p.grad!.data.forEach((v, j) => {
          expect(Math.abs(v)).toBeLessThanOrEqual(Math.fround(c));
          if (Math.abs(before[i][j]) <= c) expect(v).toBe(before[i][j]);
        }),
      );
    },
  );

  test.each([-1, NaN, Infinity])('rejects clipValue %s', (c) => {
    expect(() => clipGradValue([withGrad(tensor([1]))], c)).toThrow(
      new ArgumentError(`clipGradValue: clipValue must be a finite number >= 0, found ${c}`),
    );
  });
});
