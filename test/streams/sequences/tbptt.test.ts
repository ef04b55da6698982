import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { test as propTest, fc } from '@fast-check/vitest';
import { type Observable, filter, finalize, lastValueFrom, takeWhile, tap, toArray } from 'rxjs';
import { Tensor, backward, concat, slice } from '../../../src/ops/index.js';
import { CheckpointError, adam, crossEntropy, mse, sgd, type Optimizer } from '../../../src/models/index.js';
import { fromArray } from '../../../src/streams/sources/from-array.js';
import type { BatchEndEvent, TrainEvent } from '../../../src/streams/train/events.js';
import { type RecurrentState, type SequenceBatch, tbptt } from '../../../src/streams/sequences/tbptt.js';
import { parallelWindows } from '../../../src/streams/sequences/windows.js';
import { Vocabulary } from '../../../src/streams/sequences/tokenize.js';
import { generate } from '../../../src/streams/sequences/generate.js';
import { checkpoint, resume } from '../../../src/callbacks/index.js';
import { Elman, cutWindows, joinWindows, makeWindows } from './elman.js';

const F = 2;
const H = 3;
const O = 2;

function source(windows: readonly { x: Tensor; y: Tensor; reset?: boolean[] }[]): Observable<SequenceBatch> {
  return fromArray(windows.map((w) => ({ ...w, size: w.x.shape[0] })));
}

function run(events: Observable<TrainEvent>): Promise<TrainEvent[]> {
  return lastValueFrom(events.pipe(toArray()));
}

/** Wraps `opt.step` to record every gradient it is applied with. */
function recordGradients(opt: Optimizer): Float64Array[][] {
  const recorded: Float64Array[][] = [];
  const step = opt.step.bind(opt);
  opt.step = () => {
    recorded.push(opt.params.map((p) => Float64Array.from(p.grad!.data)));
    step();
  };
  return recorded;
}

function weights(model: Elman): number[][] {
  return model.parameters().map((p) => Array.from(p.data));
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
}

const flatMse = (p: Tensor, t: Tensor): Tensor => mse(p, t);

describe('tbptt: equivalence with full back-propagation through time', () => {
  test('with k2 covering the whole stream and fixed weights, the windows\' gradients add up to full BPTT\'s', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 4 });
    const full = joinWindows(windows);
    const N = full.x.shape[1];

    const reference = new Elman(F, H, O, 7);
    const { output } = reference.forwardWithState(full.x, null);
    backward(mse(output.reshape([2 * N, O]), full.y.reshape([2 * N, O])));
    const expected = reference.parameters().map((p) => p.grad!.data);

    const model = new Elman(F, H, O, 7);
    const optimizer = sgd(model, { lr: 0 });
    const recorded = recordGradients(optimizer);
    await run(source(windows).pipe(tbptt({ model, loss: flatMse, optimizer, k1: 3, k2: N })));
    expect(recorded).toHaveLength(4);
    expected.forEach((g, j) => {
      const sum = new Float64Array(g.length);
      for (const update of recorded) update[j].forEach((v, i) => (sum[i] += (v * 3) / N));
      expectClose(sum, g, 1e-5);
    });
  });

  test('with k2 covering the whole stream, each update equals full BPTT over the prefix with the current weights', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 4, seed: 3 });
    const model = new Elman(F, H, O, 5);
    await run(source(windows).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 3, k2: 12 })));

    // Reference: for window w, unroll from step 0 over windows 0..w, loss on window w's steps only.
    const reference = new Elman(F, H, O, 5);
    const optimizer = sgd(reference, { lr: 0.1 });
    for (let w = 0; w < windows.length; w++) {
      optimizer.zeroGrad();
      const prefix = joinWindows(windows.slice(0, w + 1));
      const { output } = reference.forwardWithState(prefix.x, null);
      const last = slice(output, [0, 3 * w], [2, 3 * w + 3]);
      backward(mse(last.reshape([6, O]), windows[w].y.reshape([6, O])));
      optimizer.step();
    }
    weights(model).forEach((w, j) => expectClose(w, weights(reference)[j], 1e-6));
  });

  test('with k1 = k2 = the stream length, one update is full BPTT', async () => {
    const [only] = makeWindows({ batch: 3, steps: 5, features: F, outputs: O, windows: 1 });
    const model = new Elman(F, H, O, 2);
    await run(source([only]).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.5 }), k1: 5 })));
    const reference = new Elman(F, H, O, 2);
    const optimizer = sgd(reference, { lr: 0.5 });
    backward(mse(reference.forwardWithState(only.x, null).output.reshape([15, O]), only.y.reshape([15, O])));
    optimizer.step();
    expect(weights(model)).toEqual(weights(reference));
  });
});

