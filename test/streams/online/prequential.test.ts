import { describe, expect, test } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Observable, filter, lastValueFrom, map, take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Rng, isGradEnabled, tensor, zeros } from '../../../src/ops/index.js';
import { crossEntropy, dense, sequential, sgd, type Layer } from '../../../src/models/index.js';
import { fromPull } from '../../../src/streams/sources/pull.js';
import type { Batch } from '../../../src/streams/types.js';
import type { BatchEndEvent, EpochEndEvent, FitPosition, TrainEvent } from '../../../src/streams/train/events.js';
import { checkpoint, earlyStopping, lrSchedule, resume } from '../../../src/callbacks/index.js';
import { prequential, type PrequentialOptions } from '../../../src/streams/online/prequential.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A model whose output is its bias whatever the input (inputs are zeros): `dense(2)` on `[N, 1]` zeros. */
function biasModel(bias: [number, number]): Layer {
  const model = sequential([dense(2)], { inputShape: [1], seed: 1 });
  const b = model.namedParameters().find(([name]) => name === '0.bias')![1];
  b.data.set(bias);
  return model;
}

/** A batch of `labels.length` zero inputs with these class labels. */
const labelled = (labels: number[]): Batch => ({ x: zeros([labels.length, 1]), y: tensor(labels), size: labels.length });

/** A cold, demand-driven source of these batches. */
const batchesOf = (...batches: Batch[]): Observable<Batch> => fromPull(() => batches[Symbol.iterator]());

const batchEnds = (events: TrainEvent[]) => events.filter((e): e is BatchEndEvent => e.type === 'batchEnd');
/** An event as a marble letter: S epochStart, b batchEnd, E epochEnd, c checkpoint, s stop, d drift. */
const letter = (e: TrainEvent) => ({ epochStart: 'S', batchEnd: 'b', epochEnd: 'E', checkpoint: 'c', stop: 's', drift: 'd' })[e.type];
/** Events as letters (a marble without timing). */
const letters = (events: TrainEvent[]) => events.map(letter).join('');
const run = (source: Observable<Batch>, opts: PrequentialOptions) => lastValueFrom(source.pipe(prequential(opts), toArray()));

// Per-sample cross-entropy of logits [0, 1]: label 1 costs a = ln(1 + e^-1), label 0 costs a + 1.
const a = Math.log(1 + Math.exp(-1));

