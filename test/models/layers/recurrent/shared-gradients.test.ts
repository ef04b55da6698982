import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor, add, backward, mul, randu, sum, tanh } from '../../../../src/ops/index.js';
import { checkGradients } from '../../../../src/testing/index.js';

/**
 * An unrolled recurrence reuses its weight at every step and each state twice per step, so
 * autograd sums many gradients into the same tensor, partly in place (`accumulateOwned`); `add`
 * hands one gradient object to both its inputs, the case where writing in place would corrupt
 * the other input's gradient.
 */
function unrolled(steps: number) {
  return (x: Tensor, w: Tensor): Tensor => {
    let h = x;
    for (let s = 0; s < steps; s++) h = tanh(add(mul(h, w), mul(h, 0.5)));
    return add(h, mul(h, w));
  };
}

describe('gradients of a weight shared by every step', () => {
  prop.prop([fc.integer({ min: 1, max: 6 }), fc.nat()], { numRuns: 20 })(
    'an unrolled recurrence with shared weights and reused states matches finite differences',
    (steps, seed) => {
      const rng = new Rng(seed);
      checkGradients(unrolled(steps), [randu([3], rng, { low: -1, high: 1 }), randu([3], rng, { low: -0.8, high: 0.8 })]);
    },
  );

  test('a summed gradient handed to both inputs of add stays theirs: L = 2x(3z + 1) + 2(2x + 3z) gives dL/dx = dL/dz = 12 at x = z = 1', () => {
    // t's gradient is the sum of two paths; add's VJP hands that one tensor to p and to y; then
    // c's VJP adds more to p and to y, and only after that are p and y processed.
    const x = new Tensor(Float32Array.of(1), [1], true);
    const z = new Tensor(Float32Array.of(1), [1], true);
    const p = mul(x, 2);
    const y = mul(z, 3);
    const c = mul(p, add(y, 1));
    const t = add(p, y);
    backward(sum(add(c, add(t, t))));
    expect([x.grad!.data[0], z.grad!.data[0]]).toEqual([12, 12]);
  });

  test('a tensor added to itself twice over gets every path: d/dx Σ((x + x) + (x + x)) = 4, and backward twice doubles it', () => {
    const x = new Tensor(Float32Array.of(1, 2), [2], true);
    const twice = add(x, x);
    const loss = sum(add(twice, twice));
    backward(loss);
    expect(Array.from(x.grad!.data)).toEqual([4, 4]);
    backward(loss);
    expect(Array.from(x.grad!.data)).toEqual([8, 8]);
  });
});
