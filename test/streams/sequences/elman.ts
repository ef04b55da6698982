/**
 * A tiny hand-written recurrent model for the sequence tests, from primitive ops only:
 * an Elman RNN `h_t = tanh(x_t W_x + h_{t−1} W_h + b)`, `y_t = h_t W_o + b_o`, batch-first
 * `x: [B, T, F]`, state `{ h: [B, H] }` (zeros when null). A `Module`, so checkpoints work.
 */
import { Rng, Tensor, add, concat, matmul, randn, slice, stack, tanh, zeros } from '../../../src/ops/index.js';
import { Module } from '../../../src/models/index.js';
import type { RecurrentState, StatefulModel, StatefulOutput } from '../../../src/streams/sequences/tbptt.js';

export class Elman extends Module implements StatefulModel {
  readonly wx: Tensor;
  readonly wh: Tensor;
  readonly b: Tensor;
  readonly wo: Tensor;
  readonly bo: Tensor;
  /** Every state passed to `forwardWithState`, for tests that look at what was carried. */
  readonly seen: (RecurrentState | null)[] = [];

  constructor(readonly features: number, readonly hidden: number, readonly outputs: number, seed = 0) {
    super();
    const rng = new Rng(seed);
    this.wx = this.registerParameter('wx', randn([features, hidden], rng, { std: 0.5 }));
    this.wh = this.registerParameter('wh', randn([hidden, hidden], rng, { std: 0.5 }));
    this.b = this.registerParameter('b', randn([hidden], rng, { std: 0.1 }));
    this.wo = this.registerParameter('wo', randn([hidden, outputs], rng, { std: 0.5 }));
    this.bo = this.registerParameter('bo', zeros([outputs]));
  }

  forwardWithState(x: Tensor, state: RecurrentState | null): StatefulOutput {
    this.seen.push(state);
    const [batch, steps] = x.shape;
    let h = state?.h ?? zeros([batch, this.hidden]);
    const ys: Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const xt = slice(x, [0, t], [batch, t + 1]).reshape([batch, this.features]);
      h = tanh(add(add(matmul(xt, this.wx), matmul(h, this.wh)), this.b));
      ys.push(add(matmul(h, this.wo), this.bo));
    }
    return { output: stack(ys, 1), state: { h } };
  }
}

/** A deterministic stream: `windows` windows `[B, T, F]` with targets `[B, T, O]`. */
export function makeWindows(opts: { batch: number; steps: number; features: number; outputs: number; windows: number; seed?: number }): { x: Tensor; y: Tensor }[] {
  const rng = new Rng(opts.seed ?? 1);
  return Array.from({ length: opts.windows }, () => ({
    x: randn([opts.batch, opts.steps, opts.features], rng),
    y: randn([opts.batch, opts.steps, opts.outputs], rng),
  }));
}

/** Concatenates windows along time: the whole stream as one window. */
export function joinWindows(windows: readonly { x: Tensor; y: Tensor }[]): { x: Tensor; y: Tensor } {
  return { x: concat(windows.map((w) => w.x), 1), y: concat(windows.map((w) => w.y), 1) };
}

/** Cuts a stream `[B, N, ...]` into windows of `length` steps (the last may be shorter). */
export function cutWindows(stream: { x: Tensor; y: Tensor }, length: number): { x: Tensor; y: Tensor }[] {
  const [batch, steps] = stream.x.shape;
  const out: { x: Tensor; y: Tensor }[] = [];
  for (let s = 0; s < steps; s += length) {
    const e = Math.min(steps, s + length);
    out.push({ x: slice(stream.x, [0, s], [batch, e]), y: slice(stream.y, [0, s], [batch, e]) });
  }
  return out;
}
