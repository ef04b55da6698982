import { describe, expect, test } from 'vitest';
import { from, lastValueFrom, take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Rng, Tensor, deriveSeed, tensor } from '../../../src/ops/index.js';
import { type Layer, adam, dense, relu, sequential, sgd, model as functional, type Optimizer } from '../../../src/models/index.js';
import type { BatchEndEvent, TrainContext, TrainEvent } from '../../../src/streams/train/events.js';
import type { TrainDriftEvent } from '../../../src/streams/online/drift.js';
import { type DriftTrainEvent, boostLearningRate, onDrift, reinitialize, resetOptimizer } from '../../../src/streams/online/on-drift.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A real tiny model and optimizer, and factories for hand-built events. */
function run(makeOptimizer: (net: Layer) => Optimizer = (net) => sgd(net, { lr: 0.1 })) {
  const head = dense(2);
  const net = sequential([dense(4), relu(), head], { inputShape: [3], seed: 1 });
  const optimizer = makeOptimizer(net);
  const context = {
    model: net, optimizer, callbackState: {},
    position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }),
  } as TrainContext;
  let step = 0;
  const batchEnd = (): BatchEndEvent => {
    step += 1;
    return { type: 'batchEnd', epoch: 0, batch: step - 1, step, context, loss: 1, size: 1, lr: optimizer.lr, logs: {} };
  };
  const drift = (): TrainDriftEvent => ({
    type: 'drift', detector: 'adwin', position: step - 1, statistic: 0.5, threshold: 0.3, epoch: 0, step, batch: step - 1, context, value: 1,
  });
  return { head, net, optimizer, context, batchEnd, drift };
}

/** One SGD-free training step by hand: gradients of sum(net(x)) on a fixed input. */
function trainStep(net: Layer, optimizer: Optimizer): void {
  optimizer.zeroGrad();
  for (const p of net.parameters()) p.grad = new Tensor(new Float32Array(p.size).fill(0.5), p.shape);
  optimizer.step();
}

