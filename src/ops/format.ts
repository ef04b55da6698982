import type { Tensor } from './tensor.js';

const EDGE = 3;

function formatValue(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  if (!Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(4);
  return v.toFixed(4);
}

/**
 * Prints a tensor as nested brackets like PyTorch; dimensions longer than 6 show their
 * first and last three entries around `...`.
 */
export function formatTensor(t: Tensor): string {
  const shape = t.shape;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const indent = (dim: number) => ' '.repeat('tensor('.length + dim + 1);
  const build = (dim: number, offset: number): string => {
    if (dim === shape.length) return formatValue(t.data[offset]);
    const n = shape[dim];
    const parts: string[] = [];
    const push = (i: number) => parts.push(build(dim + 1, offset + i * strides[dim]));
    if (n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) push(i);
      parts.push('...');
      for (let i = n - EDGE; i < n; i++) push(i);
    } else {
      for (let i = 0; i < n; i++) push(i);
    }
    const sep = dim === shape.length - 1 ? ', ' : ',\n' + indent(dim);
    return `[${parts.join(sep)}]`;
  };
  const grad = t.requiresGrad ? ', requiresGrad=true' : '';
  return `tensor(${build(0, 0)}, shape=[${shape.join(',')}]${grad})`;
}
