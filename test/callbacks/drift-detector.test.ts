import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, add, mul } from '../../src/ops/index.js';
import { crossEntropy, dense, sequential, sgd } from '../../src/models/index.js';
import { batch, fit, type BatchEndEvent, type TrainContext, type TrainEvent } from '../../src/streams/index.js';
import { Adwin } from '../../src/streams/online/adwin.js';
import { PageHinkley } from '../../src/streams/online/page-hinkley.js';
import type { TrainDriftEvent } from '../../src/streams/online/drift.js';
import { sea } from '../../src/streams/online/generators/sea.js';
import { driftDetector } from '../../src/callbacks/drift-detector.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
const ph = () => new PageHinkley({ delta: 0, lambda: 3, alpha: 1, minInstances: 1 });

function run(callbackState: Record<string, unknown> = {}) {
  const model = sequential([dense(2)], { inputShape: [2], seed: 1 });
  const optimizer = sgd(model, { lr: 0.1 });
  const context = {
    model, optimizer, callbackState,
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  const batchEnd = (batch: number, loss: number, logs: Record<string, number> = {}): BatchEndEvent =>
    ({ type: 'batchEnd', epoch: 1, batch, step: 10 + batch + 1, context, loss, size: 1, lr: 0.1, logs });
  const start: TrainEvent = { type: 'epochStart', epoch: 1, step: 10, context };
  const end: TrainEvent = { type: 'epochEnd', epoch: 1, step: 16, context, logs: { loss: 1 } };
  const drift = (at: BatchEndEvent, position: number, statistic: number, value: number): TrainDriftEvent => ({
    type: 'drift', detector: 'pageHinkley', position, statistic, threshold: 3,
    epoch: at.epoch, step: at.step, batch: at.batch, context, value,
  });
  return { context, batchEnd, start, end, drift };
}

describe('driftDetector (marbles)', () => {
  test('inserts a drift event right after the batch whose loss fires the test; every event passes on', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = { S: r.start, a: r.batchEnd(0, 0), c: r.batchEnd(1, 0), d: r.batchEnd(2, 0), e: r.batchEnd(3, 0), b: r.batchEnd(4, 5), E: r.end };
      const source = cold('S-a-c-d-e-b----E|', v);
      const D = r.drift(v.b, 4, 4, 5); // x̄ = 1, m = 5 − 1 = 4 > λ = 3
      expectObservable(source.pipe(driftDetector(ph))).toBe('S-a-c-d-e-(bD)-E|', { ...v, D });
      expectSubscriptions(source.subscriptions).toBe('^---------------!');
    });
  });

  test("on: a metric name watches the batch logs; on: a function watches what it returns", () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = { a: r.batchEnd(0, 9, { accuracy: 0 }), b: r.batchEnd(1, 9, { accuracy: 5 }) };
      const D = { ...r.drift(v.b, 1, 2.5, 5), threshold: 2 }; // x̄ = 2.5, m = 2.5 > λ = 2
      const opts = { delta: 0, lambda: 2, alpha: 1, minInstances: 1 };
      expectObservable(cold('a-b---|', v).pipe(driftDetector(() => new PageHinkley(opts), { on: 'accuracy' }))).toBe('a-(bD)|', { ...v, D });
      const r2 = run();
      const w = { a: r2.batchEnd(0, 9, { accuracy: 1 }), b: r2.batchEnd(1, 9, { accuracy: 0 }) };
      const error = (e: BatchEndEvent) => 5 * (1 - e.logs.accuracy);
      const D2 = { ...r2.drift(w.b, 1, 2.5, 5), threshold: 2 };
      expectObservable(cold('a-b---|', w).pipe(driftDetector(() => new PageHinkley(opts), { on: error }))).toBe('a-(bD)|', { ...w, D: D2 });
    });
  });

  test('a watched value missing from the logs errors the stream, naming what is there', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = { a: r.batchEnd(0, 1, { mse: 0.2 }) };
      expectObservable(cold('a|', v).pipe(driftDetector(ph, { on: 'accuracy' }))).toBe(
        '#',
        undefined,
        new ArgumentError('driftDetector: the batch logs have no "accuracy" (found: mse); pass it in fit\'s metrics, or watch \'loss\''),
      );
    });
  });

  test('a non-finite loss errors the stream, naming the step; so does a value the detector refuses', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const r = run();
      const v = { a: r.batchEnd(0, 1), n: r.batchEnd(1, Number.NaN) };
      const source = cold('a-n-a|', v);
      expectObservable(source.pipe(driftDetector(ph))).toBe(
        'a-#',
        v,
        new ArgumentError('driftDetector: loss is NaN at step 12 (epoch 1, batch 1); a detector needs finite numbers'),
      );
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('detectors chain: a drift event from the first passes through the second, which adds its own', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      const v = { a: r.batchEnd(0, 0), b: r.batchEnd(1, 5) };
      const D = r.drift(v.b, 1, 2.5, 5); // x̄ = 2.5, m = 2.5 > λ = 2
      const opts = { delta: 0, lambda: 2, alpha: 1, minInstances: 1 };
      const chained = cold('a-b----|', v).pipe(
        driftDetector(() => new PageHinkley(opts), { name: 'first' }),
        driftDetector(() => new PageHinkley({ ...opts, lambda: 2.4 }), { name: 'second' }),
      );
      // The first emits b then D; the second sees b first, so its own E comes before D.
      expectObservable(chained).toBe('a-(bED)|', { ...v, D: { ...D, threshold: 2 }, E: { ...D, threshold: 2.4 } });
    });
  });

  test('other events pass through before any batch; errors and completion pass through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const r = run();
      expectObservable(cold('S-E|', { S: r.start, E: r.end }).pipe(driftDetector(ph))).toBe('S-E|', { S: r.start, E: r.end });
      const r2 = run(); // its own run: both subscriptions are live at once, and one run allows one detector per name
      expectObservable(cold('S-#', { S: r2.start }, new Error('boom')).pipe(driftDetector(ph))).toBe('S-#', { S: r2.start }, new Error('boom'));
    });
  });
});