describe('tbptt: where gradients stop', () => {
  test('with k1 = k2 = window, no gradient reaches the first window\'s input from the second window\'s loss', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 2 });
    windows[0].x.requiresGrad = true;
    const model = new Elman(F, H, O);
    let afterFirst: Float32Array | null = null;
    await run(
      source(windows).pipe(
        tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 3 }),
        tap((e) => {
          if (e.type === 'batchEnd' && e.batch === 0) {
            afterFirst = windows[0].x.grad!.data.slice();
            windows[0].x.grad = null;
          }
        }),
      ),
    );
    expect(afterFirst!.some((v) => v !== 0)).toBe(true); // the first window's own loss reaches it
    expect(windows[0].x.grad).toBeNull(); // the second window's does not: the state was detached
  });

  test('with k2 = 2 windows, the second window\'s loss does reach the first window\'s input', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 2 });
    windows[0].x.requiresGrad = true;
    const model = new Elman(F, H, O);
    await run(
      source(windows).pipe(
        tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 3, k2: 6 }),
        tap((e) => e.type === 'batchEnd' && e.batch === 0 && (windows[0].x.grad = null)),
      ),
    );
    expect(windows[0].x.grad!.data.some((v) => v !== 0)).toBe(true);
  });

  test('with k2 < k1, the state is cut k2 steps before the update\'s end (and every k2 steps before that)', async () => {
    const [only] = makeWindows({ batch: 2, steps: 5, features: F, outputs: O, windows: 1 });
    const model = new Elman(F, H, O, 4);
    const optimizer = sgd(model, { lr: 0 });
    const recorded = recordGradients(optimizer);
    await run(source([only]).pipe(tbptt({ model, loss: flatMse, optimizer, k1: 5, k2: 2 })));

    // By hand: steps [0,1) | [1,3) | [3,5), the state detached at steps 1 and 3.
    const reference = new Elman(F, H, O, 4);
    let state = null;
    const outputs: Tensor[] = [];
    for (const [s, e] of [[0, 1], [1, 3], [3, 5]]) {
      if (state !== null) state = { h: state.h.detach() };
      const r = reference.forwardWithState(slice(only.x, [0, s], [2, e]), state);
      outputs.push(r.output);
      state = r.state;
    }
    backward(mse(concat(outputs, 1).reshape([10, O]), only.y.reshape([10, O])));
    reference.parameters().forEach((p, j) => expectClose(recorded[0][j], p.grad!.data, 1e-6));
  });
});

