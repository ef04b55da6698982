import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { Rng, Tensor, add, conv2d, conv2dOutputShape, matmul, randn, tensor, transpose } from '../../../src/ops/index.js';
import { type BuildContext, Layer } from '../../../src/models/layer.js';
import { residual } from '../../../src/models/layers/residual.js';
import { dense } from '../../../src/models/layers/dense.js';
import { relu } from '../../../src/models/layers/relu.js';
import { tanh } from '../../../src/models/layers/activations.js';
import { dropout } from '../../../src/models/layers/dropout.js';
import { maxout } from '../../../src/models/layers/maxout.js';
import { sequential } from '../../../src/models/sequential.js';
import { arbTensorOfShape, checkLayerGradients } from '../../../src/testing/index.js';

const runs = { numRuns: 10 };

/** A test block: a convolution `[C, H, W] → [C', H', W']` with its own weight (kernel k, stride s, padding p). */
class ConvBlock extends Layer {
  readonly kind = 'convBlock';
  weight!: Tensor;
  constructor(readonly filters: number, readonly k: number, readonly s: number, readonly p: number) {
    super();
  }
  protected setup(inputShape: number[], { rng }: BuildContext): number[] {
    this.weight = this.registerParameter('weight', randn([this.filters, inputShape[0], this.k, this.k], rng, { std: 0.5 }));
    return conv2dOutputShape([1, ...inputShape], this.weight.shape, { stride: this.s, padding: this.p }).slice(1);
  }
  protected call(x: Tensor): Tensor {
    return conv2d(x, this.weight, { stride: this.s, padding: this.p });
  }
  config(): Record<string, unknown> {
    return {};
  }
}

/** `Σ_c W[k, c]·x[n, c, i·s, j·s]`: a 1×1 convolution with stride s, as PyTorch computes it. */
function strided1x1(x: Tensor, w: Tensor, s: number, outH: number, outW: number): number[] {
  const [n, c, h, wd] = x.shape;
  const k = w.shape[0];
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let o = 0; o < k; o++)
      for (let i = 0; i < outH; i++)
        for (let j = 0; j < outW; j++) {
          let total = 0;
          for (let ch = 0; ch < c; ch++) total += w.data[o * c + ch] * x.data[((b * c + ch) * h + i * s) * wd + j * s];
          out.push(total);
        }
  return out;
}

