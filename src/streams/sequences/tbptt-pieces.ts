import { ArgumentError, ShapeError, Tensor, slice, where } from '../../ops/index.js';
import type { PlainPiece, PlainTensor, RecurrentState, StatefulOutput } from './tbptt-types.js';

/**
 * The pieces `tbptt` cuts a stream of windows into, and their plain (JSON) form for checkpoints.
 * @internal
 */
/** Time steps of every row: `x [B, steps, ...]`, `y [B, steps, ...]`, rows to reset at its first step. */
export interface Piece {
  readonly x: Tensor;
  readonly y: Tensor;
  readonly reset: Float32Array | null;
  readonly steps: number;
}

export function stepsOf(pieces: readonly Piece[]): number {
  return pieces.reduce((n, p) => n + p.steps, 0);
}

/** Splits a run of pieces at step `at`: the steps before it and from it on. */
export function splitAt(pieces: readonly Piece[], at: number): [Piece[], Piece[]] {
  const head: Piece[] = [];
  const tail: Piece[] = [];
  let start = 0;
  for (const piece of pieces) {
    const end = start + piece.steps;
    if (end <= at) head.push(piece);
    else if (start >= at) tail.push(piece);
    else {
      const cut = at - start;
      head.push(slicePiece(piece, 0, cut));
      tail.push(slicePiece(piece, cut, piece.steps));
    }
    start = end;
  }
  return [head, tail];
}

/** Splits a run of pieces so that a piece starts at each of `points`. */
export function splitAtAll(pieces: readonly Piece[], points: readonly number[]): Piece[] {
  let out = [...pieces];
  for (const point of points) {
    const [head, tail] = splitAt(out, point);
    out = [...head, ...tail];
  }
  return out;
}

export function slicePiece(piece: Piece, from: number, to: number): Piece {
  const rows = piece.x.shape[0];
  return {
    x: slice(piece.x, [0, from], [rows, to]),
    y: slice(piece.y, [0, from], [rows, to]),
    reset: from === 0 ? piece.reset : null,
    steps: to - from,
  };
}

export function detachState(state: RecurrentState): RecurrentState {
  return Object.fromEntries(Object.entries(state).map(([key, t]) => [key, t.detach()]));
}

/** Zeroes the rows flagged in `reset` (1) in every state tensor (exact zeros even from NaN), cutting their gradient. */
export function resetRows(state: RecurrentState, reset: Float32Array, axis: number): RecurrentState {
  const out: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(state)) {
    if (!(t instanceof Tensor) || t.rank <= axis || t.shape[axis] !== reset.length) {
      const found = t instanceof Tensor ? `shape ${fmt(t.shape)}` : typeof t;
      throw new ShapeError(`tbptt: state '${key}' has ${found}; to reset rows it must have the batch (${reset.length} rows) on axis ${axis} (stateBatchAxis)`);
    }
    const shape = new Array<number>(t.rank).fill(1);
    shape[axis] = reset.length;
    const keep = new Tensor(reset.map((f) => 1 - f), shape);
    out[key] = where(keep, t, 0);
  }
  return out;
}

export function checkOutput(result: StatefulOutput, piece: Piece): void {
  const output = result?.output;
  if (!(output instanceof Tensor) || result.state === null || typeof result.state !== 'object') {
    throw new ArgumentError('tbptt: model.forwardWithState must return { output: Tensor, state: { name: Tensor } }');
  }
  if (output.rank < 2 || output.shape[0] !== piece.x.shape[0] || output.shape[1] !== piece.steps) {
    throw new ShapeError(`tbptt: model output must be [B, T, ...] = ${fmt(piece.x.shape.slice(0, 2))}..., found ${fmt(output.shape)} for input ${fmt(piece.x.shape)}`);
  }
}

/** `[B, T, ...rest]` to `[B·T, ...rest]`. */
export function flattenTime(t: Tensor): Tensor {
  return t.reshape([t.shape[0] * t.shape[1], ...t.shape.slice(2)]);
}

export function toPlain(t: Tensor): PlainTensor {
  return { shape: [...t.shape], data: Array.from(t.data) };
}

export function fromPlain(p: PlainTensor): Tensor {
  return new Tensor(Float32Array.from(p.data), p.shape);
}

export function pieceToPlain(p: Piece): PlainPiece {
  return { x: toPlain(p.x), y: toPlain(p.y), reset: p.reset === null ? null : Array.from(p.reset) };
}

export function pieceFromPlain(p: PlainPiece): Piece {
  const x = fromPlain(p.x);
  return { x, y: fromPlain(p.y), reset: p.reset === null ? null : Float32Array.from(p.reset), steps: x.shape[1] };
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
