/**
 * The fused and specialised code in layers and optimizers agrees with the composed ops and
 * the general update it stands in for, on random shapes and values.
 */
import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor, add, backward, logSoftmax, matmul, mean, neg, randn, reshape, sum, takeAlongAxis, transpose } from '../../src/ops/index.js';
import { crossEntropy } from '../../src/models/losses/cross-entropy.js';
import { dense } from '../../src/models/layers/dense.js';
import { adam, adamPlainUpdate, adamUpdate, type AdamRule } from '../../src/models/optimizers/adam.js';
import { sgd } from '../../src/models/optimizers/sgd.js';

const runs = { numRuns: 40 };

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    if (!(Math.abs(actual[i] - e) <= tolerance * (1 + Math.abs(e)))) {
      throw new Error(`element ${i}: expected ${e}, found ${actual[i]}`);
    }
  });
}

describe('dense: fused x·Wᵀ + b', () => {
  const arbCase = fc.record({
    n: fc.integer({ min: 1, max: 9 }),
    inputs: fc.integer({ min: 1, max: 17 }),
    units: fc.integer({ min: 1, max: 11 }),
    useBias: fc.boolean(),
    seed: fc.integer({ min: 0, max: 1000 }),
  });

  prop.prop([arbCase], runs)('forward and gradients equal add(matmul(x, transpose(W)), b) composed from ops', (c) => {
    const rng = new Rng(c.seed);
    const layer = dense(c.units, { useBias: c.useBias, biasInitializer: 'heUniform' });
    layer.build([c.inputs], { rng });
    const x = randn([c.n, c.inputs], rng);
    x.requiresGrad = true;
    const seed = randn([c.n, c.units], rng);

    const y = layer.forward(x);
    backward(y, seed);
    const fused = { y: y.data, dx: x.grad!.data, dw: layer.weight.grad!.data, db: layer.bias?.grad?.data };

    x.grad = null;
    for (const p of layer.parameters()) p.grad = null;
    const product = matmul(x, transpose(layer.weight));
    const composed = layer.bias === null ? product : add(product, layer.bias);
    backward(composed, seed);

    expectClose(fused.y, composed.data);
    expectClose(fused.dx, x.grad!.data);
    expectClose(fused.dw, layer.weight.grad!.data);
    if (layer.bias !== null) expectClose(fused.db!, layer.bias.grad!.data);
  });

  test('a worked example: y = x·Wᵀ + b with gradients dx = G·W, dW = Gᵀ·x, db = Σₙ G', () => {
    const layer = dense(2, { kernelInitializer: 'ones', biasInitializer: { name: 'constant', value: 0.5 } });
    layer.build([3], { rng: new Rng(0) });
    layer.weight.data.set([1, 2, 3, 4, 5, 6]); // W = [[1, 2, 3], [4, 5, 6]]
    const x = new Tensor(Float32Array.from([1, 0, -1, 2, 1, 0]), [2, 3], true);
    const y = layer.forward(x);
    expect(y.toArray()).toEqual([
      [1 - 3 + 0.5, 4 - 6 + 0.5],
      [2 + 2 + 0.5, 8 + 5 + 0.5],
    ]);
    backward(y, new Tensor(Float32Array.from([1, 0, 0, 1]), [2, 2]));
    expect(x.grad!.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(layer.weight.grad!.toArray()).toEqual([
      [1, 0, -1],
      [2, 1, 0],
    ]);
    expect(layer.bias!.grad!.toArray()).toEqual([1, 1]);
  });

  test('a frozen layer and an input without grad get no gradient', () => {
    const layer = dense(3);
    layer.build([2], { rng: new Rng(1) });
    for (const p of layer.parameters()) p.requiresGrad = false;
    const x = new Tensor(Float32Array.from([1, 2]), [1, 2], true);
    backward(layer.forward(x), new Tensor(Float32Array.from([1, 1, 1]), [1, 3]));
    expect(x.grad).not.toBeNull();
    expect(layer.weight.grad).toBeNull();
    expect(layer.bias!.grad).toBeNull();
  });

  test('a wrong input width is still rejected with the layer name', () => {
    const layer = dense(3);
    layer.build([2], { rng: new Rng(1) });
    expect(() => layer.forward(new Tensor(new Float32Array(3), [1, 3]))).toThrow(/expected input \[N,2\], found \[1,3\]/);
  });
});

describe('adam: the plain update loop', () => {
  const arbValues = (n: number) => fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n });
  const arbCase = fc.integer({ min: 1, max: 40 }).chain((n) =>
    fc.record({
      theta: arbValues(n),
      grads: fc.array(arbValues(n), { minLength: 1, maxLength: 4 }),
      lr: fc.double({ min: 1e-5, max: 1, noNaN: true }),
      beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
      beta2: fc.double({ min: 0, max: 0.9999, noNaN: true }),
      eps: fc.constantFrom(1e-8, 1e-3, 0),
    }),
  );

  prop.prop([arbCase], runs)('without weight decay and AMSGrad it equals the general update bit for bit, step after step', (c) => {
    const n = c.theta.length;
    const fast = { theta: Float32Array.from(c.theta), m: new Float32Array(n), v: new Float32Array(n) };
    const general = { theta: Float32Array.from(c.theta), m: new Float32Array(n), v: new Float32Array(n) };
    c.grads.forEach((g, index) => {
      const t = index + 1;
      const rule: AdamRule = {
        lr: c.lr,
        beta1: c.beta1,
        beta2: c.beta2,
        eps: c.eps,
        weightDecay: 0,
        decoupled: false,
        biasCorrection1: 1 - c.beta1 ** t,
        biasCorrection2: 1 - c.beta2 ** t,
      };
      const grad = Float32Array.from(g);
      adamPlainUpdate(fast.theta, grad, fast.m, fast.v, rule);
      adamUpdate(general.theta, grad, general.m, general.v, null, rule);
      for (const key of ['theta', 'm', 'v'] as const) {
        fast[key].forEach((value, i) => expect(Object.is(value, general[key][i])).toBe(true));
      }
    });
  });

  test('the optimizer takes the plain loop only when it applies: weight decay and AMSGrad still count', () => {
    // θ = [1, −2], g = [0.5, 1]: with λ = 1 the second gradient becomes 1 − 2 = −1, so that
    // element moves the other way; the first step moves each element by lr against the sign
    // of its (decayed) gradient, since m̂/√v̂ = ±1.
    const stepOnce = (options: Parameters<typeof adam>[1]) => {
      const p = new Tensor(Float32Array.from([1, -2]), [2], true);
      p.grad = new Tensor(Float32Array.from([0.5, 1]), [2]);
      adam([p], options).step();
      return p.data;
    };
    expectClose(stepOnce({ lr: 0.1 }), Float32Array.from([0.9, -2.1]), 1e-6);
    expectClose(stepOnce({ lr: 0.1, weightDecay: 1 }), Float32Array.from([0.9, -1.9]), 1e-6);
    // One AMSGrad step equals a plain one (v_max = v after the first step).
    expect(Array.from(stepOnce({ lr: 0.1, amsgrad: true }))).toEqual(Array.from(stepOnce({ lr: 0.1 })));
  });
});