describe('tbptt: windows, updates and resets', () => {
  propTest.prop(
    [fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 })],
    { numRuns: 12 },
  )('for any window length T, k1 and k2, the weights depend only on the stream, not on how it is cut into windows', async (T, k1, k2) => {
    const stream = joinWindows(makeWindows({ batch: 2, steps: 7, features: F, outputs: O, windows: 1, seed: 9 }));
    const train = async (length: number): Promise<number[][]> => {
      const model = new Elman(F, H, O, 1);
      await run(source(cutWindows(stream, length)).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.2 }), k1, k2 })));
      return weights(model);
    };
    const byOne = await train(1);
    const byT = await train(T);
    byT.forEach((w, j) => expectClose(w, byOne[j], 1e-6));
  });

  test('emits epochStart, one batchEnd per k1 steps (a shorter last one), epochEnd with the mean loss per prediction', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 3 });
    const model = new Elman(F, H, O);
    const events = await run(source(windows).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 2 })));
    expect(events.map((e) => e.type)).toEqual(['epochStart', 'batchEnd', 'batchEnd', 'batchEnd', 'batchEnd', 'batchEnd', 'epochEnd']);
    const batches = events.filter((e): e is BatchEndEvent => e.type === 'batchEnd');
    expect(batches.map((b) => [b.batch, b.step, b.size])).toEqual([[0, 1, 4], [1, 2, 4], [2, 3, 4], [3, 4, 4], [4, 5, 2]]);
    const end = events.at(-1)!;
    const mean = batches.reduce((s, b) => s + b.loss * b.size, 0) / 18;
    expect(end.type === 'epochEnd' && end.logs.loss).toBeCloseTo(mean, 10);
  });

  test('each epoch starts every stream over from the initial state', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 2 });
    const model = new Elman(F, H, O);
    const events = await run(source(windows).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 3, epochs: 2 })));
    expect(events.map((e) => `${e.type}:${e.epoch}`)).toEqual([
      'epochStart:0', 'batchEnd:0', 'batchEnd:0', 'epochEnd:0', 'epochStart:1', 'batchEnd:1', 'batchEnd:1', 'epochEnd:1',
    ]);
    expect(model.seen.map((s) => s === null)).toEqual([true, false, true, false]);
  });

  test('reset zeroes the flagged rows\' state before the window and cuts their gradient into the old stream', async () => {
    const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 2 });
    windows[0].x.requiresGrad = true;
    const model = new Elman(F, H, O);
    await run(
      source([windows[0], { ...windows[1], reset: [true, false] }]).pipe(
        tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0 }), k1: 3, k2: 6 }),
        tap((e) => e.type === 'batchEnd' && e.batch === 0 && (windows[0].x.grad = null)),
      ),
    );
    // The second update re-runs window 0 (k2 = 6), then resets row 0 before window 1.
    const carried = model.seen[2]!.h;
    expect(Array.from(carried.data.slice(0, H))).toEqual([0, 0, 0]);
    expect(Array.from(carried.data.slice(H)).some((v) => v !== 0)).toBe(true);
    const grad = windows[0].x.grad!.data;
    expect(Array.from(grad.slice(0, 3 * F)).every((v) => v === 0)).toBe(true); // row 0: cut by the reset
    expect(Array.from(grad.slice(3 * F)).some((v) => v !== 0)).toBe(true); // row 1: still connected
  });

  test('stateBatchAxis: 1 resets rows of PyTorch-layout states [layers, B, H]; the default axis 0 names the mismatch', async () => {
    const windows = makeWindows({ batch: 2, steps: 2, features: F, outputs: O, windows: 2 });
    const rnn = new Elman(F, H, O);
    const pytorchLayout = {
      forwardWithState: (x: Tensor, s: RecurrentState | null) => {
        const r = rnn.forwardWithState(x, s === null ? null : { h: s.h.reshape([2, H]) });
        return { output: r.output, state: { h: r.state.h.reshape([1, 2, H]) } };
      },
      parameters: () => rnn.parameters(),
      train: () => rnn.train(),
    };
    const resetSecond = source([windows[0], { ...windows[1], reset: [false, true] }]);
    await run(resetSecond.pipe(tbptt({ model: pytorchLayout, loss: flatMse, optimizer: sgd(rnn, { lr: 0.1 }), k1: 2, stateBatchAxis: 1 })));
    const carried = rnn.seen[1]!.h.data;
    expect(Array.from(carried.slice(0, H)).some((v) => v !== 0)).toBe(true);
    expect(Array.from(carried.slice(H))).toEqual([0, 0, 0]);
    await expect(run(resetSecond.pipe(tbptt({ model: pytorchLayout, loss: flatMse, optimizer: sgd(rnn, { lr: 0.1 }), k1: 2 })))).rejects.toThrow(
      "tbptt: state 'h' has shape [1,2,3]; to reset rows it must have the batch (2 rows) on axis 0 (stateBatchAxis)",
    );
  });

  test('the callbacks see a context whose callbackState holds the run state as plain JSON', async () => {
    const windows = makeWindows({ batch: 2, steps: 2, features: F, outputs: O, windows: 2 });
    const model = new Elman(F, H, O);
    const seen: unknown[] = [];
    await run(
      source(windows).pipe(
        tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1 }), k1: 2 }),
        tap((e) => e.type === 'batchEnd' && seen.push(JSON.parse(JSON.stringify(e.context.callbackState)))),
      ),
    );
    expect(seen[0]).toMatchObject({ tbptt: { format: 'streamgrad.tbptt', epoch: 0, windows: 1, updates: 1, rows: 2, history: [], pending: [] } });
    expect((seen[0] as { tbptt: { carried: { h: { shape: number[] } } } }).tbptt.carried.h.shape).toEqual([2, H]);
  });
});

