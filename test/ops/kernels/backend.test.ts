import { afterEach, describe, expect, test } from 'vitest';
import { getKernelBackend, setKernelBackend, type KernelBackend } from '../../../src/ops/kernels/backend.js';
import * as referenceConv from '../../../src/ops/kernels/conv2d.js';
import type { ConvGeometry } from '../../../src/ops/kernels/conv2d.js';
import * as fastConv from '../../../src/ops/kernels/fast/conv2d.js';
import { gemm as fastGemm } from '../../../src/ops/kernels/wasm/gemm.js';
import { gemm as referenceGemm } from '../../../src/ops/kernels/matmul.js';
import { ArgumentError, Rng, Tensor, backward, conv2d, convTranspose2d, matmul, randn } from '../../../src/ops/index.js';

// Test files share workers (isolate: false), so every test leaves the switch as it found it.
const initial = getKernelBackend();
afterEach(() => {
  setKernelBackend(initial);
});

const rng = new Rng(3);
const seedFor = (shape: number[]) => randn(shape, rng);
const leaf = (t: Tensor) => new Tensor(t.data.slice(), t.shape, true);

/** Stride 2, padding 1, dilation 2 on a 2x3x7x7 input with four 3x3 filters: output 2x4x3x3. */
const g: ConvGeometry = {
  batch: 2, inChannels: 3, height: 7, width: 7, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
  outHeight: 3, outWidth: 3, stride: [2, 2], dilation: [2, 2], padTop: 1, padLeft: 1,
};
const convOpts = { stride: 2, padding: 1, dilation: 2 };
const x = seedFor([2, 3, 7, 7]);
const w = seedFor([4, 3, 3, 3]);
const gy = seedFor([2, 4, 3, 3]);
const bias = seedFor([4]);
/** k = 300 > 256: the fast GEMM rounds between k-blocks, so its result differs from the reference. */
const [m, k, n] = [5, 300, 6];
const a0 = seedFor([m, k]);
const b0 = seedFor([k, n]);

const kernelsOf = {
  reference: { gemm: referenceGemm, conv: referenceConv },
  fast: { gemm: fastGemm, conv: fastConv },
} as const;

describe('kernel backend switch', () => {
  test('the default is fast unless STREAMGRAD_KERNELS says otherwise', () => {
    expect(initial).toBe(process.env.STREAMGRAD_KERNELS || 'fast');
  });

  test('setKernelBackend returns the previous backend', () => {
    setKernelBackend('fast');
    expect(setKernelBackend('reference')).toBe('fast');
    expect(getKernelBackend()).toBe('reference');
  });

  test('an unknown backend name is rejected, naming the accepted ones', () => {
    expect(() => setKernelBackend('wasm' as KernelBackend)).toThrow(ArgumentError);
    expect(() => setKernelBackend('wasm' as KernelBackend)).toThrow(
      `setKernelBackend: backend must be 'reference' or 'fast', found "wasm"`,
    );
  });

  for (const backend of ['reference', 'fast'] as const) {
    const { gemm, conv } = kernelsOf[backend];

    test(`with '${backend}', matmul and its gradients are exactly that backend's gemm`, () => {
      setKernelBackend(backend);
      const [a, b, seed] = [leaf(a0), leaf(b0), seedFor([m, n])];
      const y = matmul(a, b);
      backward(y, seed);
      const expected = new Float32Array(m * n);
      gemm(a.data, 0, b.data, 0, expected, 0, m, k, n, false, false);
      const ga = new Float32Array(m * k);
      gemm(seed.data, 0, b.data, 0, ga, 0, m, n, k, false, true);
      const gb = new Float32Array(k * n);
      gemm(a.data, 0, seed.data, 0, gb, 0, k, m, n, true, false);
      expect(y.data).toEqual(expected);
      expect(a.grad?.data).toEqual(ga);
      expect(b.grad?.data).toEqual(gb);
    });

    test(`with '${backend}', conv2d and its gradients are exactly that backend's conv kernels`, () => {
      setKernelBackend(backend);
      const [xs, ws] = [leaf(x), leaf(w)];
      const y = conv2d(xs, ws, { ...convOpts, bias });
      backward(y, gy);
      expect(y.data).toEqual(conv.conv2dForward(x.data, w.data, bias.data, g));
      expect(xs.grad?.data).toEqual(conv.conv2dInputGrad(gy.data, w.data, g));
      expect(ws.grad?.data).toEqual(conv.conv2dWeightGrad(x.data, gy.data, g));
    });

    test(`with '${backend}', convTranspose2d and its gradients are exactly that backend's conv kernels`, () => {
      setKernelBackend(backend);
      // The transpose of the conv above: input shaped like its output, weight [C_in = 4, C_out = 3, 3, 3].
      const [gys, ws] = [leaf(gy), leaf(w)];
      const y = convTranspose2d(gys, ws, convOpts);
      backward(y, x);
      expect(y.data).toEqual(conv.conv2dInputGrad(gy.data, w.data, g));
      expect(gys.grad?.data).toEqual(conv.conv2dForward(x.data, w.data, null, g));
      expect(ws.grad?.data).toEqual(conv.conv2dWeightGrad(x.data, gy.data, g));
    });
  }

  test('the operands above tell the backends apart (fast is not bit-identical to reference on them)', () => {
    const product = (gemm: typeof fastGemm) => {
      const out = new Float32Array(m * n);
      gemm(a0.data, 0, b0.data, 0, out, 0, m, k, n, false, false);
      return out;
    };
    expect(product(fastGemm)).not.toEqual(product(referenceGemm));
    expect(fastConv.conv2dForward(x.data, w.data, bias.data, g)).not.toEqual(referenceConv.conv2dForward(x.data, w.data, bias.data, g));
    expect(fastConv.conv2dInputGrad(gy.data, w.data, g)).not.toEqual(referenceConv.conv2dInputGrad(gy.data, w.data, g));
    expect(fastConv.conv2dWeightGrad(x.data, gy.data, g)).not.toEqual(referenceConv.conv2dWeightGrad(x.data, gy.data, g));
  });

  test('an op keeps the backend it started with for its backward pass', () => {
    setKernelBackend('reference');
    const [xs, ws] = [leaf(x), leaf(w)];
    const y = conv2d(xs, ws, convOpts);
    setKernelBackend('fast');
    backward(y, gy);
    expect(xs.grad?.data).toEqual(referenceConv.conv2dInputGrad(gy.data, w.data, g));
  });
});
