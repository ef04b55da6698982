import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Observable, from, lastValueFrom, map, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../src/ops/index.js';
import { dense, sequential, sgd } from '../../src/models/index.js';
import type { EpochEndEvent, Logs, TrainContext, TrainEvent } from '../../src/streams/index.js';
import { csvLogger } from '../../src/callbacks/csv-logger.js';

const dir = mkdtempSync(join(tmpdir(), 'streamgrad-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempPath = (): string => join(dir, `log-${files++}.csv`);

/** Hand-built events over a real tiny model and optimizer. */
function events() {
  const model = sequential([dense(1)], { inputShape: [2], seed: 1 });
  const context = {
    model, optimizer: sgd(model, { lr: 0.1 }), callbackState: {},
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  return {
    start: (epoch: number): TrainEvent => ({ type: 'epochStart', epoch, step: epoch, context }),
    batch: (epoch: number): TrainEvent => ({ type: 'batchEnd', epoch, batch: 0, step: epoch + 1, context, loss: 1, size: 2, lr: 0.1, logs: {} }),
    end: (epoch: number, logs: Logs): EpochEndEvent => ({ type: 'epochEnd', epoch, step: epoch + 1, context, logs }),
  };
}

/** Epochs with these logs, each as epochStart, batchEnd, epochEnd. */
function run(logs: Logs[], first = 0): TrainEvent[] {
  const e = events();
  return logs.flatMap((l, i) => [e.start(first + i), e.batch(first + i), e.end(first + i, l)]);
}

const drain = (events: TrainEvent[], logger: ReturnType<typeof csvLogger>) => lastValueFrom(from(events).pipe(logger, toArray()));

describe('csvLogger', () => {
  test('writes a header (epoch, then the keys sorted) and one row per epochEnd', async () => {
    const path = tempPath();
    await drain(run([
      { loss: 0.5, val_loss: 0.75, accuracy: 0.25, val_accuracy: 0.125 },
      { loss: 0.1, val_loss: Number.NaN, accuracy: 1, val_accuracy: Infinity },
    ]), csvLogger(path));
    expect(readFileSync(path, 'utf8')).toBe(
      'epoch,accuracy,loss,val_accuracy,val_loss\n' +
        '0,0.25,0.5,0.125,0.75\n' +
        '1,1,0.1,inf,nan\n',
    );
  });

  test('the header is fixed by the first epoch: a missing key leaves an empty cell, a new key is not written', async () => {
    const path = tempPath();
    await drain(run([{ loss: 0.5, accuracy: 0.25 }, { loss: 0.4, val_loss: 0.3 }]), csvLogger(path, { separator: ';' }));
    expect(readFileSync(path, 'utf8')).toBe('epoch;accuracy;loss\n0;0.25;0.5\n1;;0.4\n');
  });

  test('header cells that hold the separator or a quote are quoted', async () => {
    const path = tempPath();
    await drain(run([{ 'a,b': 1, 'say "hi"': 2 }]), csvLogger(path));
    expect(readFileSync(path, 'utf8')).toBe('epoch,"a,b","say ""hi"""\n0,1,2\n');
  });

  test('without append an existing file is replaced when the stream is subscribed', async () => {
    const path = tempPath();
    writeFileSync(path, 'old contents\n');
    await drain(run([{ loss: 1 }]), csvLogger(path));
    expect(readFileSync(path, 'utf8')).toBe('epoch,loss\n0,1\n');
  });

  test('append adds rows under the existing header, in its columns, so a resumed run lines up', async () => {
    const path = tempPath();
    await drain(run([{ loss: 0.5, 'val,loss': 0.6 }, { loss: 0.4, 'val,loss': 0.5 }]), csvLogger(path, { append: true }));
    await drain(run([{ 'val,loss': 0.3, loss: 0.2, extra: 7 }], 2), csvLogger(path, { append: true }));
    expect(readFileSync(path, 'utf8')).toBe('epoch,loss,"val,loss"\n0,0.5,0.6\n1,0.4,0.5\n2,0.2,0.3\n');
  });

  test('append to a file whose last line is unterminated starts a new line', async () => {
    const path = tempPath();
    writeFileSync(path, 'epoch,loss\n0,0.5');
    await drain(run([{ loss: 0.25 }], 1), csvLogger(path, { append: true }));
    expect(readFileSync(path, 'utf8')).toBe('epoch,loss\n0,0.5\n1,0.25\n');
  });

  test('events pass through unchanged and in order; an epochEnd is passed on only after its row is in the file', async () => {
    const path = tempPath();
    const events = run([{ loss: 0.5 }, { loss: 0.25 }, { loss: 0.125 }]);
    const seen: string[] = [];
    const out = await lastValueFrom(from(events).pipe(
      csvLogger(path),
      tap((e) => {
        if (e.type === 'epochEnd') seen.push(readFileSync(path, 'utf8'));
      }),
      toArray(),
    ));
    expect(out).toHaveLength(events.length);
    out.forEach((e, i) => expect(e).toBe(events[i]));
    expect(seen).toEqual([
      'epoch,loss\n0,0.5\n',
      'epoch,loss\n0,0.5\n1,0.25\n',
      'epoch,loss\n0,0.5\n1,0.25\n2,0.125\n',
    ]);
  });

  test('events it does not log pass on at once, with their timing (marbles)', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const path = tempPath();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e = events();
      const values = { S: e.start(0), b: e.batch(0), c: e.batch(0) };
      const source = cold('S-b--c-', values);
      expectObservable(source.pipe(csvLogger(path)), '^-------!').toBe('S-b--c-', values);
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
  });

  test('a path that cannot be opened errors the stream at once, naming the path, and releases the source', async () => {
    const path = join(dir, 'missing-dir', 'log.csv');
    let released = false;
    const endless = new Observable<TrainEvent>((subscriber) => {
      subscriber.next(events().start(0));
      return () => {
        released = true;
      };
    });
    await expect(lastValueFrom(endless.pipe(csvLogger(path)))).rejects.toThrow(`csvLogger: cannot write ${path}: ENOENT`);
    expect(released).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  test.skipIf(!existsSync('/dev/full'))('a failed write errors the stream naming the path, and releases the source', async () => {
    let released = false;
    const passed: string[] = [];
    const source = new Observable<TrainEvent>((subscriber) => {
      for (const event of run([{ loss: 1 }, { loss: 2 }])) subscriber.next(event);
      return () => {
        released = true;
      };
    });
    const result = lastValueFrom(source.pipe(csvLogger('/dev/full'), map((e) => passed.push(e.type))));
    await expect(result).rejects.toThrow('csvLogger: cannot write /dev/full: ENOSPC');
    expect(passed).toEqual(['epochStart', 'batchEnd']);
    expect(released).toBe(true);
  });

  test('options are checked when the operator is created', () => {
    expect(() => csvLogger('')).toThrow(new ArgumentError('csvLogger: path must be a non-empty string, found ""'));
    expect(() => csvLogger('a.csv', { separator: ';;' })).toThrow(
      'csvLogger: separator must be one character other than a quote or a line break, found ";;"',
    );
    expect(() => csvLogger('a.csv', { separator: '"' })).toThrow(ArgumentError);
    expect(() => csvLogger('a.csv', { append: 'yes' as never })).toThrow('csvLogger: append must be a boolean, found yes');
  });
});
