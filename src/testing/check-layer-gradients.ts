import { backward } from '../ops/autograd.js';
import { Tensor } from '../ops/tensor.js';
import {
  type CheckGradientsOptions,
  type GradientReport,
  compareWithFiniteDifferences,
  finishReport,
  projection,
  projectionDirection,
} from './check-gradients.js';

/** What `checkLayerGradients` needs of a layer: a forward function and named parameters. */
export interface LayerLike {
  forward(x: Tensor): Tensor;
  namedParameters(): [string, Tensor][];
}

/**
 * Checks a layer's gradients, with respect to its input and every trainable parameter,
 * against centered finite differences, through the layer's own `forward`. Parameters are
 * perturbed in place and restored; their `.grad` is left as it was.
 *
 * The forward must be deterministic between calls (put dropout in evaluation mode, or give
 * it a fixed mask). Tolerances and options are those of `checkGradients`; `wrt` is ignored.
 *
 * @example
 * ```ts
 * import { sequential, dense } from 'streamgrad/models';
 * import { checkLayerGradients } from 'streamgrad/testing';
 * const net = sequential([dense(3)], { inputShape: [2] });
 * checkLayerGradients(net, tensor([[0.5, -1]])); // throws a GradientCheckError if wrong
 * ```
 */
export function checkLayerGradients(
  layer: LayerLike,
  x: Tensor,
  opts: Omit<CheckGradientsOptions, 'wrt'> = {},
): GradientReport {
  const tolerance = { h: opts.h ?? 1e-2, rtol: opts.rtol ?? 1e-2, atol: opts.atol ?? 1e-3 };
  const params = layer.namedParameters().filter(([, p]) => p.requiresGrad);
  const savedGrads = params.map(([, p]) => p.grad);
  const input = new Tensor(x.data.slice(), x.shape, true);
  const y = layer.forward(input);
  const r = projectionDirection(y.size, opts.seed ?? 0);
  for (const [, p] of params) p.grad = null;
  if (y.requiresGrad) backward(y, new Tensor(r, y.shape));
  const analytic = params.map(([, p]) => p.grad?.data ?? new Float32Array(p.size));
  params.forEach(([, p], i) => (p.grad = savedGrads[i]));

  const probe = new Tensor(x.data.slice(), x.shape);
  const project = projection(() => layer.forward(probe), r);
  const reports = [
    compareWithFiniteDifferences(0, `input ${fmt(x.shape)}`, probe.data, input.grad?.data ?? new Float32Array(x.size), project, tolerance),
    ...params.map(([name, p], i) =>
      compareWithFiniteDifferences(i + 1, `${name} ${fmt(p.shape)}`, p.data, analytic[i], project, tolerance),
    ),
  ];
  return finishReport('checkLayerGradients', reports, tolerance, opts.throwOnFailure ?? true);
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
