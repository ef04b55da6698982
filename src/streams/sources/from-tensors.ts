import type { Observable } from 'rxjs';
import { ArgumentError, ShapeError, Tensor } from '../../ops/index.js';
import { fmtShape } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/**
 * A dataset from two tensors sliced along their first axis: sample `i` is
 * `{ x: x[i], y: y[i] }`, as PyTorch's `TensorDataset` and `tf.data.Dataset.from_tensor_slices`.
 * Class labels `[N]` give scalar labels `[]` (so `batch` stacks them back to `[N]`); one-hot
 * labels `[N, C]` give `[C]`. Each sample holds a copy of its slice, cut off from autograd.
 *
 * Cold: each subscription slices from sample 0 again, one sample at a time as the consumer
 * asks for it, so the whole dataset is never duplicated in memory.
 *
 * ```
 * x: [3, 2]   y: [3]
 * fromTensors(x, y):  (abc|)    a = { x: x[0] [2], y: y[0] [] }, ...
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from 'streamgrad';
 * import { fromTensors, batch } from 'streamgrad/streams';
 * const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
 * const y = tensor([0, 1, 1, 0]);
 * fromTensors(x, y).pipe(batch(4)).subscribe((b) => console.log(b.y.shape)); // [4]
 * ```
 *
 * @param x - inputs `[N, ...]`.
 * @param y - targets `[N, ...]`, the same `N`.
 * @returns a cold Observable of `N` samples.
 * @throws ArgumentError when `x` or `y` is not a Tensor.
 * @throws ShapeError when either is a scalar, or their first dimensions differ.
 */
export function fromTensors(x: Tensor, y: Tensor): Observable<Sample> {
  checkTensor('x', x);
  checkTensor('y', y);
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(
      `fromTensors: x has ${x.shape[0]} samples but y has ${y.shape[0]}; their first dimensions must match ` +
        `(x ${fmtShape(x.shape)}, y ${fmtShape(y.shape)})`,
    );
  }
  const count = x.shape[0];
  return fromPull(function* () {
    for (let i = 0; i < count; i++) {
      yield { x: row(x, i), y: row(y, i) };
    }
  });
}

/** `t[i]`: a copy of one slice along the first axis. */
function row(t: Tensor, i: number): Tensor {
  const shape = t.shape.slice(1);
  const size = t.size / t.shape[0];
  return new Tensor(t.data.slice(i * size, (i + 1) * size), shape);
}

function checkTensor(name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new ArgumentError(`fromTensors: ${name} must be a Tensor, found ${t === null ? 'null' : typeof t}`);
  }
  if (t.rank === 0) {
    throw new ShapeError(`fromTensors: ${name} must have a first (sample) axis, found a scalar of shape []`);
  }
}