describe('crossEntropy: the fused loop for class indices', () => {
  const arbCase = fc
    .record({
      n: fc.integer({ min: 0, max: 6 }),
      classes: fc.integer({ min: 1, max: 7 }),
      reduction: fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
      scale: fc.constantFrom(1, 30, 1000),
    })
    .chain((c) =>
      fc.record({
        c: fc.constant(c),
        logits: fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: c.n * c.classes, maxLength: c.n * c.classes }),
        labels: fc.array(fc.integer({ min: 0, max: c.classes - 1 }), { minLength: c.n, maxLength: c.n }),
        seed: fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: c.n, maxLength: c.n }),
        scalarSeed: fc.float({ min: -2, max: 2, noNaN: true }),
      }),
    );

  /** The loss and logits gradient of `lossOf(logits)`, seeded with `seed` (one value for a scalar loss). */
  function lossAndGrad(data: Float32Array, shape: number[], lossOf: (x: Tensor) => Tensor, seed: number[]) {
    const x = new Tensor(data.slice(), shape, true);
    const loss = lossOf(x);
    backward(loss, new Tensor(Float32Array.from(seed.slice(0, loss.size)), loss.shape));
    return { value: Array.from(loss.data), grad: Array.from(x.grad!.data) };
  }

  prop.prop([arbCase], runs)('value and gradient equal the composed ops −takeAlongAxis(logSoftmax(x)) reduced, bit for bit', ({ c, logits, labels, seed: perSample, scalarSeed }) => {
    const seed = c.reduction === 'none' ? perSample : [scalarSeed];
    const data = Float32Array.from(logits, (v) => v * c.scale);
    const target = new Tensor(Float32Array.from(labels), [c.n]);
    const composed = (x: Tensor) => {
      const terms = neg(reshape(takeAlongAxis(logSoftmax(x, 1), reshape(target, [c.n, 1]), 1), [c.n]));
      return c.reduction === 'mean' ? mean(terms) : c.reduction === 'sum' ? sum(terms) : terms;
    };
    const fused = lossAndGrad(data, [c.n, c.classes], (x) => crossEntropy(x, target, { reduction: c.reduction }), seed);
    const expected = lossAndGrad(data, [c.n, c.classes], composed, seed);
    expect(fused.value.map(String)).toEqual(expected.value.map(String));
    expect(fused.grad.map(String)).toEqual(expected.grad.map(String));
  });

  prop.prop([arbCase], runs)('logits [N, C, 1] (the general path) give the same loss and gradient as [N, C]', ({ c, logits, labels, seed: perSample, scalarSeed }) => {
    const seed = c.reduction === 'none' ? perSample : [scalarSeed];
    const data = Float32Array.from(logits);
    const flat = lossAndGrad(data, [c.n, c.classes], (x) => crossEntropy(x, labels, { reduction: c.reduction }), seed);
    const target = new Tensor(Float32Array.from(labels), [c.n, 1]);
    const spatial = lossAndGrad(data, [c.n, c.classes, 1], (x) => {
      const loss = crossEntropy(x, target, { reduction: c.reduction });
      return c.reduction === 'none' ? reshape(loss, [c.n]) : loss;
    }, seed);
    expect(flat.value.map(String)).toEqual(spatial.value.map(String));
    expect(flat.grad.map(String)).toEqual(spatial.grad.map(String));
  });

  test('a worked example: logits [[2, 1, 0.1], [0, 0, 0]] with labels [0, 2]', () => {
    const logits = new Tensor(Float32Array.from([2, 1, 0.1, 0, 0, 0]), [2, 3], true);
    const loss = crossEntropy(logits, [0, 2]);
    expect(loss.item()).toBeCloseTo((0.41703 + Math.log(3)) / 2, 4);
    backward(loss);
    // (softmax − one-hot) / N: the second row is (1/3, 1/3, 1/3 − 1) / 2.
    expect(logits.grad!.data[3]).toBeCloseTo(1 / 6, 6);
    expect(logits.grad!.data[5]).toBeCloseTo(-1 / 3, 6);
  });

  test('bad labels are still rejected before any work', () => {
    const logits = new Tensor(new Float32Array(6), [2, 3]);
    expect(() => crossEntropy(logits, [0, 3])).toThrow(/target\[1\] = 3 is out of range \[0, 3\)/);
    expect(() => crossEntropy(logits, [0])).toThrow(/class-index target must have shape \[2\]/);
  });
});