test('unsubscribing (a callback stopping the run) stops training at once and releases the source', async () => {
  const windows = makeWindows({ batch: 2, steps: 4, features: F, outputs: O, windows: 5 });
  const model = new Elman(F, H, O);
  const optimizer = sgd(model, { lr: 0.1 });
  let released = false;
  const events = await run(
    source(windows).pipe(
      finalize(() => (released = true)),
      tbptt({ model, loss: flatMse, optimizer, k1: 2 }),
      takeWhile((e) => !(e.type === 'batchEnd' && e.step === 3), true),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(events.at(-1)).toMatchObject({ type: 'batchEnd', step: 3 });
  expect(optimizer.stepCount).toBe(3); // the second window's second update never ran
  expect(released).toBe(true);
});

describe('tbptt: resuming', () => {
  const windows = makeWindows({ batch: 2, steps: 3, features: F, outputs: O, windows: 5, seed: 11 });

  async function uninterrupted(): Promise<number[][]> {
    const model = new Elman(F, H, O, 3);
    await run(source(windows).pipe(tbptt({ model, loss: flatMse, optimizer: sgd(model, { lr: 0.1, momentum: 0.9 }), k1: 2, k2: 4, epochs: 2 })));
    return weights(model);
  }

  test('state() and loadState() continue mid-window, with history and pending steps, bit for bit', async () => {
    const expected = await uninterrupted();
    const model = new Elman(F, H, O, 3);
    const optimizer = sgd(model, { lr: 0.1, momentum: 0.9 });
    const first = tbptt({ model, loss: flatMse, optimizer, k1: 2, k2: 4, epochs: 2 });
    await run(source(windows).pipe(first, takeWhile((e) => !(e.type === 'batchEnd' && e.step === 3), true)));
    const saved = JSON.parse(JSON.stringify({ run: first.state(), weights: weights(model), optimizer: optimizer.state() }));
    expect(saved.run.pending.length + saved.run.history.length).toBeGreaterThan(0);

    const model2 = new Elman(F, H, O, 99);
    model2.parameters().forEach((p, j) => p.data.set(saved.weights[j]));
    const optimizer2 = sgd(model2, { lr: 0.1, momentum: 0.9 });
    optimizer2.loadState(optimizer.state());
    const second = tbptt({ model: model2, loss: flatMse, optimizer: optimizer2, k1: 2, k2: 4, epochs: 2 });
    second.loadState(saved.run);
    await run(source(windows).pipe(second));
    expect(weights(model2)).toEqual(expected);
  });

  test('a checkpoint callback saves the carried state, and tbptt({ resume }) continues exactly', async () => {
    const expected = await uninterrupted();
    const dir = await mkdtemp(join(tmpdir(), 'tbptt-'));
    try {
      const model = new Elman(F, H, O, 3);
      const optimizer = sgd(model, { lr: 0.1, momentum: 0.9 });
      await run(
        source(windows).pipe(
          tbptt({ model, loss: flatMse, optimizer, k1: 2, k2: 4, epochs: 2 }),
          checkpoint({ dir, every: { steps: 5 }, keepLast: 1 }),
          takeWhile((e) => e.type !== 'checkpoint', true),
        ),
      );
      const model2 = new Elman(F, H, O, 42);
      const optimizer2 = sgd(model2, { lr: 0.1, momentum: 0.9 });
      const start = await resume(dir, { model: model2, optimizer: optimizer2 });
      expect(start?.step).toBe(5);
      const events = await run(source(windows).pipe(tbptt({ model: model2, loss: flatMse, optimizer: optimizer2, k1: 2, k2: 4, epochs: 2, resume: start! })));
      expect(events.filter((e) => e.type === 'batchEnd')[0].step).toBe(6);
      expect(weights(model2)).toEqual(expected);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('tbptt: errors', () => {
  const model = new Elman(F, H, O);
  const optimizer = sgd(model, { lr: 0.1 });

  test('options are checked at creation', () => {
    expect(() => tbptt({ model, loss: flatMse, optimizer, k1: 0 })).toThrow('tbptt: k1 must be an integer >= 1 (time steps), found 0');
    expect(() => tbptt({ model, loss: flatMse, optimizer, k1: 2, k2: 1.5 })).toThrow('tbptt: k2 must be an integer >= 1 (time steps), found 1.5');
    expect(() => tbptt({ model: {} as never, loss: flatMse, optimizer, k1: 2 })).toThrow('tbptt: model must have forwardWithState(x, state)');
    expect(() => tbptt({ model, loss: flatMse, optimizer, k1: 2, clipGradNorm: -1 })).toThrow('tbptt: clipGradNorm must be a positive number, found -1');
    expect(() => tbptt({ model, loss: flatMse, optimizer, k1: 2, resume: { callbackState: {} } })).toThrow('tbptt: resume.callbackState has no "tbptt" entry');
  });

  test('a window with another number of rows, mismatched y or a bad reset errors the stream, naming the window', async () => {
    const [a] = makeWindows({ batch: 2, steps: 2, features: F, outputs: O, windows: 1 });
    const [b] = makeWindows({ batch: 3, steps: 2, features: F, outputs: O, windows: 1 });
    const op = () => tbptt({ model, loss: flatMse, optimizer, k1: 2 });
    await expect(run(source([a, b]).pipe(op()))).rejects.toThrow('tbptt: window 1: has 3 rows (x [3,2,2]) but the windows before it had 2');
    await expect(run(source([{ x: a.x, y: b.y }]).pipe(op()))).rejects.toThrow("tbptt: window 0: y must start with x's [B, T] = [2,2], found y [3,2,2]");
    await expect(run(source([{ ...a, reset: [true] }]).pipe(op()))).rejects.toThrow('tbptt: window 0: reset must have one flag per row (2)');
    await expect(run(fromArray([{ ...a, size: 2, mask: a.x }]).pipe(op()))).rejects.toThrow('tbptt: window 0: has a padding mask; tbptt trains full windows only');
  });

  test('loadState refuses a state of other k1/k2 or a malformed one, and changes nothing', () => {
    const op = tbptt({ model, loss: flatMse, optimizer, k1: 2 });
    const before = op.state();
    expect(() => op.loadState({ ...before, k1: 3, k2: 3 })).toThrow(CheckpointError);
    expect(() => op.loadState({ ...before, k1: 3, k2: 3 })).toThrow('tbptt.loadState: the state was saved with k1 = 3, k2 = 3 but this operator has k1 = 2, k2 = 2');
    expect(() => op.loadState({ ...before, epoch: 4, carried: { h: { shape: [2, 3], data: [1] } } })).toThrow('tbptt.loadState: carried.h has 1 values for shape [2,3]');
    expect(op.state()).toEqual(before);
  });

  test('a second concurrent subscription is refused', async () => {
    const windows = makeWindows({ batch: 2, steps: 2, features: F, outputs: O, windows: 2 });
    const op = tbptt({ model, loss: flatMse, optimizer, k1: 2 });
    const first = run(source(windows).pipe(op));
    await expect(run(source(windows).pipe(op))).rejects.toThrow('tbptt: this operator is already running');
    await first;
  });

  test('a loss that is not one number errors the stream', async () => {
    const windows = makeWindows({ batch: 2, steps: 2, features: F, outputs: O, windows: 1 });
    const op = tbptt({ model, loss: (p, t) => mse(p, t, { reduction: 'none' }), optimizer, k1: 2 });
    await expect(run(source(windows).pipe(op, filter(() => true)))).rejects.toThrow('tbptt: the loss must be one number per update, found [4,2]');
  });
});

describe('tbptt: end to end', () => {
  test('a character RNN trained on parallel windows learns a periodic text, and generate continues it', async () => {
    const text = 'abcd'.repeat(50);
    const vocab = Vocabulary.fromText(text);
    const V = vocab.size;
    const oneHot = (ids: Tensor): Tensor => {
      const data = new Float32Array(ids.size * V);
      ids.data.forEach((id, i) => (data[i * V + id] = 1));
      return new Tensor(data, [...ids.shape, V]);
    };
    const rnn = new Elman(V, 8, V, 1);
    const model = {
      forwardWithState: (x: Tensor, state: RecurrentState | null) => rnn.forwardWithState(oneHot(x), state),
      parameters: () => rnn.parameters(),
      train: () => rnn.train(),
      eval: () => rnn.eval(),
      get training() {
        return rnn.training;
      },
    };
    const events = await run(
      parallelWindows(vocab.encode(text), { batchSize: 4, length: 10 }).pipe(
        tbptt({ model, loss: (p, t) => crossEntropy(p, t), optimizer: adam(rnn, { lr: 0.05 }), k1: 10, clipGradNorm: 5, epochs: 15 }),
      ),
    );
    const losses = events.flatMap((e) => (e.type === 'epochEnd' ? [e.logs.loss] : []));
    expect(losses).toHaveLength(15);
    expect(losses.at(-1)!).toBeLessThan(0.1);
    expect(losses.at(-1)!).toBeLessThan(losses[0] / 10);
    expect(generate(model, { prime: 'abcda', length: 11, temperature: 0, vocabulary: vocab })).toBe('bcdabcdabcd');
  });
});
