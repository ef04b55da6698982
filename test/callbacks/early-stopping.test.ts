import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, map, tap, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { tensor } from '../../src/ops/index.js';
import { crossEntropy, dense, relu, sequential, sgd, type Layer } from '../../src/models/index.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import { fit, type Batch, type EpochEndEvent, type StopEvent, type TrainContext, type TrainEvent } from '../../src/streams/index.js';
import { earlyStopping } from '../../src/callbacks/early-stopping.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const net = () => sequential([dense(8), relu(), dense(2)], { inputShape: [2], seed: 1 });

/** A fake run: a real tiny model and optimizer, and factories for hand-built events. */
function run(monitor = 'val_loss', callbackState: Record<string, unknown> = {}) {
  const model = net();
  const optimizer = sgd(model, { lr: 0.1 });
  const context = {
    model, optimizer, callbackState,
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  const epochEnd = (epoch: number, value: number): EpochEndEvent => ({ type: 'epochEnd', epoch, step: epoch * 2, context, logs: { loss: 1, [monitor]: value } });
  const stop = (at: EpochEndEvent, reason: string): StopEvent => ({ type: 'stop', epoch: at.epoch, step: at.step, context, reason });
  /** Marble values: a, b, c, ... are the epochEnds of epochs 0, 1, 2, ... with these monitored values. */
  const epochs = (values: number[], first = 0): Record<string, EpochEndEvent> =>
    Object.fromEntries(values.map((v, i) => ['abcdefghij'[i], epochEnd(first + i, v)]));
  return { model, optimizer, context, epochEnd, stop, epochs };
}

describe('earlyStopping: the decision rule (marbles)', () => {
  test('stops once wait >= patience: emits the epochEnd, then stop, completes and releases the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = r.epochs([1, 0.9, 0.95, 0.92, 0.91, 0.5]);
      const source = cold('a-b-c-d-e-f|', v);
      const s = r.stop(v.e, 'earlyStopping: val_loss did not improve for 3 epochs (best 0.9 at epoch 1)');
      expectObservable(source.pipe(earlyStopping({ patience: 3 }))).toBe('a-b-c-d-(es|)', { ...v, s });
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  test('an improvement resets the wait, so patience counts consecutive epochs without one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([1, 1.1, 0.8, 0.9, 0.85, 0.9]);
      const s = r.stop(v.f, 'earlyStopping: val_loss did not improve for 3 epochs (best 0.8 at epoch 2)');
      expectObservable(cold('a-b-c-d-e-f|', v).pipe(earlyStopping({ patience: 3 }))).toBe('a-b-c-d-e-(fs|)', { ...v, s });
    });
  });

  test('other events pass through unchanged and do not count', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([1, 2]);
      const S: TrainEvent = { type: 'epochStart', epoch: 1, step: 2, context: r.context };
      const s = r.stop(v.b, 'earlyStopping: val_loss did not improve for 1 epoch (best 1 at epoch 0)');
      expectObservable(cold('S-a-S-S-b-S|', { ...v, S }).pipe(earlyStopping())).toBe('S-a-S-S-(bs|)', { ...v, S, s });
    });
  });

  test('without patience, training stops at the first epoch that does not improve', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([3, 2, 1, 1]);
      const s = r.stop(v.d, 'earlyStopping: val_loss did not improve for 1 epoch (best 1 at epoch 2)');
      expectObservable(cold('abcde|', v).pipe(earlyStopping())).toBe('abc(ds|)', { ...v, s });
    });
  });

  test('an improvement smaller than minDelta does not reset the wait, nor become the best', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([1, 0.995, 0.992, 0.5]);
      const s = r.stop(v.c, 'earlyStopping: val_loss did not improve by more than 0.01 for 2 epochs (best 1 at epoch 0)');
      expectObservable(cold('abcd|', v).pipe(earlyStopping({ patience: 2, minDelta: 0.01 }))).toBe('ab(cs|)', { ...v, s });
      expectObservable(cold('abcd|', v).pipe(earlyStopping({ patience: 2, name: 'noDelta' }))).toBe('abcd|', v);
    });
  });

  test('the reason names monitor, minDelta, the wait and the best epoch (the documented example)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([0.5, 0.3, 0.2, 0.1, 0.0712, 0.0705, 0.071, 0.0703, 0.01]);
      const s = r.stop(v.h, 'earlyStopping: val_loss did not improve by more than 0.001 for 3 epochs (best 0.0712 at epoch 4)');
      expectObservable(cold('abcdefghi|', v).pipe(earlyStopping({ patience: 3, minDelta: 0.001 }))).toBe('abcdefg(hs|)', { ...v, s });
    });
  });

  test("mode 'auto' maximizes val_accuracy and minimizes val_loss on the same numbers", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const values = [0.5, 0.6, 0.55, 0.58, 0.7];
      const acc = run('val_accuracy');
      const va = acc.epochs(values);
      const sa = acc.stop(va.d, 'earlyStopping: val_accuracy did not improve for 2 epochs (best 0.6 at epoch 1)');
      expectObservable(cold('abcde|', va).pipe(earlyStopping({ monitor: 'val_accuracy', patience: 2 }))).toBe('abc(ds|)', { ...va, s: sa });
      const loss = run('val_loss');
      const vl = loss.epochs(values);
      const sl = loss.stop(vl.c, 'earlyStopping: val_loss did not improve for 2 epochs (best 0.5 at epoch 0)');
      expectObservable(cold('abcde|', vl).pipe(earlyStopping({ monitor: 'val_loss', patience: 2 }))).toBe('ab(cs|)', { ...vl, s: sl });
    });
  });

  test("an explicit mode overrides the name: mode 'max' on a loss-like name", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run('score');
      const v = r.epochs([1, 2, 1.5]);
      const s = r.stop(v.c, 'earlyStopping: score did not improve for 1 epoch (best 2 at epoch 1)');
      expectObservable(cold('abc|', v).pipe(earlyStopping({ monitor: 'score', mode: 'max' }))).toBe('ab(cs|)', { ...v, s });
    });
  });

  test('baseline: a model that improves but never beats the baseline stops after patience epochs', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([0.9, 0.8, 0.7, 0.6]);
      const s = r.stop(v.b, 'earlyStopping: val_loss did not improve on the baseline 0.5 for 2 epochs (best 0.8 at epoch 1)');
      expectObservable(cold('abcd|', v).pipe(earlyStopping({ patience: 2, baseline: 0.5 }))).toBe('a(bs|)', { ...v, s });
    });
  });

  test('baseline: once beaten, patience counts from the best epoch as usual', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([0.9, 0.4, 0.45, 0.46, 0.1]);
      const s = r.stop(v.d, 'earlyStopping: val_loss did not improve for 2 epochs (best 0.4 at epoch 1)');
      expectObservable(cold('abcde|', v).pipe(earlyStopping({ patience: 2, baseline: 0.5 }))).toBe('abc(ds|)', { ...v, s });
    });
  });

  test('startFromEpoch: warm-up epochs neither set the best nor count', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([0.1, 0.2, 0.9, 0.95, 0.5]);
      const s = r.stop(v.d, 'earlyStopping: val_loss did not improve for 1 epoch (best 0.9 at epoch 2)');
      expectObservable(cold('abcde|', v).pipe(earlyStopping({ patience: 1, startFromEpoch: 2 }))).toBe('abc(ds|)', { ...v, s });
    });
  });

  test('a NaN monitored value never improves and counts as a wait', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = r.epochs([Number.NaN, Number.NaN]);
      const s = r.stop(v.b, 'earlyStopping: val_loss did not improve for 2 epochs (no finite value yet)');
      expectObservable(cold('abc|', { ...v, c: r.epochEnd(2, 1) }).pipe(earlyStopping({ patience: 2 }))).toBe('a(bs|)', { ...v, s });
    });
  });

  test('errors pass through and release the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = r.epochs([1, 2]);
      const source = cold('a-#', v, new Error('boom'));
      expectObservable(source.pipe(earlyStopping({ patience: 3 }))).toBe('a-#', v, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('completion passes through when training ends before patience runs out', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = r.epochs([1, 2, 3]);
      const source = cold('a-b-c|', v);
      expectObservable(source.pipe(earlyStopping({ patience: 5 }))).toBe('a-b-c|', v);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });
});