describe('sgd: the plain update loop', () => {
  const arbCase = fc.integer({ min: 1, max: 30 }).chain((n) =>
    fc.record({
      theta: fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
      grad: fc.array(fc.float({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n }),
      lr: fc.double({ min: 0, max: 2, noNaN: true }),
    }),
  );

  prop.prop([arbCase], runs)('without momentum and weight decay a step is θ − γ·g in float32, bit for bit', (c) => {
    const p = new Tensor(Float32Array.from(c.theta), [c.theta.length], true);
    p.grad = new Tensor(Float32Array.from(c.grad), p.shape);
    sgd([p], { lr: c.lr }).step();
    const expected = Float32Array.from(c.theta, (t, i) => t - c.lr * Math.fround(c.grad[i]));
    p.data.forEach((v, i) => expect(Object.is(v, expected[i])).toBe(true));
  });

  test('momentum and weight decay still take the general loop', () => {
    const stepTwice = (options: Parameters<typeof sgd>[1]) => {
      const p = new Tensor(Float32Array.from([1]), [1], true);
      const opt = sgd([p], options);
      for (let k = 0; k < 2; k++) {
        p.grad = new Tensor(Float32Array.from([1]), [1]);
        opt.step();
      }
      return p.data[0];
    };
    expect(stepTwice({ lr: 0.1 })).toBeCloseTo(0.8, 6);
    // b = 1, then 0.5·1 + 1 = 1.5: θ = 1 − 0.1 − 0.15.
    expect(stepTwice({ lr: 0.1, momentum: 0.5 })).toBeCloseTo(0.75, 6);
    // g = 1 + 0.5·θ: θ₁ = 1 − 0.1·1.5 = 0.85, θ₂ = 0.85 − 0.1·1.425.
    expect(stepTwice({ lr: 0.1, weightDecay: 0.5 })).toBeCloseTo(0.7075, 6);
  });
});
