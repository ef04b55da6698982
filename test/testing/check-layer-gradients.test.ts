import { describe, expect, test } from 'vitest';
import { Rng, Tensor, mul, record, tensor } from '../../src/ops/index.js';
import { Layer } from '../../src/models/layer.js';
import { dense } from '../../src/models/layers/dense.js';
import { checkLayerGradients, GradientCheckError } from '../../src/testing/index.js';

/** A layer y = w·x² whose VJP for w is wrong (claims x instead of x²). */
class BadScale extends Layer {
  readonly kind = 'badScale';
  w!: Tensor;
  protected setup(shape: number[]): number[] {
    this.w = this.registerParameter('w', tensor([1.5]));
    return shape;
  }
  protected call(x: Tensor): Tensor {
    const out = new Tensor(x.data.map((v) => this.w.data[0] * v * v), x.shape);
    return record('badScale', out, [x, this.w], (g) => [mul(g, mul(x, 2 * this.w.data[0])), tensor([g.data.reduce((s, gi, i) => s + gi * x.data[i], 0)])]);
  }
  config() {
    return {};
  }
}

describe('checkLayerGradients', () => {
  test('a correct layer passes for its input and every parameter, leaving weights and grads as they were', () => {
    const layer = dense(2);
    layer.build([3], { rng: new Rng(1) });
    const before = layer.parameters().map((p) => p.data.slice());
    const report = checkLayerGradients(layer, tensor([[0.1, -0.2, 0.3]]));
    expect(report.passed).toBe(true);
    expect(report.inputs.map((r) => r.name)).toEqual(['input [1,3]', 'weight [2,3]', 'bias [2]']);
    layer.parameters().forEach((p, i) => {
      expect(p.data).toEqual(before[i]);
      expect(p.grad).toBeNull();
    });
  });

  test('a wrong parameter gradient is caught and named', () => {
    const layer = new BadScale();
    layer.build([2], { rng: new Rng(0) });
    expect(() => checkLayerGradients(layer, tensor([[0.5, 2]]))).toThrow(GradientCheckError);
    expect(() => checkLayerGradients(layer, tensor([[0.5, 2]]))).toThrow(/w \[1\]: element 0/);
    const report = checkLayerGradients(layer, tensor([[0.5, 2]]), { throwOnFailure: false });
    expect(report.inputs.find((r) => r.name.startsWith('input'))!.passed).toBe(true);
  });
});
