import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type Observable, lastValueFrom, takeWhile, toArray } from 'rxjs';
import { Rng, Tensor, backward, concat, slice } from '../../../src/ops/index.js';
import { type Optimizer, adam, crossEntropy, dense, embedding, gru, lstm, sgd } from '../../../src/models/index.js';
import { type SequenceModel, sequenceModel } from '../../../src/models/sequence-model.js';
import { fromArray } from '../../../src/streams/sources/from-array.js';
import type { TrainEvent } from '../../../src/streams/train/events.js';
import { type SequenceBatch, tbptt } from '../../../src/streams/sequences/tbptt.js';
import { checkpoint, resume } from '../../../src/callbacks/index.js';

const V = 6;
const B = 2;
const T = 3;
const WINDOWS = 4;
const N = T * WINDOWS;

function model(kind: 'lstm' | 'gru', seed = 1): SequenceModel {
  const recurrent = kind === 'lstm' ? lstm({ units: 4, numLayers: 2, returnSequences: true }) : gru({ units: 4, numLayers: 2, returnSequences: true });
  return sequenceModel({ embedding: embedding({ numEmbeddings: V, embeddingDim: 3 }), recurrent, head: dense(V), inputShape: [T], seed });
}

/** One token stream per row, `[B, N + 1]`; x is the first N, y the last N. */
function stream(seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const ids = Float32Array.from({ length: B * (N + 1) }, () => Math.floor(rng.uniform() * V));
  const all = new Tensor(ids, [B, N + 1]);
  return { x: slice(all, [0, 0], [B, N]), y: slice(all, [0, 1], [B, N + 1]) };
}

function windowsOf(s: { x: Tensor; y: Tensor }, reset?: (w: number) => boolean[] | undefined): SequenceBatch[] {
  return Array.from({ length: WINDOWS }, (_, w) => ({
    x: slice(s.x, [0, w * T], [B, (w + 1) * T]),
    y: slice(s.y, [0, w * T], [B, (w + 1) * T]),
    size: B,
    ...(reset?.(w) !== undefined ? { reset: reset(w) } : {}),
  }));
}

function run(events: Observable<TrainEvent>): Promise<TrainEvent[]> {
  return lastValueFrom(events.pipe(toArray()));
}

/** Records the gradient every `opt.step()` applies. */
function recordGradients(opt: Optimizer): Float64Array[][] {
  const recorded: Float64Array[][] = [];
  const step = opt.step.bind(opt);
  opt.step = () => {
    recorded.push(opt.params.map((p) => Float64Array.from(p.grad!.data)));
    step();
  };
  return recorded;
}

function losses(events: TrainEvent[]): number[] {
  return events.flatMap((e) => (e.type === 'batchEnd' ? [e.loss] : []));
}

function weights(m: SequenceModel): number[][] {
  return m.parameters().map((p) => Array.from(p.data));
}

const flatLoss = (logits: Tensor, target: Tensor): Tensor => crossEntropy(logits, target);

/** Mean cross-entropy of logits `[rows, steps, V]` against targets `[rows, steps]`. */
function meanLoss(logits: Tensor, target: Tensor): number {
  const [rows, steps] = target.shape;
  return crossEntropy(logits.reshape([rows * steps, V]), target.reshape([rows * steps])).item();
}

