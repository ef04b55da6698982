import { ArgumentError } from './errors.js';
import { Tensor } from './tensor.js';

/** What binary ops accept for an operand: a tensor or a plain number (a scalar constant). */
export type TensorLike = Tensor | number;

/** Turns a number into a constant scalar tensor; passes tensors through. Names the op and argument on bad input. */
export function toTensor(op: string, name: string, value: TensorLike): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value === 'number') return new Tensor(Float32Array.of(value), []);
  throw new ArgumentError(`${op}: ${name} must be a Tensor or a number, found ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array (wrap it with tensor(...))';
  return typeof value;
}