describe('driftDetector: state in context.callbackState', () => {
  const losses = [0, 0, 0, 0, 5, 5, 5, 0, 0, 0, 0, 7, 1];

  async function drifts(events: TrainEvent[], name?: string): Promise<TrainDriftEvent[]> {
    const out = await lastValueFrom(
      from(events).pipe(driftDetector(ph, name === undefined ? {} : { name }), toArray()),
    );
    return out.filter((e): e is TrainDriftEvent => e.type === 'drift');
  }

  test('holds the detector state, the values seen and the drifts, as JSON', async () => {
    const r = run();
    await drifts(losses.map((loss, i) => r.batchEnd(i, loss)));
    const saved = JSON.parse(JSON.stringify(r.context.callbackState));
    const expected = ph();
    losses.forEach((x) => expected.update(x));
    expect(saved.driftDetector).toEqual({ kind: 'pageHinkley', detector: expected.state(), seen: 13, drifts: 2 });
  });

  test('a run resumed from a saved callbackState continues the test: the same drifts, at the same positions', async () => {
    const whole = run();
    const all = await drifts(losses.map((loss, i) => whole.batchEnd(i, loss)));
    const first = run();
    const before = await drifts(losses.slice(0, 6).map((loss, i) => first.batchEnd(i, loss)));
    const second = run(JSON.parse(JSON.stringify(first.context.callbackState)));
    const after = await drifts(losses.slice(6).map((loss, i) => second.batchEnd(6 + i, loss)));
    const summary = (d: TrainDriftEvent[]) => d.map((e) => [e.position, e.batch, e.statistic]);
    expect(summary([...before, ...after])).toEqual(summary(all));
    expect(all.map((e) => e.position)).toEqual([4, 11]);
  });

  test('two running detectors need distinct names', async () => {
    const r = run();
    const events = from<TrainEvent[]>([r.batchEnd(0, 1)]);
    await expect(lastValueFrom(events.pipe(driftDetector(ph), driftDetector(ph)))).rejects.toThrow(
      'driftDetector: two running callbacks keep state under the name "driftDetector"; give each a distinct name option',
    );
    const ok = await lastValueFrom(from<TrainEvent[]>([r.batchEnd(1, 1)]).pipe(driftDetector(ph, { name: 'a' }), driftDetector(ph, { name: 'b' }), toArray()));
    expect(ok).toHaveLength(1);
  });
});

describe('driftDetector: options', () => {
  test.each([
    [() => driftDetector(new Adwin() as never), /^driftDetector: expected a function that creates a detector, such as \(\) => new Adwin\(\)/],
    [() => driftDetector(() => ({}) as never), 'driftDetector: the factory must return a detector { kind, update, state, loadState }, such as new Adwin()'],
    [() => driftDetector(ph, { on: '' }), "driftDetector: on must be 'loss', a metric name or a function of the batchEnd event, found "],
    [() => driftDetector(ph, { name: '' }), 'driftDetector: name must be a non-empty string, found '],
  ])('bad options are refused when the callback is created (%#)', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('driftDetector in an online training run', () => {
  test('on a SEA stream whose concept changes at sample 2000, ADWIN over the rising 0/1 errors fires only after the change', async () => {
    // θ = 7 then 13: half of the points change class at the drift. Features centred to [-1, 1].
    const train = sea({ thresholds: [7, 13], driftAt: [2000], count: 2400, noise: 0.1, seed: 1 }).pipe(
      map((s) => ({ x: add(mul(s.x, 0.2), -1), y: s.y })),
      batch(1),
    );
    const model = sequential([dense(2)], { inputShape: [3], seed: 0 });
    const optimizer = sgd(model, { lr: 0.01 });
    const events = await lastValueFrom(
      fit({ model, loss: crossEntropy, optimizer, train, epochs: 1, metrics: ['accuracy'] }).pipe(
        // 'increase': the error rate falling while the model learns is no alarm.
        driftDetector(() => new Adwin({ direction: 'increase' }), { on: (e) => 1 - e.logs.accuracy }),
        toArray(),
      ),
    );
    const drifts = events.filter((e): e is TrainDriftEvent => e.type === 'drift');
    expect(drifts.length).toBeGreaterThan(0);
    expect(drifts.every((d) => d.batch >= 2000)).toBe(true);
    expect(drifts[0].batch - 2000).toBeLessThan(150); // measured: 47
  });
});