for (const kind of ['lstm', 'gru'] as const) {
  describe(`tbptt over sequenceModel(${kind})`, () => {
    test('with k2 covering the whole stream and fixed weights, the updates\' gradients add up to full BPTT\'s', async () => {
      const s = stream(3);
      const reference = model(kind);
      const { output } = reference.forwardWithState(s.x, null);
      backward(crossEntropy(output.reshape([B * N, V]), s.y.reshape([B * N])));
      const expected = reference.parameters().map((p) => p.grad!.data);

      const m = model(kind);
      const optimizer = sgd(m, { lr: 0 });
      const recorded = recordGradients(optimizer);
      await run(fromArray(windowsOf(s)).pipe(tbptt({ model: m, loss: flatLoss, optimizer, k1: T, k2: N })));
      expect(recorded).toHaveLength(WINDOWS);
      expected.forEach((g, j) => {
        const sum = new Float64Array(g.length);
        for (const update of recorded) update[j].forEach((v, i) => (sum[i] += (v * T) / N));
        for (let i = 0; i < g.length; i++) expect(Math.abs(sum[i] - g[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(g[i])));
      });
    });

    test('the state carried across windows equals one long forward: each update\'s loss is the long run\'s loss on its steps', async () => {
      const s = stream(5);
      const m = model(kind);
      const events = await run(fromArray(windowsOf(s)).pipe(tbptt({ model: m, loss: flatLoss, optimizer: sgd(m, { lr: 0 }), k1: T })));
      const { output } = model(kind).forwardWithState(s.x, null);
      const expected = Array.from({ length: WINDOWS }, (_, w) =>
        meanLoss(slice(output, [0, w * T, 0], [B, (w + 1) * T, V]), slice(s.y, [0, w * T], [B, (w + 1) * T])),
      );
      losses(events).forEach((loss, w) => expect(loss).toBeCloseTo(expected[w], 5));
    });

    test('reset of a row zeroes its state: that row starts over while the other continues', async () => {
      const s = stream(7);
      const m = model(kind);
      const windows = windowsOf(s, (w) => (w === 2 ? [false, true] : undefined));
      const events = await run(fromArray(windows).pipe(tbptt({ model: m, loss: flatLoss, optimizer: sgd(m, { lr: 0 }), k1: T })));
      const reference = model(kind);
      const row = (r: number, from: number, to: number) => slice(s.x, [r, from], [r + 1, to]);
      const continued = slice(reference.forwardWithState(row(0, 0, 3 * T), null).output, [0, 2 * T, 0], [1, 3 * T, V]);
      const fresh = reference.forwardWithState(row(1, 2 * T, 3 * T), null).output;
      const expected = meanLoss(concat([continued, fresh], 0), slice(s.y, [0, 2 * T], [B, 3 * T]));
      expect(losses(events)[2]).toBeCloseTo(expected, 5);
      const m2 = model(kind);
      const noReset = await run(fromArray(windowsOf(s)).pipe(tbptt({ model: m2, loss: flatLoss, optimizer: sgd(m2, { lr: 0 }), k1: T })));
      expect(losses(noReset)[2]).not.toBeCloseTo(expected, 5);
    });
  });
}

describe('tbptt over sequenceModel: checkpoints', () => {
  const windows = windowsOf(stream(11));

  async function uninterrupted(): Promise<number[][]> {
    const m = model('lstm', 2);
    await run(fromArray(windows).pipe(tbptt({ model: m, loss: flatLoss, optimizer: adam(m, { lr: 0.01 }), k1: 2, k2: 4, epochs: 2 })));
    return weights(m);
  }

  test('a checkpoint holds the weights by name and the carried LSTM state; a resumed run continues bit for bit', async () => {
    const expected = await uninterrupted();
    const dir = await mkdtemp(join(tmpdir(), 'tbptt-layers-'));
    try {
      const m = model('lstm', 2);
      const optimizer = adam(m, { lr: 0.01 });
      await run(
        fromArray(windows).pipe(
          tbptt({ model: m, loss: flatLoss, optimizer, k1: 2, k2: 4, epochs: 2 }),
          checkpoint({ dir, every: { steps: 5 }, keepLast: 1 }),
          takeWhile((e) => e.type !== 'checkpoint', true),
        ),
      );
      const m2 = model('lstm', 42);
      const optimizer2 = adam(m2, { lr: 0.01 });
      const start = await resume(dir, { model: m2, optimizer: optimizer2 });
      const carried = (start!.callbackState.tbptt as { carried: Record<string, unknown> | null }).carried;
      expect(Object.keys(carried ?? {})).toEqual(['h_l0', 'h_l1', 'c_l0', 'c_l1']);
      await run(fromArray(windows).pipe(tbptt({ model: m2, loss: flatLoss, optimizer: optimizer2, k1: 2, k2: 4, epochs: 2, resume: start! })));
      expect(weights(m2)).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
