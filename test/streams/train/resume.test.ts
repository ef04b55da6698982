import { describe, expect, test } from 'vitest';
import { filter, lastValueFrom, take, tap, toArray } from 'rxjs';
import { Rng, randn, tensor, type Tensor } from '../../../src/ops/index.js';
import { sequential, dense, relu, dropout, crossEntropy, adam, type Layer } from '../../../src/models/index.js';
import { fromPull } from '../../../src/streams/sources/pull.js';
import { currentEpoch } from '../../../src/streams/epoch-context.js';
import { fit, type FitPosition, type TrainEvent } from '../../../src/streams/train/index.js';

/** Ten batches per epoch whose order depends on the epoch fit runs (as a seeded shuffle's would). */
const data = fromPull(function* () {
  const epoch = currentEpoch() ?? 0;
  const rng = new Rng(1000 + epoch);
  for (let i = 0; i < 10; i++) {
    const x = randn([4, 3], rng);
    const y = tensor(Array.from({ length: 4 }, () => rng.int(2)));
    yield { x, y, size: 4 };
  }
});

const build = () => sequential([dense(6), relu(), dropout(0.3), dense(2)], { inputShape: [3], seed: 7 });
const weights = (model: Layer) => model.parameters().map((p) => Array.from(p.data));

describe('resuming fit from a saved position', () => {
  test('a run stopped mid-epoch and resumed from its snapshot ends with the same weights and logs as an uninterrupted run', async () => {
    const full = build();
    const fullOpt = adam(full, { lr: 0.01 });
    const fullLogs = await lastValueFrom(fit({ model: full, loss: crossEntropy, optimizer: fullOpt, train: data, epochs: 3, metrics: ['accuracy'] }).pipe(
      filter((e) => e.type === 'epochEnd'), toArray()));

    // Interrupted at step 14 (epoch 1, batch 4): snapshot everything a checkpoint holds.
    const first = build();
    const firstOpt = adam(first, { lr: 0.01 });
    let snapshot: { position: FitPosition; callbackState: Record<string, unknown>; weights: Record<string, Float32Array>; optimizer: ReturnType<typeof firstOpt.state>; random: ReturnType<typeof first.randomState> } | null = null;
    await lastValueFrom(fit({ model: first, loss: crossEntropy, optimizer: firstOpt, train: data, epochs: 3, metrics: ['accuracy'] }).pipe(
      tap((e: TrainEvent) => {
        if (e.type === 'batchEnd' && e.step === 14) {
          snapshot = {
            position: e.context.position(),
            callbackState: structuredClone(e.context.callbackState),
            weights: Object.fromEntries(Object.entries(first.stateDict()).map(([k, t]) => [k, t.data.slice()])),
            optimizer: firstOpt.state(),
            random: first.randomState(),
          };
        }
      }),
      filter((e) => e.type === 'batchEnd' && e.step === 14), take(1)));
    expect(snapshot!.position).toMatchObject({ epoch: 1, batch: 4 });

    // A fresh process: new model and optimizer, state loaded, run continued.
    const resumed = build();
    const resumedOpt = adam(resumed, { lr: 0.5 });
    const s = snapshot!;
    resumed.loadStateDict(Object.fromEntries(Object.entries(s.weights).map(([k, d]) => [k, tensorOf(d, resumed.stateDict()[k])])));
    resumedOpt.loadState(s.optimizer);
    resumed.loadRandomState(s.random);
    const resumedLogs = await lastValueFrom(fit({ model: resumed, loss: crossEntropy, optimizer: resumedOpt, train: data, epochs: 3, metrics: ['accuracy'], resume: { position: s.position, callbackState: s.callbackState } }).pipe(
      filter((e) => e.type === 'epochEnd'), toArray()));

    expect(weights(resumed)).toEqual(weights(full));
    expect(resumedLogs.map((e) => e.logs)).toEqual(fullLogs.slice(1).map((e) => e.logs));
    expect(resumedOpt.stepCount).toBe(fullOpt.stepCount);
  });
});

function tensorOf(data: Float32Array, like: Tensor): Tensor {
  return tensor(data, [...like.shape]);
}
