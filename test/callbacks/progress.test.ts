import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../src/ops/index.js';
import { dense, sequential, sgd } from '../../src/models/index.js';
import type { Logs, TrainContext, TrainEvent } from '../../src/streams/index.js';
import { progress } from '../../src/callbacks/progress.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A writable stream that keeps what is written; `isTTY` as asked. */
function capture(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return Object.assign(stream, { isTTY, columns: 200, text: () => chunks.join('') });
}

const stripAnsi = (text: string): string => text.replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, '');

/** Hand-built events over a real tiny model and optimizer. */
function events() {
  const model = sequential([dense(1)], { inputShape: [2], seed: 1 });
  const context = {
    model, optimizer: sgd(model, { lr: 0.1 }), callbackState: {},
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  return {
    start: (epoch: number): TrainEvent => ({ type: 'epochStart', epoch, step: epoch * 2, context }),
    batch: (epoch: number, batch: number, loss: number, logs: Logs, size = 4): TrainEvent => ({
      type: 'batchEnd', epoch, batch, step: epoch * 2 + batch + 1, context, loss, size, lr: 0.1, logs,
    }),
    end: (epoch: number, logs: Logs): TrainEvent => ({ type: 'epochEnd', epoch, step: epoch * 2 + 2, context, logs }),
    stop: (epoch: number, reason: string): TrainEvent => ({ type: 'stop', epoch, step: epoch * 2 + 2, context, reason }),
  };
}

/** Two epochs of two batches (times in virtual ms: S 0, a 500, b 1000, E 1500, T 2000, c 3000, d 3500, F 4000, s 4500). */
function twoEpochs() {
  const e = events();
  const values = {
    S: e.start(0),
    a: e.batch(0, 0, 0.6, { accuracy: 0.5 }),
    b: e.batch(0, 1, 0.4, { accuracy: 1 }, 2),
    E: e.end(0, { loss: 0.5, accuracy: 0.75, val_loss: 0.6, val_accuracy: 0.5 }),
    T: e.start(1),
    c: e.batch(1, 0, 0.3, { accuracy: 1 }),
    d: e.batch(1, 1, 0.2, { accuracy: 1 }),
    F: e.end(1, { loss: 0.25, accuracy: 1, val_loss: 0.00012, val_accuracy: 1 }),
    s: e.stop(1, 'earlyStopping: val_loss did not improve for 2 epochs'),
  };
  const marble = 'S 499ms a 499ms b 499ms E 499ms T 999ms c 499ms d 499ms F 499ms (s|)';
  return { values, marble };
}

describe('progress', () => {
  test('events, errors and completion pass through unchanged, and the source is released on completion', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const { values, marble } = twoEpochs();
      const source = cold(marble, values);
      expectObservable(source.pipe(progress({ stream: capture(false), epochs: 2 }))).toBe(marble, values);
      expectSubscriptions(source.subscriptions).toBe('^ 4499ms !');
    });
  });

  test('an error passes through and releases the source; unsubscribing releases it too', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const { values } = twoEpochs();
      const failing = cold('S-a-#', values, new Error('boom'));
      expectObservable(failing.pipe(progress({ stream: capture(true) }))).toBe('S-a-#', values, new Error('boom'));
      expectSubscriptions(failing.subscriptions).toBe('^---!');
      const endless = cold('S-a-b-', values);
      expectObservable(endless.pipe(progress({ stream: capture(true) })), '^--!').toBe('S-a', values);
      expectSubscriptions(endless.subscriptions).toBe('^--!');
    });
  });

  test('on a stream that is not a TTY it writes only one summary line per epoch and the stop line, without ANSI codes', () => {
    const stream = capture(false);
    scheduler().run(({ cold, expectObservable }) => {
      const { values, marble } = twoEpochs();
      expectObservable(cold(marble, values).pipe(progress({ stream, epochs: 2 }))).toBe(marble, values);
    });
    expect(stream.text()).toBe(
      'epoch 1/2  loss 0.5000  accuracy 0.7500  val_loss 0.6000  val_accuracy 0.5000  1.5s\n' +
        'epoch 2/2  loss 0.2500  accuracy 1.0000  val_loss 1.2000e-4  val_accuracy 1.0000  2.0s\n' +
        'stopped: earlyStopping: val_loss did not improve for 2 epochs\n',
    );
  });

  test('without epochs it shows the epoch alone; metrics selects the keys shown besides loss and val_loss', () => {
    const stream = capture(false);
    scheduler().run(({ cold, expectObservable }) => {
      const { values, marble } = twoEpochs();
      expectObservable(cold(marble, values).pipe(progress({ stream, metrics: [] }))).toBe(marble, values);
    });
    expect(stream.text().split('\n')[0]).toBe('epoch 1  loss 0.5000  val_loss 0.6000  1.5s');
  });

  test('on a TTY it draws a bar with the batch count, samples/s, ETA and running means, and ends each epoch with its summary line', () => {
    const stream = capture(true);
    const sigint = process.listenerCount('SIGINT');
    scheduler().run(({ cold, expectObservable }) => {
      const { values, marble } = twoEpochs();
      expectObservable(cold(marble, values).pipe(progress({ stream, epochs: 2 }))).toBe(marble, values);
    });
    const raw = stream.text();
    expect(raw).toContain('\x1b[');
    const text = stripAnsi(raw);
    // First epoch: the number of batches is not known yet, so n/?; running means weighted by batch size.
    expect(text).toContain('epoch 1/2  1/?  8.0 samples/s  loss 0.6000  accuracy 0.5000');
    expect(text).toContain('epoch 1/2  [====================] 2/2  4.0 samples/s  ETA 0s  loss 0.5333  accuracy 0.6667');
    // Second epoch: 2 batches per epoch, learnt from the first; 4 samples in 1 s, one batch left at 1 s a batch.
    expect(text).toContain('epoch 2/2  [==========----------] 1/2  4.0 samples/s  ETA 1s  loss 0.3000  accuracy 1.0000');
    expect(text).toContain('epoch 2/2  [====================] 2/2  4.0 samples/s  ETA 0s  loss 0.2500  accuracy 1.0000');
    expect(raw.endsWith(
      '\x1b[2Kepoch 2/2  loss 0.2500  accuracy 1.0000  val_loss 1.2000e-4  val_accuracy 1.0000  2.0s\n' +
        'stopped: earlyStopping: val_loss did not improve for 2 epochs\n',
    )).toBe(true);
    expect(process.listenerCount('SIGINT')).toBe(sigint);
  });

  test('batchesPerEpoch gives the first epoch a bar', () => {
    const stream = capture(true);
    scheduler().run(({ cold, expectObservable }) => {
      const { values, marble } = twoEpochs();
      expectObservable(cold(marble, values).pipe(progress({ stream, epochs: 2, batchesPerEpoch: 2 }))).toBe(marble, values);
    });
    expect(stripAnsi(stream.text())).toContain('epoch 1/2  [==========----------] 1/2  8.0 samples/s  ETA 1s');
  });

  test('the bar is cleared when the subscription ends mid-epoch, and nothing is drawn afterwards', async () => {
    const stream = capture(true);
    scheduler().run(({ cold, expectObservable }) => {
      const { values } = twoEpochs();
      expectObservable(cold('S-a-b-', values).pipe(progress({ stream })), '^--!').toBe('S-a', values);
    });
    const after = stream.text();
    expect(after.endsWith('\x1b[2K')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(stream.text()).toBe(after);
  });

  test('a stop in the middle of an epoch clears the bar before its line', () => {
    const stream = capture(true);
    const e = events();
    scheduler().run(({ cold, expectObservable }) => {
      const v = { S: e.start(0), a: e.batch(0, 0, 0.5, {}), s: e.stop(0, 'terminateOnNaN: loss is NaN at batch 1') };
      expectObservable(cold('S-a-(s|)', v).pipe(progress({ stream }))).toBe('S-a-(s|)', v);
    });
    expect(stream.text().endsWith('\x1b[2Kstopped: terminateOnNaN: loss is NaN at batch 1\n')).toBe(true);
  });

  test('output problems never reach training: a stream that throws, or that fails its writes', async () => {
    const { values } = twoEpochs();
    const all = Object.values(values);
    const throwing = Object.assign(capture(true), { write: () => { throw new Error('EBADF'); } });
    expect(await lastValueFrom(from(all).pipe(progress({ stream: throwing }), toArray()))).toEqual(all);

    const failing = Object.assign(
      new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('EPIPE')) }),
      { isTTY: false },
    );
    expect(await lastValueFrom(from(all).pipe(progress({ stream: failing }), toArray()))).toEqual(all);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failing.listenerCount('error')).toBe(0);
  });

  test('options are checked when the operator is created', () => {
    expect(() => progress({ epochs: 0 })).toThrow(new ArgumentError('progress: epochs must be an integer >= 1, found 0'));
    expect(() => progress({ batchesPerEpoch: 2.5 })).toThrow('progress: batchesPerEpoch must be an integer >= 1, found 2.5');
    expect(() => progress({ stream: {} as never })).toThrow('progress: stream must be a writable stream');
    expect(() => progress({ metrics: 'accuracy' as never })).toThrow('progress: metrics must be an array of log keys');
  });
});
