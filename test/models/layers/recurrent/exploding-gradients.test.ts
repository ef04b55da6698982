/**
 * The exploding / vanishing gradient of a plain tanh RNN (Bengio et al., 1994; Pascanu et al.,
 * 2013), measured: ∂L/∂x₁ = ∂L/∂h_T · Π_t diag(1 − h_t²)·W_hh · ∂h₁/∂x₁, so its norm scales
 * like ρ(W_hh)^T (ρ the spectral radius) while the units stay unsaturated: it vanishes for
 * ρ < 1 and explodes for ρ > 1. `clipGradNorm` bounds what an optimizer then sees.
 *
 * Setup: `rnn({ units: 16 })` built with seed 0 over 4 features, one sequence, loss
 * L = Σ h_T (the final output). Figures (float32; the same with the fast and the reference kernels):
 *
 * | T  | default init (ρ = 0.572), x ~ U(−1, 1) | W_hh × 4 (ρ = 2.288), biases 0, x ~ U(−1e-3, 1e-3) |
 * |----|----------------------------------------|----------------------------------------------------|
 * | 5  | 4.96e-2                                | 2.04e+1                                            |
 * | 10 | 9.57e-4                                | 8.07e+2                                            |
 * | 20 | 2.54e-6                                | 1.04e+4                                            |
 * | 40 | 2.64e-12                               | 4.53e+5                                            |
 * | 80 | 5.69e-24                               | 2.81e+8                                            |
 *
 * After `clipGradNorm([x, ...params], 1)` the global norm is at most 1 for every T.
 */
import { describe, expect, test } from 'vitest';
import { Rng, Tensor, backward, randu, sum } from '../../../../src/ops/index.js';
import { rnn } from '../../../../src/models/layers/recurrent/rnn.js';
import type { RNN } from '../../../../src/models/layers/recurrent/rnn.js';
import { clipGradNorm } from '../../../../src/models/optimizers/clip.js';

const LENGTHS = [5, 10, 20, 40, 80];

/** A tanh RNN over T steps, seed 0; with `gain`, W_hh is scaled by it and the biases zeroed. */
function network(time: number, gain: number | null): RNN {
  const layer = rnn({ units: 16 });
  layer.build([time, 4], { rng: new Rng(0) });
  if (gain !== null) {
    const sd = layer.stateDict();
    for (let i = 0; i < sd.weight_hh_l0.size; i++) sd.weight_hh_l0.data[i] *= gain;
    sd.bias_ih_l0.data.fill(0);
    sd.bias_hh_l0.data.fill(0);
  }
  return layer;
}

/** Backpropagates L = Σ h_T; returns the layer, the input leaf and ‖∂L/∂x₁‖₂. */
function firstInputGradient(time: number, gain: number | null, inputScale: number) {
  const layer = network(time, gain);
  const x = new Tensor(randu([1, time, 4], new Rng(1), { low: -inputScale, high: inputScale }).data, [1, time, 4], true);
  backward(sum(layer.forward(x)));
  const g = x.grad!.data.subarray(0, 4);
  return { layer, x, norm: Math.hypot(...g) };
}

function globalNorm(tensors: readonly Tensor[]): number {
  let total = 0;
  for (const t of tensors) for (const v of t.grad!.data) total += v * v;
  return Math.sqrt(total);
}

describe('a long plain tanh RNN: the gradient wrt its first input', () => {
  test('vanishes with T at PyTorch’s default init: 4.96e-2, 9.57e-4, 2.54e-6, 2.64e-12, 5.69e-24 for T = 5…80', () => {
    const norms = LENGTHS.map((t) => firstInputGradient(t, null, 1).norm);
    const expected = [4.96e-2, 9.57e-4, 2.54e-6, 2.64e-12, 5.69e-24];
    norms.forEach((n, i) => expect(Math.abs(Math.log10(n) - Math.log10(expected[i]))).toBeLessThan(0.1));
    for (let i = 1; i < norms.length; i++) expect(norms[i]).toBeLessThan(norms[i - 1] / 10);
  });

  test('explodes with T when ρ(W_hh) > 1: 2.04e1, 8.07e2, 1.04e4, 4.53e5, 2.81e8 for T = 5…80', () => {
    const norms = LENGTHS.map((t) => firstInputGradient(t, 4, 1e-3).norm);
    const expected = [2.04e1, 8.07e2, 1.04e4, 4.53e5, 2.81e8];
    norms.forEach((n, i) => expect(Math.abs(Math.log10(n) - Math.log10(expected[i]))).toBeLessThan(0.1));
    for (let i = 1; i < norms.length; i++) expect(norms[i]).toBeGreaterThan(norms[i - 1] * 10);
  });

  test('clipGradNorm(…, 1) returns the exploded norm and leaves a global norm ≤ 1 for every T', () => {
    for (const time of LENGTHS) {
      const { layer, x } = firstInputGradient(time, 4, 1e-3);
      const tensors = [x, ...layer.parameters()];
      const before = globalNorm(tensors);
      const reported = clipGradNorm(tensors, 1);
      expect(reported / before).toBeCloseTo(1, 5);
      expect(globalNorm(tensors)).toBeLessThanOrEqual(1 + 1e-6);
      if (time >= 20) expect(before).toBeGreaterThan(1e5);
    }
  });
});