describe('earlyStopping: state, resume and subscriptions', () => {
  test('keeps best, bestEpoch and wait as plain JSON in context.callbackState[name]', async () => {
    const r = run();
    await lastValueFrom(from([r.epochEnd(0, 1), r.epochEnd(1, 0.5), r.epochEnd(2, 0.7)]).pipe(earlyStopping({ patience: 5, name: 'es' })));
    expect(JSON.parse(JSON.stringify(r.context.callbackState))).toEqual({ es: { best: 0.5, bestEpoch: 1, wait: 1 } });
  });

  test('a second instance given the first one callbackState continues the wait count', async () => {
    const first = run();
    await lastValueFrom(from([first.epochEnd(0, 1), first.epochEnd(1, 1.1)]).pipe(earlyStopping({ patience: 3 })));
    const saved = JSON.parse(JSON.stringify(first.context.callbackState)) as Record<string, unknown>;
    expect(saved.earlyStopping).toEqual({ best: 1, bestEpoch: 0, wait: 1 });

    const resumed = run('val_loss', saved);
    const events = await lastValueFrom(from([resumed.epochEnd(2, 1.2), resumed.epochEnd(3, 1.3), resumed.epochEnd(4, 0.1)]).pipe(earlyStopping({ patience: 3 }), toArray()));
    expect(events.map((e) => e.type)).toEqual(['epochEnd', 'epochEnd', 'stop']);
    expect((events[2] as StopEvent).reason).toBe('earlyStopping: val_loss did not improve for 3 epochs (best 1 at epoch 0)');

    const fresh = run();
    const unresumed = await lastValueFrom(from([fresh.epochEnd(2, 1.2), fresh.epochEnd(3, 1.3)]).pipe(earlyStopping({ patience: 3 }), toArray()));
    expect(unresumed.map((e) => e.type)).toEqual(['epochEnd', 'epochEnd']);
  });

  test('each subscription starts fresh: no state is shared between runs of one operator', async () => {
    const callback = earlyStopping({ patience: 1 });
    for (let i = 0; i < 2; i++) {
      const r = run();
      const events = await lastValueFrom(from([r.epochEnd(0, 1), r.epochEnd(1, 0.5)]).pipe(callback, toArray()));
      expect(events.map((e) => e.type)).toEqual(['epochEnd', 'epochEnd']);
    }
  });

  test('saved state that is not earlyStopping state is rejected', async () => {
    const r = run('val_loss', { earlyStopping: { wait: 'x' } });
    await expect(lastValueFrom(from([r.epochEnd(0, 1)]).pipe(earlyStopping()))).rejects.toThrow(
      'earlyStopping: callbackState["earlyStopping"] is not earlyStopping state, found {"wait":"x"}',
    );
  });

  test('two running instances under one name is an error; distinct names work', async () => {
    const r = run();
    await expect(lastValueFrom(from([r.epochEnd(0, 1)]).pipe(earlyStopping(), earlyStopping()))).rejects.toThrow(
      'earlyStopping: two running callbacks keep state under the name "earlyStopping"; give each a distinct name option',
    );
    const s = run();
    const events = await lastValueFrom(from([s.epochEnd(0, 1)]).pipe(earlyStopping({ name: 'a' }), earlyStopping({ name: 'b' }), toArray()));
    expect(events).toHaveLength(1);
  });

  test('a monitored key missing from the logs is an error naming the keys found', async () => {
    const r = run('loss');
    await expect(lastValueFrom(from([r.epochEnd(0, 1)]).pipe(earlyStopping()))).rejects.toThrow(
      'earlyStopping: the monitored value "val_loss" is not in the epoch logs (found: loss); val_* values need validation data in fit',
    );
    await expect(lastValueFrom(from([r.epochEnd(0, 1)]).pipe(earlyStopping({ monitor: 'acc', name: 'x' })))).rejects.toThrow(
      'earlyStopping: the monitored value "acc" is not in the epoch logs (found: loss)',
    );
  });

  test('bad options are rejected when the callback is created', () => {
    expect(() => earlyStopping({ patience: -1 })).toThrow('earlyStopping: patience must be an integer >= 0, found -1');
    expect(() => earlyStopping({ patience: 1.5 })).toThrow('earlyStopping: patience must be an integer >= 0, found 1.5');
    expect(() => earlyStopping({ minDelta: -0.1 })).toThrow('earlyStopping: minDelta must be a finite number >= 0, found -0.1');
    expect(() => earlyStopping({ mode: 'up' as never })).toThrow("earlyStopping: mode must be 'min', 'max' or 'auto', found up");
    expect(() => earlyStopping({ monitor: '' })).toThrow("earlyStopping: monitor must be a non-empty string such as 'val_loss', found ");
    expect(() => earlyStopping({ baseline: Number.NaN })).toThrow('earlyStopping: baseline must be a finite number or undefined, found NaN');
    expect(() => earlyStopping({ startFromEpoch: -2 })).toThrow('earlyStopping: startFromEpoch must be an integer >= 0, found -2');
    expect(() => earlyStopping({ restoreBestWeights: 1 as never })).toThrow('earlyStopping: restoreBestWeights must be a boolean, found 1');
    expect(() => earlyStopping({ name: '' })).toThrow('earlyStopping: name must be a non-empty string, found ');
  });
});