describe('prequential: the three metric forms, worked by hand', () => {
  // A model stuck on class 1 (lr 0), batches of 2, 3, 1, 2 samples, window 3, alpha 0.5.
  // Correctness per sample: 1 0 | 1 1 0 | 0 | 1 1.
  const stream = () => batchesOf(labelled([1, 0]), labelled([1, 1, 0]), labelled([0]), labelled([1, 1]));
  const options = (): PrequentialOptions => {
    const model = biasModel([0, 1]);
    return { model, loss: crossEntropy, optimizer: sgd(model, { lr: 0 }), metrics: ['accuracy'], window: 3, alpha: 0.5 };
  };

  test('accuracy: running, window of 3 and faded with alpha 0.5 after each batch', async () => {
    const logs = batchEnds(await run(stream(), options())).map((e) => e.logs);
    // running: 1/2, 3/5, 3/6, 5/8. window (last 3): {1,0}, {1,1,0}, {1,0,0}, {0,1,1}.
    // faded S_t = c_t + S_{t-1}/2, B_t = 1 + B_{t-1}/2: S/B = 1/3, 13/31, 13/63, 41/51 after samples 2, 5, 6, 8.
    const expected = [
      [1 / 2, 1 / 2, 1 / 3],
      [3 / 5, 2 / 3, 13 / 31],
      [3 / 6, 1 / 3, 13 / 63],
      [5 / 8, 2 / 3, 41 / 51],
    ];
    logs.forEach((l, i) => {
      expect(l.accuracy).toBeCloseTo(expected[i][0], 12);
      expect(l.window_accuracy).toBeCloseTo(expected[i][1], 12);
      expect(l.faded_accuracy).toBeCloseTo(expected[i][2], 12);
    });
  });

  test('loss: without sampleLoss each sample counts with its batch mean (a window across a batch is approximate)', async () => {
    const logs = batchEnds(await run(stream(), options())).map((e) => e.logs);
    // Per-sample values: a+1/2, a+1/2 | a+1/3 (x3) | a+1 | a, a.
    expect(logs[3].loss).toBeCloseTo(a + 3 / 8, 6); // the running loss is exact
    expect(logs[2].window_loss).toBeCloseTo(a + (1 / 3 + 1 / 3 + 1) / 3, 6); // exact would be a + 2/3
    expect(logs[3].window_loss).toBeCloseTo(a + 1 / 3, 6);
    // Faded offsets by hand: S = 1/2, 3/4 | 17/24, 33/48, 65/96 | 257/192 | 257/384, 257/768; B after 8 = 255/128.
    expect(logs[3].faded_loss).toBeCloseTo(a + (257 / 768) / (255 / 128), 6);
  });

  test('loss: with sampleLoss the window and faded loss are exact per sample', async () => {
    const sampleLoss = (p: Parameters<typeof crossEntropy>[0], t: Parameters<typeof crossEntropy>[1]) => crossEntropy(p, t, { reduction: 'none' }).data;
    const logs = batchEnds(await run(stream(), { ...options(), sampleLoss })).map((e) => e.logs);
    // Per-sample values: a, a+1 | a, a, a+1 | a+1 | a, a.
    expect(logs[2].window_loss).toBeCloseTo(a + 2 / 3, 6);
    expect(logs[3].loss).toBeCloseTo(a + 3 / 8, 6);
    // Faded offsets (the label-0 indicator, as for 1 - correctness): 1 - 41/51 = 10/51.
    expect(logs[3].faded_loss).toBeCloseTo(a + 10 / 51, 6);
  });
});

describe('prequential: test, then train', () => {
  test('the score of batch k comes from the model before it trains on batch k', async () => {
    // Bias [0, 0] predicts class 0 (first on ties); one sgd step (lr 1) on label 1 makes the
    // bias [-0.5, 0.5], which predicts class 1. Test-then-train scores 0, 1, 1; train-then-test would score 1, 1, 1.
    const model = biasModel([0, 0]);
    const events = batchEnds(await run(batchesOf(labelled([1]), labelled([1]), labelled([1])), {
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }), metrics: ['accuracy'], window: 1,
    }));
    expect(events.map((e) => e.logs.window_accuracy)).toEqual([0, 1, 1]);
    expect(events[0].logs.window_loss).toBeCloseTo(Math.log(2), 6); // softmax([0, 0]) before the step
    expect(events[2].logs.accuracy).toBeCloseTo(2 / 3, 12);
    expect(Array.from(model.namedParameters().find(([n]) => n === '0.bias')![1].data)).not.toEqual([0, 0]);
  });

  test('prediction runs in evaluation mode without a graph, then the step in training mode', async () => {
    const model = biasModel([0, 0]);
    const forward = model.forward.bind(model);
    const calls: string[] = [];
    model.forward = (x) => {
      calls.push(`${model.training ? 'train' : 'eval'}/${isGradEnabled() ? 'grad' : 'noGrad'}`);
      return forward(x);
    };
    await run(batchesOf(labelled([1]), labelled([0])), { model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }) });
    expect(calls).toEqual(['eval/noGrad', 'train/grad', 'eval/noGrad', 'train/grad']);
    expect(model.training).toBe(true);
  });
});

