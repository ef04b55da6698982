import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { dense, sequential, sgd } from '../../src/models/index.js';
import type { EpochEndEvent, TrainContext, TrainEvent } from '../../src/streams/index.js';
import { reduceLROnPlateau, type ReduceLROnPlateauOptions } from '../../src/callbacks/reduce-lr-on-plateau.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A fake run with a real model and an SGD optimizer at `lr`. */
function run(lr = 1, monitor = 'val_loss', callbackState: Record<string, unknown> = {}) {
  const model = sequential([dense(2)], { inputShape: [2], seed: 1 });
  const optimizer = sgd(model, { lr });
  const context = {
    model, optimizer, callbackState,
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  const epochEnd = (epoch: number, value: number): EpochEndEvent => ({ type: 'epochEnd', epoch, step: epoch, context, logs: { loss: 1, [monitor]: value } });
  /** The rate after each epochEnd, and the state's wait, when the values pass through the callback. */
  const trace = async (values: number[], options: ReduceLROnPlateauOptions, first = 0) => {
    const name = options.name ?? 'reduceLROnPlateau';
    const out = await lastValueFrom(from(values.map((v, i) => epochEnd(first + i, v))).pipe(
      reduceLROnPlateau(options),
      map(() => ({ lr: optimizer.lr, wait: (callbackState[name] as { wait: number }).wait })),
      toArray(),
    ));
    return { lrs: out.map((o) => o.lr), waits: out.map((o) => o.wait) };
  };
  return { model, optimizer, context, epochEnd, trace };
}

describe('reduceLROnPlateau: the decision rule', () => {
  test('multiplies the rate by factor after patience epochs without improvement, and resets the wait', async () => {
    const { lrs, waits } = await run(1).trace([1, 1, 1, 1, 1], { patience: 2, factor: 0.5 });
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.25]);
    expect(waits).toEqual([0, 1, 0, 1, 0]);
  });

  test('an improvement resets the wait; one smaller than minDelta (1e-4 by default) does not', async () => {
    expect((await run(1).trace([1, 0.9, 0.95, 0.8, 0.85], { patience: 2, factor: 0.5 })).lrs).toEqual([1, 1, 1, 1, 1]);
    expect((await run(1).trace([1, 0.99995, 0.99992], { patience: 2, factor: 0.5 })).lrs).toEqual([1, 1, 0.5]);
    expect((await run(1).trace([1, 0.95, 0.92], { patience: 2, factor: 0.5, minDelta: 0.1 })).lrs).toEqual([1, 1, 0.5]);
  });

  test('cooldown: after a reduction the wait stays 0 for the cooldown epochs (Keras counting)', async () => {
    // patience 1, cooldown 2: reduce at epoch 1; epoch 2 cools down; at epoch 3 the counter reaches 0 and the wait resumes.
    const { lrs, waits } = await run(1).trace([1, 1, 1, 1, 1, 1], { patience: 1, cooldown: 2, factor: 0.5 });
    expect(lrs).toEqual([1, 0.5, 0.5, 0.25, 0.25, 0.125]);
    expect(waits).toEqual([0, 0, 0, 0, 0, 0]);
    const noCooldown = await run(1).trace([1, 1, 1, 1], { patience: 1, factor: 0.5 });
    expect(noCooldown.lrs).toEqual([1, 0.5, 0.25, 0.125]);
  });

  test('an improvement during cooldown still records the best', async () => {
    const r = run(1);
    await r.trace([1, 1, 0.5, 0.6], { patience: 1, cooldown: 3, factor: 0.5 });
    expect(r.context.callbackState.reduceLROnPlateau).toEqual({ best: 0.5, wait: 0, cooldownCounter: 1 });
  });

  test('the rate never goes below minLr, and is left alone once there', async () => {
    const { lrs, waits } = await run(1).trace([1, 1, 1, 1, 1], { patience: 1, factor: 0.1, minLr: 0.05 });
    expect(lrs).toEqual([1, 0.1, 0.05, 0.05, 0.05]);
    expect(waits).toEqual([0, 0, 0, 1, 2]);
  });

  test("mode 'auto' maximizes val_accuracy", async () => {
    const acc = await run(1, 'val_accuracy').trace([0.5, 0.6, 0.7, 0.6, 0.6], { monitor: 'val_accuracy', patience: 2, factor: 0.5 });
    expect(acc.lrs).toEqual([1, 1, 1, 1, 0.5]);
    const loss = await run(1).trace([0.5, 0.6, 0.7, 0.6, 0.6], { patience: 2, factor: 0.5 });
    expect(loss.lrs).toEqual([1, 1, 0.5, 0.5, 0.25]);
  });

  test('every event passes through unchanged; completion and errors pass through and release the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const S: TrainEvent = { type: 'epochStart', epoch: 0, step: 0, context: r.context };
      const v = { S, a: r.epochEnd(0, 1), b: r.epochEnd(1, 2) };
      const done = cold('S-a-b|', v);
      expectObservable(done.pipe(reduceLROnPlateau({ patience: 0 }))).toBe('S-a-b|', v);
      expectSubscriptions(done.subscriptions).toBe('^----!');
      const failing = cold('S-a-#', v, new Error('boom'));
      expectObservable(failing.pipe(reduceLROnPlateau({ name: 'other' }))).toBe('S-a-#', v, new Error('boom'));
      expectSubscriptions(failing.subscriptions).toBe('^---!');
    });
  });
});

describe('reduceLROnPlateau: state and options', () => {
  test('a second instance given the first one callbackState continues the wait and cooldown', async () => {
    const first = run(1);
    await first.trace([1, 1, 1], { patience: 3, factor: 0.5 });
    const saved = JSON.parse(JSON.stringify(first.context.callbackState)) as Record<string, unknown>;
    expect(saved).toEqual({ reduceLROnPlateau: { best: 1, wait: 2, cooldownCounter: 0 } });
    const resumed = run(1, 'val_loss', saved);
    expect((await resumed.trace([1], { patience: 3, factor: 0.5 }, 3)).lrs).toEqual([0.5]);
    expect((await run(1).trace([1], { patience: 3, factor: 0.5 }, 3)).lrs).toEqual([1]);
  });

  test('a monitored key missing from the logs is an error naming the keys found', async () => {
    const r = run(1, 'loss');
    await expect(lastValueFrom(from([r.epochEnd(0, 1)]).pipe(reduceLROnPlateau()))).rejects.toThrow(
      'reduceLROnPlateau: the monitored value "val_loss" is not in the epoch logs (found: loss); val_* values need validation data in fit',
    );
  });

  test('bad options are rejected when the callback is created', () => {
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow('reduceLROnPlateau: factor must be below 1 to reduce the rate, found 1');
    expect(() => reduceLROnPlateau({ factor: -0.5 })).toThrow('reduceLROnPlateau: factor must be a finite number >= 0, found -0.5');
    expect(() => reduceLROnPlateau({ patience: -1 })).toThrow('reduceLROnPlateau: patience must be an integer >= 0, found -1');
    expect(() => reduceLROnPlateau({ cooldown: 0.5 })).toThrow('reduceLROnPlateau: cooldown must be an integer >= 0, found 0.5');
    expect(() => reduceLROnPlateau({ minLr: -1 })).toThrow('reduceLROnPlateau: minLr must be a finite number >= 0, found -1');
    expect(() => reduceLROnPlateau({ mode: 'down' as never })).toThrow("reduceLROnPlateau: mode must be 'min', 'max' or 'auto', found down");
  });
});
