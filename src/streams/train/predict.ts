import { type OperatorFunction, map } from 'rxjs';
import { ArgumentError, Tensor, noGrad } from '../../ops/index.js';
import type { Layer } from '../../models/index.js';
import type { Batch } from '../types.js';

/**
 * Inference as an operator: each input batch (a tensor, or a `Batch` whose `x` is used) to
 * the model's output, in evaluation mode and without recording a graph. The model's mode is
 * switched to evaluation for each call and restored after it.
 *
 * ```
 * inputs:  --a--b--|
 * predict: --A--B--|   A = model(a)
 * ```
 *
 * @example
 * ```ts
 * images$.pipe(batch(32), predict(model), map((logits) => argmax(logits, 1)));
 * ```
 */
export function predict(model: Layer): OperatorFunction<Tensor | Batch, Tensor> {
  if (typeof model?.forward !== 'function') throw new ArgumentError('predict: expected a layer or model');
  return map((input) => {
    const x = input instanceof Tensor ? input : input.x;
    const wasTraining = model.training;
    model.eval();
    try {
      return noGrad(() => model.forward(x));
    } finally {
      if (wasTraining) model.train();
    }
  });
}