describe('residual layer', () => {
  test('y = block(x) + x, with the block as child "block" (names block.0.weight, ...)', () => {
    const block = sequential([dense(3), relu(), dense(3)]);
    const res = residual(block);
    res.build([3], { rng: new Rng(1) });
    expect(res.namedParameters().map(([name]) => name)).toEqual(['block.0.weight', 'block.0.bias', 'block.2.weight', 'block.2.bias']);
    expect(res.projection).toBeNull();
    const x = tensor([[1, -2, 3], [0.5, 0, -1]]);
    expect(Array.from(res.forward(x).data)).toEqual(Array.from(add(block.forward(x), x).data));
  });

  test('the block is built with the container’s RNG: same seed, same weights as the bare block', () => {
    const wrapped = sequential([residual(sequential([dense(4)]))], { inputShape: [4], seed: 3 });
    const bare = sequential([dense(4)], { inputShape: [4], seed: 3 });
    expect(Array.from(wrapped.stateDict()['0.block.0.weight'].data)).toEqual(Array.from(bare.stateDict()['0.weight'].data));
  });

  test('[F] → [F′]: the shortcut is a linear map, projection.weight [F′, F], y = block(x) + x·Wᵀ', () => {
    const res = residual(sequential([dense(2), relu()]));
    expect(res.build([3], { rng: new Rng(0) })).toEqual([2]);
    expect(res.namedParameters().map(([name, p]) => [name, p.shape])).toEqual([
      ['block.0.weight', [2, 3]],
      ['block.0.bias', [2]],
      ['projection.weight', [2, 3]],
    ]);
    const x = tensor([[1, 2, 3]]);
    const expected = add(res.block.forward(x), matmul(x, transpose(res.projection!.weight)));
    expect(Array.from(res.forward(x).data)).toEqual(Array.from(expected.data));
  });

  test('projection: true projects even when the shape is kept (option C); false refuses a shape change', () => {
    const always = residual(sequential([dense(3)]), { projection: true });
    always.build([3], { rng: new Rng(0) });
    expect(always.stateDict()['projection.weight'].shape).toEqual([3, 3]);
    expect(() => sequential([residual(sequential([dense(2)]), { projection: false })], { inputShape: [3] })).toThrow(
      "residual '0': the block maps [N,3] to [N,2], and the shortcut cannot be added without a projection (projection is false)",
    );
  });

  const strideCases: [string, number, number, number, number, number][] = [
    // name, H, kernel, stride, padding, expected projection stride
    ['8×8 → 4×4 (stride 2, PyTorch would floor (8 − 1)/2 + 1)', 8, 2, 2, 0, 2],
    ['7×7 → 4×4 (3×3 conv, stride 2, padding 1)', 7, 3, 2, 1, 2],
    ['9×9 → 3×3 (stride 3)', 9, 3, 3, 0, 3],
    ['5×5 → 5×5 with more channels (stride 1)', 5, 3, 1, 1, 1],
  ];
  test.each(strideCases)('[C, H, W] %s: a 1×1 strided conv shortcut, projection.weight [C′, C, 1, 1]', (_, h, k, s, p, stride) => {
    const res = residual(new ConvBlock(4, k, s, p));
    const out = res.build([2, h, h], { rng: new Rng(0) });
    expect(res.projection!.weight.shape).toEqual([4, 2, 1, 1]);
    expect(res.projection!.stride).toEqual([stride, stride]);
    const x = randn([2, 2, h, h], new Rng(5));
    const y = res.forward(x);
    expect(y.shape).toEqual([2, ...out]);
    const shortcut = strided1x1(x, res.projection!.weight, stride, out[1], out[2]);
    const block = res.block.forward(x);
    Array.from(y.data).forEach((v, i) => expect(v).toBeCloseTo(block.data[i] + shortcut[i], 4));
  });

  prop.prop([arbTensorOfShape([2, 3], { min: -1, max: 1 }), fc.integer(), fc.integer({ min: 2, max: 4 })], runs)(
    'gradients wrt the input, the block and the projection match finite differences',
    (x, seed, units) => {
      const res = residual(sequential([dense(units), tanh(), dense(units)]));
      res.build([3], { rng: new Rng(seed) });
      const report = checkLayerGradients(res, x);
      expect(report.inputs.map((r) => r.name.split(' ')[0]).at(-1)).toBe(units === 3 ? 'block.2.bias' : 'projection.weight');
    },
  );

  prop.prop([arbTensorOfShape([1, 2, 4, 4], { min: -1, max: 1 }), fc.integer()], runs)(
    'gradients through the strided 1×1 conv shortcut match finite differences',
    (x, seed) => {
      const res = residual(new ConvBlock(3, 2, 2, 0));
      res.build([2, 4, 4], { rng: new Rng(seed) });
      checkLayerGradients(res, x);
    },
  );

  test('shapes that cannot be projected are build errors naming the layer and the shapes', () => {
    expect(() => sequential([residual(new ConvBlock(2, 2, 1, 0))], { inputShape: [2, 5, 5] })).toThrow(
      "residual '0': cannot project the shortcut from [N,2,5,5] to [N,2,4,4]: no stride s of a 1×1 convolution maps height 5 to 4",
    );
    expect(() => sequential([residual(new ConvBlock(2, 1, 1, 1))], { inputShape: [2, 3, 3] })).toThrow(
      "residual '0': cannot project the shortcut from [N,2,3,3] to [N,2,5,5]: no stride s of a 1×1 convolution maps height 3 to 5",
    );
    expect(() => sequential([residual(maxout({ pieces: 2 }))], { inputShape: [4, 3] })).toThrow(
      "residual '0': cannot project the shortcut from [N,4,3] to [N,2,3]; projections map [N, F] to [N, F'] or [N, C, H, W] to [N, C', H', W']",
    );
  });

  test('the block must be a layer', () => {
    expect(() => residual(dense as never)).toThrow('residual: block must be a layer, found a function; call it, e.g. dense(10) rather than dense');
    expect(() => residual({} as never)).toThrow('residual: block must be a layer, found object');
    expect(() => residual(dense(2), { projection: 'yes' as never })).toThrow('residual: projection must be a boolean, found yes');
    expect(() => residual(dense(2), { projectionInitializer: 'xavier' as never })).toThrow('residual: unknown initializer "xavier"');
  });

  test('train() and eval() reach the block', () => {
    const res = residual(sequential([dense(4), dropout(0.5)]));
    res.build([4], { rng: new Rng(0) });
    res.eval();
    expect(res.block.training).toBe(false);
    const x = tensor([[1, 2, 3, 4]]);
    expect(Array.from(res.forward(x).data)).toEqual(Array.from(res.forward(x).data));
    res.train();
    expect((res.block as ReturnType<typeof sequential>).layers[1].training).toBe(true);
  });

  test('its JSON form holds the block’s; the projection initializer is used', () => {
    const res = residual(sequential([dense(2)]), { projectionInitializer: 'ones' });
    res.build([3], { rng: new Rng(0) });
    expect(Array.from(res.projection!.weight.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(JSON.parse(JSON.stringify(res.toJSON()))).toEqual({
      kind: 'residual',
      block: { kind: 'sequential', layers: [{ kind: 'dense', units: 2 }] },
      projectionInitializer: 'ones',
    });
  });
});
