import { describe, expect, test } from 'vitest';
import { lastValueFrom, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { tensor } from '../../src/ops/index.js';
import { crossEntropy, dense, relu, sequential, sgd } from '../../src/models/index.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import { fit, type Batch, type BatchEndEvent, type StopEvent, type TrainContext, type TrainEvent } from '../../src/streams/index.js';
import { terminateOnNaN } from '../../src/callbacks/terminate-on-nan.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const net = () => sequential([dense(8), relu(), dense(2)], { inputShape: [2], seed: 1 });

function run() {
  const model = net();
  const optimizer = sgd(model, { lr: 0.1 });
  const context = {
    model, optimizer, callbackState: {},
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  const batchEnd = (epoch: number, batch: number, step: number, loss: number): BatchEndEvent =>
    ({ type: 'batchEnd', epoch, batch, step, context, loss, size: 2, lr: 0.1, logs: {} });
  const stop = (at: BatchEndEvent, reason: string): StopEvent => ({ type: 'stop', epoch: at.epoch, step: at.step, context, reason });
  return { context, batchEnd, stop };
}

describe('terminateOnNaN (marbles)', () => {
  test('the batchEnd with a NaN loss becomes a stop event; the stream completes and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = { a: r.batchEnd(2, 3, 35, 0.5), b: r.batchEnd(2, 4, 36, 0.4), n: r.batchEnd(2, 5, 37, Number.NaN), c: r.batchEnd(2, 6, 38, 0.3) };
      const source = cold('a-b-n-c|', v);
      const s = r.stop(v.n, 'terminateOnNaN: loss is NaN at step 37 (epoch 2, batch 5)');
      expectObservable(source.pipe(terminateOnNaN())).toBe('a-b-(s|)', { ...v, s });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  test('an infinite loss stops training too', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = { i: r.batchEnd(0, 0, 1, -Infinity) };
      expectObservable(cold('i|', v).pipe(terminateOnNaN())).toBe('(s|)', { s: r.stop(v.i, 'terminateOnNaN: loss is -Infinity at step 1 (epoch 0, batch 0)') });
    });
  });

  test('finite losses and other events pass through; completion and errors pass through', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const S: TrainEvent = { type: 'epochStart', epoch: 0, step: 0, context: r.context };
      const E: TrainEvent = { type: 'epochEnd', epoch: 0, step: 1, context: r.context, logs: { loss: Number.NaN } };
      const v = { S, a: r.batchEnd(0, 0, 1, 1e30), E };
      expectObservable(cold('S-a-E|', v).pipe(terminateOnNaN())).toBe('S-a-E|', v);
      const failing = cold('S-a-#', v, new Error('boom'));
      expectObservable(failing.pipe(terminateOnNaN())).toBe('S-a-#', v, new Error('boom'));
      expectSubscriptions(failing.subscriptions).toBe('^---!');
    });
  });
});

describe('terminateOnNaN with fit', () => {
  test('training stops at the diverging step; callbacks after it never see that step or its epoch end', async () => {
    let epoch = 0;
    let closed = 0;
    const rows: Array<[number[], number]> = [[[0, 0], 0], [[0, 1], 1], [[1, 0], 1], [[1, 1], 0]];
    // In epoch 1, the second batch holds a NaN input, so its loss is NaN.
    const batches = fromPull(function* () {
      const current = epoch++;
      try {
        for (let i = 0; i < rows.length; i += 2) {
          const part = rows.slice(i, i + 2).map(([x, y]): [number[], number] => [current === 1 && i === 2 ? [Number.NaN, 0] : x, y]);
          yield { x: tensor(part.map(([x]) => x)), y: tensor(part.map(([, y]) => y)), size: part.length } as Batch;
        }
      } finally {
        closed++;
      }
    });
    const model = net();
    const seenAfter: TrainEvent[] = [];
    const recordAfter = tap((e: TrainEvent) => seenAfter.push(e));
    const events = await lastValueFrom(fit({
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.1 }), train: batches, epochs: 5,
      callbacks: [terminateOnNaN(), recordAfter],
    }).pipe(toArray()));

    expect(events.map((e) => `${e.type}:${e.epoch}`)).toEqual([
      'epochStart:0', 'batchEnd:0', 'batchEnd:0', 'epochEnd:0', 'epochStart:1', 'batchEnd:1', 'stop:1',
    ]);
    expect((events.at(-1) as StopEvent).reason).toBe('terminateOnNaN: loss is NaN at step 4 (epoch 1, batch 1)');
    expect(seenAfter).toEqual(events);
    expect(seenAfter.some((e) => e.type === 'batchEnd' && !Number.isFinite(e.loss))).toBe(false);
    expect(epoch).toBe(2);
    expect(closed).toBe(2);
  });
});
