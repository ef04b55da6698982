import { describe, expect, test } from 'vitest';
import { filter, from, lastValueFrom, map, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, tensor } from '../../src/ops/index.js';
import { crossEntropy, dense, relu, sequential, sgd } from '../../src/models/index.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import { fit, type Batch, type BatchEndEvent, type TrainContext, type TrainEvent } from '../../src/streams/index.js';
import { lrSchedule } from '../../src/callbacks/lr-schedule.js';
import { exponentialDecay, stepDecay } from '../../src/callbacks/schedules.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const net = () => sequential([dense(8), relu(), dense(2)], { inputShape: [2], seed: 1 });

/** A fake run with a real model and an SGD optimizer at lr 1, and event factories. */
function run(callbackState: Record<string, unknown> = {}) {
  const model = net();
  const optimizer = sgd(model, { lr: 1 });
  const context = {
    model, optimizer, callbackState,
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  const start = (epoch: number, step: number): TrainEvent => ({ type: 'epochStart', epoch, step, context });
  const batchEnd = (epoch: number, batch: number, step: number): TrainEvent =>
    ({ type: 'batchEnd', epoch, batch, step, context, loss: 1, size: 2, lr: optimizer.lr, logs: {} });
  const end = (epoch: number, step: number): TrainEvent => ({ type: 'epochEnd', epoch, step, context, logs: { loss: 1 } });
  return { model, optimizer, context, start, batchEnd, end };
}

/** Two epochs of two batches: S0 b b E S1 b b E, with run-wide step counts. */
function twoEpochs(r: ReturnType<typeof run>): Record<string, TrainEvent> {
  return {
    S: r.start(0, 0), a: r.batchEnd(0, 0, 1), b: r.batchEnd(0, 1, 2), E: r.end(0, 2),
    T: r.start(1, 2), c: r.batchEnd(1, 0, 3), d: r.batchEnd(1, 1, 4), F: r.end(1, 4),
  };
}

/** XOR in two batches of 2 per epoch. */
const xor = fromPull(function* () {
  const rows: Array<[number[], number]> = [[[0, 0], 0], [[0, 1], 1], [[1, 0], 1], [[1, 1], 0]];
  for (let i = 0; i < rows.length; i += 2) {
    const part = rows.slice(i, i + 2);
    yield { x: tensor(part.map(([x]) => x)), y: tensor(part.map(([, y]) => y)), size: part.length } as Batch;
  }
});

const stepLrs = (events: Observable<TrainEvent>): Promise<number[]> =>
  lastValueFrom(events.pipe(filter((e): e is BatchEndEvent => e.type === 'batchEnd'), map((e) => e.lr), toArray()));

describe('lrSchedule: when the rate is set (marbles)', () => {
  test("per 'epoch': set on each epochStart from the epoch, every event passed on", () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const source = cold('SabETcdF|', twoEpochs(r));
      const lr = source.pipe(lrSchedule((epoch) => 0.1 / (epoch + 1)), map(() => r.optimizer.lr));
      expectObservable(lr).toBe('xxxxyyyy|', { x: 0.1, y: 0.05 });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  test("per 'step': step 0 is set on the first epochStart, step t+1 on the batchEnd of step t, each once", () => {
    const calls: number[] = [];
    const halve = (t: number, lr: number) => {
      calls.push(t);
      return lr / 2;
    };
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const lr = cold('SabETcdF|', twoEpochs(r)).pipe(lrSchedule(halve, { per: 'step' }), map(() => r.optimizer.lr));
      expectObservable(lr).toBe('abcccdef|', { a: 0.5, b: 0.25, c: 0.125, d: 0.0625, e: 0.03125, f: 0.03125 });
    });
    expect(calls).toEqual([0, 1, 2, 3, 4]);
  });

  test('errors pass through and release the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = twoEpochs(r);
      const source = cold('S-#', v, new Error('boom'));
      expectObservable(source.pipe(lrSchedule(() => 0.1))).toBe('S-#', v, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('a schedule returning an invalid rate errors the stream, naming the index, and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const source = cold('SabT|', twoEpochs(r));
      const error = new ArgumentError('lrSchedule: the schedule returned NaN for epoch 1; a learning rate must be a finite number >= 0');
      expectObservable(source.pipe(lrSchedule((epoch) => (epoch === 0 ? 0.1 : Number.NaN)))).toBe('Sab#', twoEpochs(r), error);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

describe('lrSchedule with fit', () => {
  test("per 'epoch': batchEnd events carry the scheduled rate from the epoch's first batch", async () => {
    const model = net();
    const optimizer = sgd(model, { lr: 1 });
    const lrs = await stepLrs(fit({
      model, loss: crossEntropy, optimizer, train: xor, epochs: 3,
      callbacks: [lrSchedule(stepDecay({ initialLr: 0.1, factor: 0.5, every: 1 }))],
    }));
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  test("per 'step': step t trains with fn(t), the first step included", async () => {
    const model = net();
    const optimizer = sgd(model, { lr: 1 });
    const lrs = await stepLrs(fit({
      model, loss: crossEntropy, optimizer, train: xor, epochs: 3,
      callbacks: [lrSchedule(exponentialDecay({ initialLr: 0.1, decayRate: 0.5, decaySteps: 1 }), { per: 'step' })],
    }));
    expect(lrs).toEqual([0, 1, 2, 3, 4, 5].map((t) => 0.1 * 0.5 ** t));
  });
});

describe('lrSchedule: state and options', () => {
  test('keeps the last index applied in context.callbackState[name]', async () => {
    const r = run();
    await lastValueFrom(from([r.start(0, 0), r.batchEnd(0, 0, 1)]).pipe(lrSchedule((t) => 0.1 * (t + 1), { per: 'step', name: 'warm' })));
    expect(JSON.parse(JSON.stringify(r.context.callbackState))).toEqual({ warm: { lastIndex: 1 } });
    expect(r.optimizer.lr).toBeCloseTo(0.2, 12);
  });

  test('a resumed run does not apply the index it stopped at twice (a relative rule compounds once per step)', async () => {
    const r = run({ lrSchedule: { lastIndex: 2 } });
    r.optimizer.lr = 0.25;
    const seen: number[] = [];
    await lastValueFrom(from([r.start(1, 2), r.batchEnd(1, 0, 3)]).pipe(lrSchedule((_t, lr) => lr / 2, { per: 'step' }), map(() => seen.push(r.optimizer.lr))));
    expect(seen).toEqual([0.25, 0.125]);
  });

  test('bad options are rejected when the callback is created', () => {
    expect(() => lrSchedule(0.1 as never)).toThrow('lrSchedule: fn must be a function (index, lr) => lr, found 0.1');
    expect(() => lrSchedule(() => 0.1, { per: 'batch' as never })).toThrow("lrSchedule: per must be 'epoch' or 'step', found batch");
    expect(() => lrSchedule(() => 0.1, { name: '' })).toThrow('lrSchedule: name must be a non-empty string, found ');
  });
});
