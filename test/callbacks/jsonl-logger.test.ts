import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Observable, from, lastValueFrom, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError } from '../../src/ops/index.js';
import { dense, sequential, sgd } from '../../src/models/index.js';
import type { Logs, TrainContext, TrainEvent } from '../../src/streams/index.js';
import { jsonlLogger } from '../../src/callbacks/jsonl-logger.js';

const dir = mkdtempSync(join(tmpdir(), 'streamgrad-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempPath = (): string => join(dir, `log-${files++}.jsonl`);

/** Hand-built events over a real tiny model and optimizer. */
function events() {
  const model = sequential([dense(1)], { inputShape: [2], seed: 1 });
  const context = {
    model, optimizer: sgd(model, { lr: 0.1 }), callbackState: {},
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  return {
    start: (epoch: number): TrainEvent => ({ type: 'epochStart', epoch, step: epoch * 2, context }),
    batch: (epoch: number, batch: number, loss: number): TrainEvent => ({
      type: 'batchEnd', epoch, batch, step: epoch * 2 + batch + 1, context, loss, size: 2, lr: 0.1, logs: { accuracy: 0.5 },
    }),
    end: (epoch: number, logs: Logs): TrainEvent => ({ type: 'epochEnd', epoch, step: epoch * 2 + 2, context, logs }),
    checkpoint: (epoch: number, path: string): TrainEvent => ({ type: 'checkpoint', epoch, step: epoch * 2 + 2, context, path }),
    stop: (epoch: number, reason: string): TrainEvent => ({ type: 'stop', epoch, step: epoch * 2 + 2, context, reason }),
  };
}

function sequence(): TrainEvent[] {
  const e = events();
  return [
    e.start(0), e.batch(0, 0, 0.75), e.batch(0, 1, 0.5), e.end(0, { loss: 0.625, val_loss: 0.5 }), e.checkpoint(0, 'ckpt/epoch-0'),
    e.start(1), e.batch(1, 0, Number.NaN), e.stop(1, 'terminateOnNaN: loss is NaN at batch 0'),
  ];
}

const drain = (events: TrainEvent[], logger: ReturnType<typeof jsonlLogger>) => lastValueFrom(from(events).pipe(logger, toArray()));

describe('jsonlLogger', () => {
  test('writes one line per epochEnd by default: type, epoch, step, then the logs, without the context', async () => {
    const path = tempPath();
    await drain(sequence(), jsonlLogger(path));
    expect(readFileSync(path, 'utf8')).toBe('{"type":"epochEnd","epoch":0,"step":2,"logs":{"loss":0.625,"val_loss":0.5}}\n');
  });

  test('writes every selected event type, in order; NaN becomes null', async () => {
    const path = tempPath();
    await drain(sequence(), jsonlLogger(path, { events: ['batchEnd', 'epochEnd', 'checkpoint', 'stop'] }));
    expect(readFileSync(path, 'utf8')).toBe([
      '{"type":"batchEnd","epoch":0,"step":1,"batch":0,"loss":0.75,"size":2,"lr":0.1,"logs":{"accuracy":0.5}}',
      '{"type":"batchEnd","epoch":0,"step":2,"batch":1,"loss":0.5,"size":2,"lr":0.1,"logs":{"accuracy":0.5}}',
      '{"type":"epochEnd","epoch":0,"step":2,"logs":{"loss":0.625,"val_loss":0.5}}',
      '{"type":"checkpoint","epoch":0,"step":2,"path":"ckpt/epoch-0"}',
      '{"type":"batchEnd","epoch":1,"step":3,"batch":0,"loss":null,"size":2,"lr":0.1,"logs":{"accuracy":0.5}}',
      '{"type":"stop","epoch":1,"step":4,"reason":"terminateOnNaN: loss is NaN at batch 0"}',
      '',
    ].join('\n'));
  });

  test('without append the file starts afresh; with append lines are added (after a line break if one is missing)', async () => {
    const path = tempPath();
    writeFileSync(path, 'old\n');
    await drain(sequence(), jsonlLogger(path, { events: ['stop'] }));
    const first = '{"type":"stop","epoch":1,"step":4,"reason":"terminateOnNaN: loss is NaN at batch 0"}\n';
    expect(readFileSync(path, 'utf8')).toBe(first);
    await drain(sequence(), jsonlLogger(path, { events: ['stop'], append: true }));
    expect(readFileSync(path, 'utf8')).toBe(first + first);
    writeFileSync(path, '{"torn":');
    await drain(sequence(), jsonlLogger(path, { events: ['stop'], append: true, fsync: true }));
    expect(readFileSync(path, 'utf8')).toBe(`{"torn":\n${first}`);
  });

  test('events pass through unchanged and in order; a selected event is passed on only after its line is in the file', async () => {
    const path = tempPath();
    const input = sequence();
    const lines: number[] = [];
    const out = await lastValueFrom(from(input).pipe(
      jsonlLogger(path, { events: ['batchEnd', 'stop'] }),
      tap(() => lines.push(existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0)),
      toArray(),
    ));
    expect(out).toHaveLength(input.length);
    out.forEach((e, i) => expect(e).toBe(input[i]));
    // Lines in the file as each event arrives downstream: start, b, b, E, ckpt, start, b, stop.
    expect(lines).toEqual([0, 1, 2, 2, 2, 2, 3, 4]);
  });

  test('events it does not log pass on at once, with their timing (marbles)', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const path = tempPath();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e = events();
      const values = { S: e.start(0), b: e.batch(0, 0, 1), c: e.batch(0, 1, 1) };
      const source = cold('S-b--c-', values);
      expectObservable(source.pipe(jsonlLogger(path)), '^------!').toBe('S-b--c-', values);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  test('a path that cannot be opened errors the stream at once, naming the path, and releases the source', async () => {
    const path = join(dir, 'missing-dir', 'run.jsonl');
    let released = false;
    const endless = new Observable<TrainEvent>((subscriber) => {
      subscriber.next(events().start(0));
      return () => {
        released = true;
      };
    });
    await expect(lastValueFrom(endless.pipe(jsonlLogger(path)))).rejects.toThrow(`jsonlLogger: cannot write ${path}: ENOENT`);
    expect(released).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  test.skipIf(!existsSync('/dev/full'))('a failed write errors the stream naming the path, and releases the source', async () => {
    let released = false;
    const source = new Observable<TrainEvent>((subscriber) => {
      for (const event of sequence()) subscriber.next(event);
      return () => {
        released = true;
      };
    });
    await expect(lastValueFrom(source.pipe(jsonlLogger('/dev/full')))).rejects.toThrow('jsonlLogger: cannot write /dev/full: ENOSPC');
    expect(released).toBe(true);
  });

  test('options are checked when the operator is created', () => {
    expect(() => jsonlLogger(42 as never)).toThrow(new ArgumentError('jsonlLogger: path must be a non-empty string, found 42'));
    expect(() => jsonlLogger('a.jsonl', { events: [] })).toThrow(
      'jsonlLogger: events must be a non-empty array of epochStart, batchEnd, epochEnd, checkpoint, stop, found []',
    );
    expect(() => jsonlLogger('a.jsonl', { events: ['epochEnd', 'batch' as never] })).toThrow(ArgumentError);
    expect(() => jsonlLogger('a.jsonl', { fsync: 1 as never })).toThrow('jsonlLogger: fsync must be a boolean, found 1');
  });
});