describe('onDrift (marbles)', () => {
  test('passes every event on unchanged and calls the action once per drift event, with its context', () => {
    const r = run();
    const calls: [TrainDriftEvent, TrainContext][] = [];
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const v: Record<string, DriftTrainEvent> = { a: r.batchEnd(), b: r.batchEnd(), D: r.drift(), c: r.batchEnd() };
      const source = cold('a-b-D-c-|', v);
      expectObservable(source.pipe(onDrift((event, context) => void calls.push([event, context])))).toBe('a-b-D-c-|', v);
      expectSubscriptions(source.subscriptions).toBe('^-------!');
    });
    expect(calls).toHaveLength(1);
    expect(calls[0][0].type).toBe('drift');
    expect(calls[0][1]).toBe(r.context);
  });

  test('an action that throws errors the stream, naming the step', () => {
    const r = run();
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const v = { a: r.batchEnd(), D: r.drift() };
      const source = cold('a-D-a|', v);
      const failing = onDrift(() => {
        throw new Error('nope');
      });
      expectObservable(source.pipe(failing)).toBe('a-#', v, new Error('onDrift: the action failed on the drift at step 1 (epoch 0): nope'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  test('a follow-up sees the later events until it returns true, and gets end() if the stream stops first', async () => {
    const r = run();
    const seen: string[] = [];
    let ended = 0;
    const action = () => ({
      next: (e: DriftTrainEvent) => {
        seen.push(e.type);
        return seen.length === 2;
      },
      end: () => void (ended += 1),
    });
    await lastValueFrom(from([r.batchEnd(), r.drift(), r.batchEnd(), r.drift(), r.batchEnd()]).pipe(onDrift(action), toArray()));
    // The first follow-up sees batchEnd, drift (done); the second one, made at the second drift, sees batchEnd and is ended.
    expect(seen).toEqual(['batchEnd', 'drift', 'batchEnd']);
    expect(ended).toBe(1);
  });

  test('a non-function action is refused when the operator is created', () => {
    expect(() => onDrift('reset' as never)).toThrow('onDrift: expected an action (event, context) => void, found "reset"');
  });
});

describe('resetOptimizer', () => {
  test("drops Adam's moments and step buffers but keeps the rate, the hyperparameters and the run's step count", () => {
    const r = run((net) => adam(net, { lr: 0.01, beta1: 0.8 }));
    for (let i = 0; i < 3; i++) trainStep(r.net, r.optimizer);
    expect(Object.keys(r.optimizer.state().buffers).length).toBeGreaterThan(0);
    resetOptimizer()(r.drift(), r.context);
    const s = r.optimizer.state();
    expect(s).toMatchObject({ kind: 'adam', lr: 0.01, step: 3, buffers: {} });
    expect(s.hyper).toMatchObject({ beta1: 0.8 });
  });

  test('the next step is the step a freshly created optimizer would take', () => {
    const r = run((net) => adam(net, { lr: 0.01 }));
    for (let i = 0; i < 3; i++) trainStep(r.net, r.optimizer);
    const twin = sequential([dense(4), relu(), dense(2)], { inputShape: [3], seed: 1 });
    twin.loadStateDict(r.net.stateDict());
    const freshOptimizer = adam(twin, { lr: 0.01 });
    resetOptimizer()(r.drift(), r.context);
    trainStep(r.net, r.optimizer);
    trainStep(twin, freshOptimizer);
    for (const [name, p] of Object.entries(r.net.stateDict())) expect(Array.from(p.data), name).toEqual(Array.from(twin.stateDict()[name].data));
  });
});

describe('boostLearningRate', () => {
  /** The optimizer's rate after each event passes through onDrift(boost). */
  async function rates(r: ReturnType<typeof run>, events: DriftTrainEvent[], opts = { factor: 10, steps: 3 }, before?: (e: DriftTrainEvent, i: number) => void) {
    const out: number[] = [];
    let i = 0;
    await lastValueFrom(
      from(events).pipe(
        tap((e) => before?.(e, i++)),
        onDrift(boostLearningRate(opts)),
        tap(() => out.push(Number(r.optimizer.lr.toPrecision(6)))),
        toArray(),
      ),
    );
    return out;
  }

  test('multiplies the rate for the next `steps` steps after the drift, then gives it back', async () => {
    const r = run();
    const events = [r.batchEnd(), r.drift(), r.batchEnd(), r.batchEnd(), r.batchEnd(), r.batchEnd()];
    // after: b (0.1), D (boost: 1 for steps 2, 3, 4), b2, b3, b4 (restored after the 3rd step), b5
    expect(await rates(r, events)).toEqual([0.1, 1, 1, 1, 0.1, 0.1]);
  });

  test('a drift during a boost restarts the count without compounding the factor', async () => {
    const r = run();
    const events = [r.drift(), r.batchEnd(), r.batchEnd(), r.drift(), r.batchEnd(), r.batchEnd(), r.batchEnd(), r.batchEnd()];
    expect(await rates(r, events)).toEqual([1, 1, 1, 1, 1, 1, 0.1, 0.1]);
  });

  test('a rate set by another callback during the boost is boosted too, and is the one given back', async () => {
    const r = run();
    const events = [r.drift(), r.batchEnd(), r.batchEnd(), r.batchEnd(), r.batchEnd()];
    // A schedule sets the rate to 0.05 as the second batchEnd passes (before onDrift sees it).
    const schedule = (_e: DriftTrainEvent, i: number) => {
      if (i === 2) r.optimizer.lr = 0.05;
    };
    expect(await rates(r, events, { factor: 10, steps: 3 }, schedule)).toEqual([1, 1, 0.5, 0.05, 0.05]);
  });

  test('when the stream stops during a boost, the rate is given back', async () => {
    const r = run();
    await lastValueFrom(from([r.drift(), r.batchEnd(), r.batchEnd()]).pipe(onDrift(boostLearningRate({ factor: 4, steps: 10 })), take(2), toArray()));
    expect(r.optimizer.lr).toBe(0.1);
  });

  test.each([
    [{ factor: 0, steps: 3 }, 'boostLearningRate: factor must be a number > 0, found 0'],
    [{ factor: 2, steps: 0 }, 'boostLearningRate: steps must be an integer >= 1, found 0'],
    [null, 'boostLearningRate: expected options { factor, steps }, found null'],
  ])('%j is refused when the action is created', (opts, message) => {
    expect(() => boostLearningRate(opts as never)).toThrow(message);
  });
});

describe('reinitialize', () => {
  test("draws the layer's weights afresh with its own initializers from Rng(deriveSeed(seed, step)), in place", () => {
    const r = run((net) => adam(net, { lr: 0.01 }));
    for (let i = 0; i < 3; i++) trainStep(r.net, r.optimizer);
    const before = r.net.stateDict();
    const first = Array.from(before['0.weight'].data);
    const headWeight = r.head.stateDict().weight;
    const drift = r.drift();
    reinitialize(r.head, { seed: 3 })(drift, r.context);
    // The head is the last layer: glorotUniform weights and zero bias, as when the model was built.
    const expected = dense(2);
    expected.build([4], { rng: new Rng(deriveSeed(3, drift.step)) });
    expect(Array.from(r.head.stateDict().weight.data)).toEqual(Array.from(expected.stateDict().weight.data));
    expect(Array.from(r.head.stateDict().bias.data)).toEqual([0, 0]);
    expect(r.head.stateDict().weight).toBe(headWeight); // the same tensor: the optimizer still holds it
    expect(Array.from(r.net.stateDict()['0.weight'].data)).toEqual(first); // other layers untouched
  });

  test("drops the optimizer state of the layer's parameters only (unless resetOptimizerState is false)", () => {
    const r = run((net) => adam(net, { lr: 0.01 }));
    trainStep(r.net, r.optimizer);
    reinitialize(r.head)(r.drift(), r.context);
    const names = Object.keys(r.optimizer.state().buffers);
    // Parameters 0, 1 are the first dense layer's; 2, 3 the head's.
    expect(names.some((n) => n.startsWith('0.'))).toBe(true);
    expect(names.some((n) => n.startsWith('2.') || n.startsWith('3.'))).toBe(false);
    const kept = run((net) => adam(net, { lr: 0.01 }));
    trainStep(kept.net, kept.optimizer);
    reinitialize(kept.head, { resetOptimizerState: false })(kept.drift(), kept.context);
    expect(Object.keys(kept.optimizer.state().buffers).some((n) => n.startsWith('2.'))).toBe(true);
  });

  test('a layer followed by a ReLU in the model gets He initialization, as when the model was built; each step draws other weights', () => {
    const r = run();
    const hidden = r.net.layers[0];
    const at = (step: number) => {
      reinitialize(hidden, { seed: 1 })({ ...r.drift(), step }, r.context);
      return Array.from(hidden.stateDict().weight.data);
    };
    const expected = dense(4);
    expected.build([3], { rng: new Rng(deriveSeed(1, 7)), next: 'relu' });
    expect(at(7)).toEqual(Array.from(expected.stateDict().weight.data));
    expect(at(8)).not.toEqual(at(7));
  });

  test('refuses what it cannot rebuild: not a layer (at creation), an unbuilt layer and a functional model (when it runs)', () => {
    expect(() => reinitialize({} as never)).toThrow('reinitialize: expected a layer, found {}');
    const r = run();
    expect(() => reinitialize(dense(3))(r.drift(), r.context)).toThrow("reinitialize: dense is not built, so it has no weights to draw again");
    const f = functional({ a: dense(2) }, (x, l) => l.a.forward(x), { inputShape: [3] });
    expect(() => reinitialize(f)(r.drift(), r.context)).toThrow(/^reinitialize: cannot rebuild model from its toJSON\(\): fromJSON: unknown layer kind 'model'/);
  });
});

describe('onDrift in a training run', () => {
  test('a drift found by the loss boosts the rate of the following steps (batchEnd.lr)', async () => {
    const { fit } = await import('../../../src/streams/train/fit.js');
    const { driftDetector } = await import('../../../src/callbacks/drift-detector.js');
    const { PageHinkley } = await import('../../../src/streams/online/page-hinkley.js');
    const { mse } = await import('../../../src/models/index.js');
    const net = sequential([dense(1)], { inputShape: [1], seed: 0 });
    const optimizer = sgd(net, { lr: 0.01 });
    // y = 0 for 20 batches, then y = 5: the loss jumps at batch 20.
    const train = from(Array.from({ length: 30 }, (_, i) => ({ x: tensor([[1]]), y: tensor([[i < 20 ? 0 : 5]]), size: 1 })));
    const events = await lastValueFrom(
      fit({ model: net, loss: mse, optimizer, train, epochs: 1 }).pipe(
        driftDetector(() => new PageHinkley({ lambda: 5, minInstances: 5 })),
        onDrift(boostLearningRate({ factor: 3, steps: 2 })),
        toArray(),
      ),
    );
    const drifts = events.filter((e): e is TrainDriftEvent => e.type === 'drift');
    expect(drifts.length).toBeGreaterThanOrEqual(1);
    expect(drifts[0].batch).toBe(20);
    const lrs = (events.filter((e) => e.type === 'batchEnd') as BatchEndEvent[]).map((e) => Number(e.lr.toPrecision(6)));
    expect(lrs.slice(19, 24)).toEqual([0.01, 0.01, 0.03, 0.03, 0.01]);
  });
});

// Type-level: the operators compose with TrainEvent streams.
void ((s: import('rxjs').Observable<TrainEvent>) => s.pipe(onDrift(resetOptimizer())));
