import { describe, expect, test } from 'vitest';
import { lastValueFrom, toArray, take, filter, tap, type Observable } from 'rxjs';
import { Rng, randn, stack, tensor, type Tensor } from '../../../src/ops/index.js';
import { sequential, dense, relu, dropout, crossEntropy, mse, adam, sgd, l2 } from '../../../src/models/index.js';
import { fromPull } from '../../../src/streams/sources/pull.js';
import type { Batch } from '../../../src/streams/types.js';
import { fit, trainStep, evaluate, predict, type EpochEndEvent, type TrainEvent } from '../../../src/streams/train/index.js';

/** XOR as batches of 2, replayed each subscription; counts subscriptions. */
function xorBatches(): { batches: Observable<Batch>; subscriptions: () => number } {
  let subscriptions = 0;
  const rows: Array<[number[], number]> = [[[0, 0], 0], [[0, 1], 1], [[1, 0], 1], [[1, 1], 0]];
  const batches = fromPull(function* () {
    subscriptions++;
    for (let i = 0; i < rows.length; i += 2) {
      const part = rows.slice(i, i + 2);
      yield { x: tensor(part.map(([x]) => x)), y: tensor(part.map(([, y]) => y)), size: part.length };
    }
  });
  return { batches, subscriptions: () => subscriptions };
}

const net = (seed = 1) => sequential([dense(8), relu(), dense(2)], { inputShape: [2], seed });

describe('fit', () => {
  test('emits epochStart, one batchEnd per batch, epochEnd per epoch, in order, and completes', async () => {
    const model = net();
    const { batches, subscriptions } = xorBatches();
    const events = await lastValueFrom(fit({ model, loss: crossEntropy, optimizer: adam(model, { lr: 0.05 }), train: batches, epochs: 3 }).pipe(toArray()));
    expect(events.map((e) => `${e.type}:${e.epoch}`)).toEqual([
      'epochStart:0', 'batchEnd:0', 'batchEnd:0', 'epochEnd:0',
      'epochStart:1', 'batchEnd:1', 'batchEnd:1', 'epochEnd:1',
      'epochStart:2', 'batchEnd:2', 'batchEnd:2', 'epochEnd:2',
    ]);
    expect(subscriptions()).toBe(3);
    const batchEnds = events.filter((e) => e.type === 'batchEnd');
    expect(batchEnds.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batchEnds.map((e) => (e as { batch: number }).batch)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  test('is cold: nothing trains until subscribed', async () => {
    const model = net();
    const before = model.parameters()[0].data.slice();
    const { batches, subscriptions } = xorBatches();
    const run = fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }), train: batches, epochs: 2 });
    await new Promise((r) => setTimeout(r, 5));
    expect(subscriptions()).toBe(0);
    expect(model.parameters()[0].data).toEqual(before);
    await lastValueFrom(run);
    expect(model.parameters()[0].data).not.toEqual(before);
  });

  test('epoch logs hold the sample-weighted mean loss, metrics, and val_ logs from the validation stream', async () => {
    const model = net();
    const { batches } = xorBatches();
    const events = await lastValueFrom(
      fit({ model, loss: crossEntropy, optimizer: adam(model, { lr: 0.05 }), train: batches, validation: xorBatches().batches, epochs: 150, metrics: ['accuracy'] }).pipe(
        filter((e) => e.type === 'epochEnd'), toArray()),
    );
    const last = events.at(-1)!;
    expect(Object.keys((last as { logs: object }).logs).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    const logs = (last as { logs: Record<string, number> }).logs;
    expect(logs.accuracy).toBe(1);
    expect(logs.val_accuracy).toBe(1);
    expect(logs.val_loss).toBeLessThan(0.1);
  });

  test('the loss in epoch logs is the mean of the batch losses weighted by batch size', async () => {
    const model = net();
    const { batches } = xorBatches();
    const events = await lastValueFrom(fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0 }), train: batches, epochs: 1 }).pipe(toArray()));
    const losses = events.filter((e) => e.type === 'batchEnd').map((e) => (e as { loss: number }).loss);
    const end = events.find((e): e is EpochEndEvent => e.type === 'epochEnd')!;
    expect(end.logs.loss).toBeCloseTo((losses[0] + losses[1]) / 2, 6);
  });

  test('unsubscribing stops training at the next batch boundary and releases the source', async () => {
    const model = net();
    let produced = 0;
    let closed = false;
    const endless = fromPull(function* () {
      try {
        for (;;) {
          produced++;
          yield { x: randn([4, 2], new Rng(produced)), y: tensor([0, 1, 1, 0]), size: 4 };
        }
      } finally {
        closed = true;
      }
    });
    const optimizer = sgd(model, { lr: 0.01 });
    await lastValueFrom(fit({ model, loss: crossEntropy, optimizer, train: endless, epochs: 1 }).pipe(filter((e) => e.type === 'batchEnd'), take(5)));
    expect(optimizer.stepCount).toBe(5);
    expect(closed).toBe(true);
    expect(produced).toBeLessThanOrEqual(6);
  });

  test('training yields to the event loop between batches', async () => {
    const model = net();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const many = fromPull(function* () {
      for (let i = 0; i < 60; i++) {
        const until = Date.now() + 1;
        while (Date.now() < until);
        yield { x: randn([4, 2], new Rng(i)), y: tensor([0, 1, 1, 0]), size: 4 };
      }
    });
    await lastValueFrom(fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.01 }), train: many, epochs: 1 }));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
  });

  test('callbacks see every event in order and can change the learning rate before an epoch', async () => {
    const model = net();
    const optimizer = sgd(model, { lr: 0.1 });
    const { batches } = xorBatches();
    const lrs: number[] = [];
    const halveEachEpoch = (source: Observable<TrainEvent>) =>
      source.pipe(tap((e) => { if (e.type === 'epochStart' && e.epoch > 0) e.context.optimizer.lr /= 2; }));
    await lastValueFrom(fit({ model, loss: crossEntropy, optimizer, train: batches, epochs: 3, callbacks: [halveEachEpoch] }).pipe(
      tap((e) => { if (e.type === 'batchEnd') lrs.push(e.lr); })));
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  test('an error in the loss surfaces through the event stream', async () => {
    const model = net();
    const { batches } = xorBatches();
    await expect(lastValueFrom(fit({ model, loss: (p) => p, optimizer: sgd(model, { lr: 1 }), train: batches, epochs: 1 }))).rejects.toThrow(
      "trainStep: the loss must be one number per batch, found shape [2,2] (use reduction 'mean')",
    );
  });

  test('bad options are rejected when fit is called', () => {
    const model = net();
    const { batches } = xorBatches();
    expect(() => fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }), train: batches, epochs: -1 })).toThrow('fit: epochs must be an integer >= 0, found -1');
    expect(() => fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }), train: [] as never, epochs: 1 })).toThrow('fit: train must be an Observable of batches');
    expect(() => fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 1 }), train: batches, epochs: 1, metrics: ['acc' as never] })).toThrow("fit: metrics[0] \"acc\" is not a metric");
  });

  test('initialEpoch continues numbering; epochs is the final epoch as in Keras', async () => {
    const model = net();
    const events = await lastValueFrom(fit({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }), train: xorBatches().batches, epochs: 3, initialEpoch: 2 }).pipe(toArray()));
    expect(events.filter((e) => e.type === 'epochStart').map((e) => e.epoch)).toEqual([2]);
  });
});

