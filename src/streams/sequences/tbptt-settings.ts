/**
 * `tbptt`'s options, checked once at creation.
 * @internal
 * @packageDocumentation
 */
import { ArgumentError } from '../../ops/index.js';
import type { Optimizer } from '../../models/index.js';
import type { LossFunction } from '../train/train-step.js';
import type { StatefulModel, TbpttOptions } from './tbptt-types.js';

/** The checked options of one `tbptt` operator. @internal */
export interface Settings {
  readonly model: StatefulModel;
  readonly loss: LossFunction;
  readonly optimizer: Optimizer;
  readonly k1: number;
  readonly k2: number;
  readonly clipGradNorm: number | undefined;
  readonly epochs: number;
  readonly stateBatchAxis: number;
  readonly name: string;
}

/** Checks `tbptt`'s options; throws an `ArgumentError` naming the first bad one. @internal */
export function checkOptions(opts: TbpttOptions): Settings {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('tbptt: expected an options object { model, loss, optimizer, k1 }');
  const model = opts.model as Partial<StatefulModel> | undefined;
  if (typeof model?.forwardWithState !== 'function' || typeof model.parameters !== 'function' || typeof model.train !== 'function') {
    throw new ArgumentError('tbptt: model must have forwardWithState(x, state), parameters() and train() (a StatefulModel)');
  }
  if (typeof opts.loss !== 'function') throw new ArgumentError('tbptt: loss must be a function (prediction, target) => Tensor');
  if (typeof opts.optimizer?.step !== 'function') throw new ArgumentError('tbptt: optimizer must be an optimizer such as adam(model)');
  const k1 = opts.k1;
  const k2 = opts.k2 ?? k1;
  for (const [key, value] of [['k1', k1], ['k2', k2]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ArgumentError(`tbptt: ${key} must be an integer >= 1 (time steps), found ${String(value)}`);
    }
  }
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) {
    throw new ArgumentError(`tbptt: clipGradNorm must be a positive number, found ${String(opts.clipGradNorm)}`);
  }
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`tbptt: epochs must be an integer >= 0, found ${String(epochs)}`);
  const stateBatchAxis = opts.stateBatchAxis ?? 0;
  if (!Number.isInteger(stateBatchAxis) || stateBatchAxis < 0) {
    throw new ArgumentError(`tbptt: stateBatchAxis must be an integer >= 0, found ${String(stateBatchAxis)}`);
  }
  const name = opts.name ?? 'tbptt';
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`tbptt: name must be a non-empty string, found ${String(name)}`);
  return { model: opts.model, loss: opts.loss, optimizer: opts.optimizer, k1, k2, clipGradNorm: opts.clipGradNorm, epochs, stateBatchAxis, name };
}
