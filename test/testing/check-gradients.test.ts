import { describe, expect, test } from 'vitest';
import { Tensor, mul, record, sum, tensor } from '../../src/ops/index.js';

import { checkGradients, GradientCheckError } from '../../src/testing/index.js';

/** A custom op with a deliberately wrong VJP (d/dx x³ claimed to be 2x). */
function cubeWithWrongGradient(x: Tensor): Tensor {
  const out = new Tensor(x.data.map((v) => v ** 3), x.shape);
  return record('cube', out, [x], (g) => [mul(g, mul(x, 2))]);
}

/** The same op with the right VJP, 3x². */
function cube(x: Tensor): Tensor {
  const out = new Tensor(x.data.map((v) => v ** 3), x.shape);
  return record('cube', out, [x], (g) => [mul(g, mul(mul(x, x), 3))]);
}

describe('checkGradients', () => {
  test('a custom op with a correct VJP passes, with a report per input', () => {
    const report = checkGradients(cube, [tensor([0.5, -1.5, 2])]);
    expect(report.passed).toBe(true);
    expect(report.inputs).toHaveLength(1);
    expect(report.inputs[0].maxRelError).toBeLessThan(1e-2);
  });

  test('a wrong VJP is caught, and the error names the input, element and both values', () => {
    const x = tensor([0.5, -1.5, 2]);
    expect(() => checkGradients(cubeWithWrongGradient, [x])).toThrow(GradientCheckError);
    expect(() => checkGradients(cubeWithWrongGradient, [x])).toThrow(/input 0 \[3\]: element \d analytic .* vs numeric/);
  });

  test('throwOnFailure: false returns the failing report instead', () => {
    const report = checkGradients(cubeWithWrongGradient, [tensor([2])], { throwOnFailure: false });
    expect(report.passed).toBe(false);
    // Both sides are projected on the same random direction r: analytic 2x·r, numeric 3x²·r.
    expect(report.inputs[0].numeric / report.inputs[0].analytic).toBeCloseTo(3, 2);
  });

  test('wrt limits the check to the listed inputs and leaves callers\' tensors untouched', () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 4]);
    const report = checkGradients((x, y) => sum(mul(x, y)), [a, b], { wrt: [1] });
    expect(report.inputs.map((r) => r.input)).toEqual([1]);
    expect(a.grad).toBeNull();
    expect(Array.from(a.data)).toEqual([1, 2]);
  });
});