describe('earlyStopping: restoreBestWeights with fit', () => {
  /** XOR in two batches of 2, replayed each epoch; `closed` counts sources released. */
  function xor() {
    let opened = 0;
    let closed = 0;
    const rows: Array<[number[], number]> = [[[0, 0], 0], [[0, 1], 1], [[1, 0], 1], [[1, 1], 0]];
    const batches = fromPull(function* () {
      opened++;
      try {
        for (let i = 0; i < rows.length; i += 2) {
          const part = rows.slice(i, i + 2);
          yield { x: tensor(part.map(([x]) => x)), y: tensor(part.map(([, y]) => y)), size: part.length } as Batch;
        }
      } finally {
        closed++;
      }
    });
    return { batches, opened: () => opened, closed: () => closed };
  }
  /** Each parameter's values, reinterpreted as bits, for bit-exact comparison. */
  const bits = (model: Layer): Uint32Array[] => Object.values(model.stateDict()).map((t) => new Uint32Array(t.data.slice().buffer));
  /** Scripts a `score` into the epoch logs and records the weights at each epochEnd. */
  const scripted = (model: Layer, scores: number[], seen: Uint32Array[][]) => (source: Observable<TrainEvent>) =>
    source.pipe(
      map((e): TrainEvent => (e.type === 'epochEnd' ? { ...e, logs: { ...e.logs, score: scores[e.epoch] } } : e)),
      tap((e) => { if (e.type === 'epochEnd') seen.push(bits(model)); }),
    );

  test('on stop, the weights of the best epoch are restored bit for bit, before the stop event', async () => {
    const model = net();
    const data = xor();
    const seen: Uint32Array[][] = [];
    let atStop: Uint32Array[] = [];
    const events = await lastValueFrom(fit({
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.5 }), train: data.batches, epochs: 10,
      callbacks: [scripted(model, [0.5, 0.3, 0.2, 0.25, 0.26, 0.27, 0.1], seen), earlyStopping({ monitor: 'score', patience: 3, restoreBestWeights: true })],
    }).pipe(tap((e) => { if (e.type === 'stop') atStop = bits(model); }), toArray()));

    expect(events.at(-1)).toMatchObject({ type: 'stop', epoch: 5, reason: 'earlyStopping: score did not improve for 3 epochs (best 0.2 at epoch 2); restored the weights of epoch 2' });
    expect(events.at(-2)).toMatchObject({ type: 'epochEnd', epoch: 5 });
    expect(seen).toHaveLength(6);
    expect(seen[2]).not.toEqual(seen[3]);
    expect(seen[2]).not.toEqual(seen[5]);
    expect(bits(model)).toEqual(seen[2]);
    expect(atStop).toEqual(seen[2]);
    expect(data.opened()).toBe(6);
    expect(data.closed()).toBe(6);
  });

  test('when training ends without a stop, the best weights are restored too (as Keras 3)', async () => {
    const model = net();
    const seen: Uint32Array[][] = [];
    await lastValueFrom(fit({
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.5 }), train: xor().batches, epochs: 3,
      callbacks: [scripted(model, [0.5, 0.2, 0.3], seen), earlyStopping({ monitor: 'score', patience: 5, restoreBestWeights: true })],
    }));
    expect(seen[1]).not.toEqual(seen[2]);
    expect(bits(model)).toEqual(seen[1]);
  });

  test('without restoreBestWeights the weights of the last epoch stay', async () => {
    const model = net();
    const seen: Uint32Array[][] = [];
    const events = await lastValueFrom(fit({
      model, loss: crossEntropy, optimizer: sgd(model, { lr: 0.5 }), train: xor().batches, epochs: 10,
      callbacks: [scripted(model, [0.5, 0.2, 0.3, 0.4], seen), earlyStopping({ monitor: 'score', patience: 2 })],
    }).pipe(toArray()));
    expect((events.at(-1) as StopEvent).reason).toBe('earlyStopping: score did not improve for 2 epochs (best 0.2 at epoch 1)');
    expect(bits(model)).toEqual(seen[3]);
  });

  test('after a resume, a best epoch from before it cannot be restored, and the reason says so', async () => {
    const r = run('val_loss', { earlyStopping: { best: 0.1, bestEpoch: 3, wait: 0 } });
    const before = bits(r.model);
    const events = await lastValueFrom(from([r.epochEnd(4, 0.5)]).pipe(earlyStopping({ restoreBestWeights: true }), toArray()));
    expect((events[1] as StopEvent).reason).toBe(
      'earlyStopping: val_loss did not improve for 1 epoch (best 0.1 at epoch 3); weights not restored: epoch 3 was before the resume',
    );
    expect(bits(r.model)).toEqual(before);
  });
});