describe('trainStep, evaluate, predict', () => {
  test('trainStep maps each batch to a step with loss, size, step count, lr and batch metrics', async () => {
    const model = net();
    const steps = await lastValueFrom(xorBatches().batches.pipe(trainStep({ model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.5 }), metrics: ['accuracy'], regularizer: l2(1e-3), clipGradNorm: 1 }), toArray()));
    expect(steps.map((s) => [s.step, s.size, s.lr])).toEqual([[1, 2, 0.5], [2, 2, 0.5]]);
    expect(steps.every((s) => Number.isFinite(s.loss) && s.logs.accuracy >= 0 && s.logs.accuracy <= 1)).toBe(true);
  });

  test('evaluate runs in evaluation mode without gradients and restores the mode', async () => {
    const model = sequential([dense(4), dropout(0.5), dense(2)], { inputShape: [2] });
    const logs1 = await lastValueFrom(xorBatches().batches.pipe(evaluate({ model, loss: crossEntropy, metrics: ['accuracy'] })));
    const logs2 = await lastValueFrom(xorBatches().batches.pipe(evaluate({ model, loss: crossEntropy, metrics: ['accuracy'] })));
    expect(logs1).toEqual(logs2); // dropout is off, so evaluation is deterministic
    expect(model.training).toBe(true);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test('predict maps inputs to outputs without recording a graph', async () => {
    const model = net();
    const outputs = await lastValueFrom(xorBatches().batches.pipe(predict(model), toArray()));
    expect(outputs.map((o) => o.shape)).toEqual([[2, 2], [2, 2]]);
    expect(outputs.every((o) => !o.requiresGrad)).toBe(true);
  });

  test('a regression model with mse learns y = 2x', async () => {
    const model = sequential([dense(1)], { inputShape: [1], seed: 3 });
    const data = fromPull(function* () {
      const rng = new Rng(0);
      for (let i = 0; i < 20; i++) {
        const xs: Tensor[] = [];
        for (let j = 0; j < 8; j++) xs.push(tensor([rng.uniform() * 2 - 1]));
        const x = stack(xs);
        yield { x, y: tensor(Array.from(x.data, (v) => [2 * v])), size: 8 };
      }
    });
    const events = await lastValueFrom(fit({ model, loss: mse, optimizer: sgd(model, { lr: 0.3 }), train: data, epochs: 10 }).pipe(filter((e) => e.type === 'epochEnd'), toArray()));
    expect(events.at(-1)!.logs.loss).toBeLessThan(1e-3);
  });
});
