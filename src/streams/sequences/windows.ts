import { type Observable, type OperatorFunction, Observable as RxObservable } from 'rxjs';
import { ArgumentError, Tensor } from '../../ops/index.js';
import { fromPull } from '../sources/pull.js';
import type { Sample } from '../types.js';
import type { SequenceBatch } from './tbptt-types.js';

/** Options of `windows`. */
export interface WindowsOptions {
  /** Time steps per window: `x` and `y` are `[length]`. */
  readonly length: number;
  /** Tokens between the starts of two windows; `stride < length` overlaps them. @default length */
  readonly stride?: number;
}

/**
 * Cuts a token stream into language-modelling samples: windows of `length` tokens as
 * input and the same window shifted by one token as target,
 *
 *     x = t[s … s + length − 1],   y = t[s + 1 … s + length]   for s = 0, stride, 2·stride, …
 *
 * so each window needs `length + 1` tokens and a window is emitted as soon as its last
 * target has arrived. Tokens that cannot complete a window at the end are dropped. Memory:
 * at most `max(length + 1, stride)` tokens are held. `x` and `y` are float32 tensors of
 * token indices (exact below 2²⁴), so `batch` stacks them to `[N, length]`.
 *
 * These windows are independent samples (shuffle them if you like); for one stream trained
 * with carried state use `parallelWindows` and `tbptt`.
 *
 * ```
 * tokens:                 -0-1-2-3-4-5-6-|
 * windows({ length: 2 }): -----a---b-----|    a = { x: [0,1], y: [1,2] }, b = { x: [2,3], y: [3,4] }
 * ```
 *
 * @example
 * ```ts
 * import { tokenize, windows, shuffle, batch } from 'streamgrad/streams';
 * const train = text$.pipe(tokenize(vocab), windows({ length: 64, stride: 32 }),
 *   shuffle({ bufferSize: 1000, seed: 1 }), batch(32)); // x, y: [32, 64]
 * ```
 * @throws ArgumentError at creation for a bad `length` or `stride`; the stream errors on a
 *   token that is not an integer >= 0.
 */
export function windows(opts: WindowsOptions): OperatorFunction<number, Sample> {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('windows: expected an options object { length, stride }');
  const length = opts.length;
  const stride = opts.stride ?? length;
  checkPositiveInt('windows', 'length', length);
  checkPositiveInt('windows', 'stride', stride);
  return (source) =>
    new RxObservable<Sample>((subscriber) => {
      // buffer[0] is token number `first` of the stream; the next window starts at `start`.
      let buffer: number[] = [];
      let first = 0;
      let start = 0;
      let seen = 0;
      return source.subscribe({
        next: (token) => {
          if (typeof token !== 'number' || !Number.isInteger(token) || token < 0) {
            subscriber.error(new ArgumentError(`windows: tokens must be integers >= 0, found ${String(token)} at position ${seen}`));
            return;
          }
          seen++;
          if (seen <= start) return; // inside a gap between windows (stride > length + 1)
          if (buffer.length === 0) first = seen - 1;
          buffer.push(token);
          if (first + buffer.length < start + length + 1) return;
          const offset = start - first;
          const x = Float32Array.from(buffer.slice(offset, offset + length));
          const y = Float32Array.from(buffer.slice(offset + 1, offset + length + 1));
          start += stride;
          const drop = Math.min(buffer.length, start - first);
          buffer = buffer.slice(drop);
          first += drop;
          subscriber.next({ x: new Tensor(x, [length]), y: new Tensor(y, [length]) });
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/** Options of `parallelWindows`. */
export interface ParallelWindowsOptions {
  /** Parallel streams B: the token array is cut into B contiguous parts, one per batch row. */
  readonly batchSize: number;
  /** Time steps per window T. */
  readonly length: number;
  /** Drop each row's last window when it is shorter than `length`. @default true */
  readonly dropRemainder?: boolean;
}

/**
 * Batches of consecutive windows for training with carried state (`tbptt`), as in
 * PyTorch's word-language-model `batchify`: the N tokens are cut into B contiguous parts of
 * P = ⌊N / B⌋ tokens (the last N − B·P tokens are dropped), part b is row b, and batch i
 * holds window i of every row:
 *
 *     x[b, t] = part_b[i·T + t],   y[b, t] = part_b[i·T + t + 1]
 *
 * so row b of batch i + 1 continues row b of batch i. The first batch has `reset` set for
 * every row; `x`, `y` are `[B, T]` float32 token indices, `size` is B. A cold source, pulled
 * on demand: each subscription (epoch) starts the parts over.
 *
 * ```
 * tokens 0…12, batchSize 2, length 2:  parts [0…5] and [6…11]
 * parallelWindows: (abc|)   a.x = [[0,1],[6,7]], a.y = [[1,2],[7,8]], b.x = [[2,3],[8,9]], ...
 * ```
 *
 * @example
 * ```ts
 * import { parallelWindows, tbptt } from 'streamgrad/streams';
 * parallelWindows(vocab.encode(text), { batchSize: 32, length: 100 })
 *   .pipe(tbptt({ model, loss: crossEntropy, optimizer, k1: 100 }))
 *   .subscribe();
 * ```
 */
export function parallelWindows(tokens: ArrayLike<number>, opts: ParallelWindowsOptions): Observable<SequenceBatch> {
  if (tokens === null || typeof tokens !== 'object' || typeof tokens.length !== 'number') {
    throw new ArgumentError('parallelWindows: tokens must be an array of token indices');
  }
  if (opts === null || typeof opts !== 'object') throw new ArgumentError('parallelWindows: expected an options object { batchSize, length }');
  const { batchSize, length } = opts;
  const dropRemainder = opts.dropRemainder ?? true;
  checkPositiveInt('parallelWindows', 'batchSize', batchSize);
  checkPositiveInt('parallelWindows', 'length', length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!Number.isInteger(token) || token < 0) {
      throw new ArgumentError(`parallelWindows: tokens must be integers >= 0, found ${String(token)} at position ${i}`);
    }
  }
  const part = Math.floor(tokens.length / batchSize);
  if (part < 2) {
    throw new ArgumentError(`parallelWindows: ${tokens.length} tokens make parts of ${part} token(s) for ${batchSize} rows; each row needs at least 2`);
  }
  return fromPull(function* () {
    for (let s = 0; s + 1 < part; s += length) {
      const steps = Math.min(length, part - 1 - s);
      if (steps < length && dropRemainder) return;
      const x = new Float32Array(batchSize * steps);
      const y = new Float32Array(batchSize * steps);
      for (let b = 0; b < batchSize; b++) {
        for (let t = 0; t < steps; t++) {
          x[b * steps + t] = tokens[b * part + s + t];
          y[b * steps + t] = tokens[b * part + s + t + 1];
        }
      }
      const batch: SequenceBatch = { x: new Tensor(x, [batchSize, steps]), y: new Tensor(y, [batchSize, steps]), size: batchSize };
      yield s === 0 ? { ...batch, reset: new Array<boolean>(batchSize).fill(true) } : batch;
    }
  });
}

function checkPositiveInt(where: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${where}: ${name} must be an integer >= 1, found ${String(value)}`);
  }
}