describe('prequential: the event stream', () => {
  const setup = (opts: Partial<PrequentialOptions> = {}): PrequentialOptions => {
    const model = biasModel([0, 1]);
    return { model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }), metrics: ['accuracy'], window: 4, ...opts };
  };
  const pairs = (n: number) => Array.from({ length: n }, () => labelled([1, 0]));

  test('pseudo-epochs: epochEnd after each reportEvery samples, the next epochStart before its first batch, the last one closed on completion', async () => {
    const events = await run(batchesOf(...pairs(5)), setup({ reportEvery: 4 }));
    expect(letters(events)).toBe('SbbESbbESbE');
    expect(events.map((e) => e.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    expect(batchEnds(events).map((e) => [e.batch, e.step, e.size])).toEqual([[0, 1, 2], [1, 2, 2], [0, 3, 2], [1, 4, 2], [0, 5, 2]]);
    const ends = events.filter((e): e is EpochEndEvent => e.type === 'epochEnd');
    expect(ends[0].logs).toEqual((events[2] as BatchEndEvent).logs); // the prequential logs at the boundary
    expect(Object.keys(ends[0].logs)).toEqual(['loss', 'window_loss', 'faded_loss', 'accuracy', 'window_accuracy', 'faded_accuracy']);
  });

  test('batches straddling the boundary: one epochEnd at the first batch reaching (k+1)·reportEvery, none empty at the end', async () => {
    const triples = Array.from({ length: 4 }, () => labelled([1, 0, 1]));
    // Samples after each batch: 3, 6, 9, 12; boundaries 4, 8, 12.
    expect(letters(await run(batchesOf(...triples), setup({ reportEvery: 4 })))).toBe('SbbESbESbE');
  });

  test('reportEvery defaults to window', async () => {
    expect(letters(await run(batchesOf(...pairs(4)), setup({ window: 6 })))).toBe('SbbbESbE');
  });

  test('an empty stream gives epochStart and an epochEnd of NaNs, as fit does', async () => {
    const events = await run(batchesOf(), setup());
    expect(letters(events)).toBe('SE');
    expect((events[1] as EpochEndEvent).logs.window_accuracy).toBeNaN();
  });

  test('is cold: nothing is read or trained until subscribed', async () => {
    let pulled = 0;
    const source = fromPull(function* () {
      pulled++;
      yield labelled([1]);
    });
    const opts = setup();
    const events$ = source.pipe(prequential(opts));
    await new Promise((r) => setTimeout(r, 5));
    expect([pulled, opts.optimizer.stepCount]).toEqual([0, 0]);
    await lastValueFrom(events$);
    expect([pulled, opts.optimizer.stepCount]).toEqual([1, 1]);
  });

  test('marbles: unsubscribing releases the source at once', () => {
    scheduler().run(({ cold, expectSubscriptions, expectObservable }) => {
      const source = cold('a-b-c-d-e|', { a: labelled([1]), b: labelled([0]), c: labelled([1]), d: labelled([1]), e: labelled([1]) });
      expectObservable(source.pipe(prequential(setup()), take(2), map((e) => e.type))).toBe('(Sb|)', { S: 'epochStart', b: 'batchEnd' });
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
    scheduler().run(({ cold, expectSubscriptions, expectObservable }) => {
      const source = cold('a-b-c-d-e|', { a: labelled([1]), b: labelled([0]), c: labelled([1]), d: labelled([1]), e: labelled([1]) });
      expectObservable(source.pipe(prequential(setup())).pipe(map(letter)), '^--!').toBe('(Sb)');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('marbles: an upstream error errors the event stream and releases the source', () => {
    scheduler().run(({ cold, expectSubscriptions, expectObservable }) => {
      const failure = new Error('socket closed');
      const source = cold('a-----#', { a: labelled([1]) }, failure);
      expectObservable(source.pipe(prequential(setup()), map(letter))).toBe('(Sb)--#', undefined, failure);
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  test('an error in the loss surfaces through the event stream and stops the source', async () => {
    let closed = false;
    const source = fromPull(function* () {
      try {
        for (;;) yield labelled([1, 0]);
      } finally {
        closed = true;
      }
    });
    await expect(lastValueFrom(source.pipe(prequential(setup({ loss: (p) => p }))))).rejects.toThrow(
      "prequential: the loss must be one number per batch, found shape [2,2] (use reduction 'mean')",
    );
    expect(closed).toBe(true);
  });

  test('a sampleLoss or metric giving the wrong number of values is an error that names it', async () => {
    await expect(run(batchesOf(labelled([1, 0])), setup({ sampleLoss: () => [1] }))).rejects.toThrow(
      'prequential: sampleLoss must give one number per sample, expected 2 (the batch size), found 1 values',
    );
    await expect(run(batchesOf(labelled([1, 0])), setup({ metrics: [{ name: 'hit', scores: () => [1, 1, 1] }] }))).rejects.toThrow(
      'prequential: metric "hit" must give one number per sample, expected 2 (the batch size), found 3 values',
    );
  });
});

describe('prequential: back-pressure and the event loop, as fit', () => {
  test('an endless source is read one batch ahead and released when the consumer stops', async () => {
    let produced = 0;
    let closed = false;
    const endless = fromPull(function* () {
      try {
        for (;;) {
          produced++;
          yield { x: tensor(new Rng(produced).uniform() > 0.5 ? [[1], [0]] : [[0], [1]]), y: tensor([1, 0]), size: 2 };
        }
      } finally {
        closed = true;
      }
    });
    const model = sequential([dense(2)], { inputShape: [1], seed: 2 });
    const optimizer = sgd(model, { lr: 0.1 });
    await lastValueFrom(endless.pipe(prequential({ model, loss: crossEntropy, optimizer }), filter((e) => e.type === 'batchEnd'), take(50)));
    expect(optimizer.stepCount).toBe(50);
    expect(produced).toBeLessThanOrEqual(51);
    expect(closed).toBe(true);
  });

  test('timers run between batches', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const slow = fromPull(function* () {
      for (let i = 0; i < 40; i++) {
        const until = Date.now() + 1;
        while (Date.now() < until);
        yield labelled([1, 0]);
      }
    });
    const model = biasModel([0, 0]);
    await lastValueFrom(slow.pipe(prequential({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }) })));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });
});

describe('prequential: existing callbacks on pseudo-epochs', () => {
  test('lrSchedule per epoch sets the rate at each pseudo-epoch start, before its first batch', async () => {
    const model = biasModel([0, 0]);
    const events = await lastValueFrom(batchesOf(...Array.from({ length: 6 }, () => labelled([1, 0]))).pipe(
      prequential({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }), reportEvery: 4 }),
      lrSchedule((epoch) => 0.1 / 2 ** epoch),
      toArray(),
    ));
    expect(batchEnds(events).map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  test('earlyStopping on a windowed metric stops an endless stream and releases it', async () => {
    let closed = false;
    const endless = fromPull(function* () {
      try {
        for (;;) yield labelled([1, 0]);
      } finally {
        closed = true;
      }
    });
    const model = biasModel([0, 1]);
    const events = await lastValueFrom(endless.pipe(
      prequential({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0 }), metrics: ['accuracy'], window: 10 }),
      earlyStopping({ monitor: 'window_accuracy', patience: 2 }),
      toArray(),
    ));
    expect(events.filter((e) => e.type === 'epochEnd').map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(events.at(-1)).toMatchObject({ type: 'stop' });
    expect(closed).toBe(true);
  });
});

/** Twenty seeded batches of four 2-D points, the same on every subscription. */
const replayable = fromPull(function* () {
  const rng = new Rng(42);
  for (let i = 0; i < 20; i++) {
    const xs = Array.from({ length: 8 }, () => rng.uniform() * 2 - 1);
    yield { x: tensor(xs, [4, 2]), y: tensor([0, 1, 2, 3].map((j) => (xs[2 * j] + xs[2 * j + 1] > 0 ? 1 : 0))), size: 4 };
  }
});
const logistic = () => sequential([dense(2)], { inputShape: [2], seed: 5 });
const weightsOf = (model: Layer) => model.parameters().map((p) => Array.from(p.data));
const settings: Omit<PrequentialOptions, 'model' | 'optimizer'> = { loss: crossEntropy, metrics: ['accuracy'], window: 6, alpha: 0.9, reportEvery: 12 };

describe('prequential: resuming from a position', () => {
  test('a run stopped after step 7 and resumed (replay) reports the same logs and ends with the same weights', async () => {
    const full = logistic();
    const fullEvents = await run(replayable, { ...settings, model: full, optimizer: sgd(full, { lr: 0.3 }) });

    const first = logistic();
    const firstOpt = sgd(first, { lr: 0.3 });
    let saved: { position: FitPosition; callbackState: Record<string, unknown>; weights: ReturnType<Layer['stateDict']> } | null = null;
    await lastValueFrom(replayable.pipe(
      prequential({ ...settings, model: first, optimizer: firstOpt }),
      tap((e) => {
        if (e.type === 'batchEnd' && e.step === 7) saved = { position: e.context.position(), callbackState: {}, weights: first.stateDict() };
      }),
      filter((e) => e.type === 'batchEnd' && e.step === 7), take(1),
    ));
    const s = saved!;
    expect(s.position).toMatchObject({ epoch: 2, batch: 7, samples: 28 });
    expect(JSON.parse(JSON.stringify(s.position))).toEqual(s.position); // plain JSON for a checkpoint

    const resumed = logistic();
    resumed.loadStateDict(s.weights);
    const resumedOpt = sgd(resumed, { lr: 0.3 });
    resumedOpt.loadState(firstOpt.state());
    const resumedEvents = await run(replayable, { ...settings, model: resumed, optimizer: resumedOpt, resume: s });
    const comparable = (events: TrainEvent[]) => events.filter((e) => e.type !== 'epochStart').map((e) => ({ ...e, context: undefined }));
    expect(letters(resumedEvents).startsWith('Sb')).toBe(true); // the resumed pseudo-epoch starts again
    expect(comparable(resumedEvents)).toEqual(comparable(fullEvents).slice(9)); // 7 batchEnds and epochEnds 0 and 1 came before
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
  });

  test("resumeSource 'continue' takes every batch the source gives as new", async () => {
    const full = logistic();
    const fullEvents = await run(replayable, { ...settings, model: full, optimizer: sgd(full, { lr: 0.3 }) });
    const first = logistic();
    const position = await lastValueFrom(replayable.pipe(
      prequential({ ...settings, model: first, optimizer: sgd(first, { lr: 0.3 }) }),
      filter((e) => e.type === 'epochEnd'), take(1), map((e) => e.context.position()),
    ));
    expect(position).toMatchObject({ epoch: 1, batch: 3, samples: 12 }); // after an epochEnd: the next epoch, at its start
    const rest = replayable.pipe(filter((_, i) => i >= 3));
    const resumed = logistic();
    resumed.loadStateDict(first.stateDict());
    const events = await run(rest, { ...settings, model: resumed, optimizer: sgd(resumed, { lr: 0.3 }), resumeSource: 'continue', resume: { position, callbackState: {} } });
    expect(batchEnds(events).map((e) => e.logs)).toEqual(batchEnds(fullEvents).slice(3).map((e) => e.logs));
    expect(weightsOf(resumed)).toEqual(weightsOf(full));
  });

  test('checkpoint every 5 steps, then resume from disk: the position survives the checkpoint format', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamgrad-prequential-'));
    try {
      const full = logistic();
      const fullEvents = await run(replayable, { ...settings, model: full, optimizer: sgd(full, { lr: 0.3 }) });
      const first = logistic();
      await lastValueFrom(replayable.pipe(
        prequential({ ...settings, model: first, optimizer: sgd(first, { lr: 0.3 }) }),
        checkpoint({ dir, every: { steps: 5 } }),
        filter((e) => e.type === 'checkpoint'), take(2),
      ));
      const resumed = logistic();
      const resumedOpt = sgd(resumed, { lr: 0.3 });
      const point = await resume(dir, { model: resumed, optimizer: resumedOpt });
      expect(point!.step).toBe(10);
      const events = await run(replayable, { ...settings, model: resumed, optimizer: resumedOpt, resume: point! });
      expect(batchEnds(events).map((e) => e.logs)).toEqual(batchEnds(fullEvents).slice(10).map((e) => e.logs));
      expect(weightsOf(resumed)).toEqual(weightsOf(full));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a position prequential did not write (from fit, or other metrics) is refused when prequential is called', () => {
    const model = logistic();
    const base = { ...settings, model, optimizer: sgd(model, { lr: 0.1 }) };
    const fitPosition: FitPosition = { epoch: 1, batch: 2, lossSum: 1, samples: 8, metrics: { accuracy: { sum: 1, count: 8 } } };
    expect(() => prequential({ ...base, resume: { position: fitPosition, callbackState: {} } })).toThrow(
      'prequential: resume: expected position.metrics {loss, accuracy, $stream} as prequential saves them (same metrics), found {accuracy} (a position from fit?)',
    );
  });
});

describe('prequential: options are checked when it is created', () => {
  const model = biasModel([0, 0]);
  const base: PrequentialOptions = { model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }) };
  test.each([
    [{ window: 0 }, 'prequential: window must be an integer >= 1 (samples), found 0'],
    [{ alpha: 0 }, 'prequential: alpha must be a fading factor in (0, 1], found 0'],
    [{ reportEvery: 1.5 }, 'prequential: reportEvery must be an integer >= 1 (samples), found 1.5'],
    [{ resumeSource: 'rewind' }, "prequential: resumeSource must be 'replay' or 'continue', found \"rewind\""],
    [{ sampleLoss: 3 }, 'prequential: sampleLoss must be a function (prediction, target) => per-sample losses, found number'],
    [{ metrics: ['f1'] }, 'prequential: metrics[0] "f1" is not a per-sample metric'],
    [{ clipGradNorm: -1 }, 'prequential: clipGradNorm must be a positive number, found -1'],
    [{ optimizer: {} }, 'prequential: optimizer must be an optimizer such as adam(model)'],
  ])('%o is rejected: %s', (bad, message) => {
    expect(() => prequential({ ...base, ...(bad as Partial<PrequentialOptions>) })).toThrow(message);
  });
});

describe('prequential: an abrupt concept drift', () => {
  /**
   * Points uniform in [-1, 1]², label 1 when x₀ + x₁ > 0; from sample t0 on the concept
   * flips (label 1 when x₀ + x₁ < 0). Batches of 10, seeded.
   */
  const flipAt = (t0: number, samples: number, seed: number) =>
    fromPull(function* () {
      const rng = new Rng(seed);
      for (let t = 0; t < samples; t += 10) {
        const xs = Array.from({ length: 20 }, () => rng.uniform() * 2 - 1);
        const ys = Array.from({ length: 10 }, (_, j) => {
          const positive = xs[2 * j] + xs[2 * j + 1] > 0;
          return (t + j < t0 ? positive : !positive) ? 1 : 0;
        });
        yield { x: tensor(xs, [10, 2]), y: tensor(ys), size: 10 };
      }
    });

  test('windowed accuracy drops after the drift and recovers; the running accuracy lags behind', async () => {
    const model = sequential([dense(2)], { inputShape: [2], seed: 3 });
    const events = batchEnds(await run(flipAt(2000, 5000, 7), {
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.5 }), metrics: ['accuracy'], window: 200, alpha: 0.99,
    }));
    const windowAt = (samples: number) => events[samples / 10 - 1].logs.window_accuracy;
    const after = events.slice(200).map((e) => e.logs.window_accuracy);
    expect(windowAt(2000)).toBeGreaterThan(0.9); // learned before the drift
    expect(Math.min(...after)).toBeLessThan(0.6); // the drift shows in the window
    expect(windowAt(5000)).toBeGreaterThan(0.9); // and is learned again
    expect(events.at(-1)!.logs.accuracy).toBeLessThan(windowAt(5000) - 0.03); // the whole-stream mean still carries it
  });
});
