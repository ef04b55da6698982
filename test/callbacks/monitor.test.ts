import { describe, expect, test } from 'vitest';
import { dense, sequential, sgd } from '../../src/models/index.js';
import type { TrainContext } from '../../src/streams/index.js';
import { claimState, fmtNumber, isImprovement, readMonitored, releaseState, resolveMode } from '../../src/callbacks/monitor.js';

const context = (callbackState: Record<string, unknown> = {}): TrainContext => {
  const model = sequential([dense(1)], { inputShape: [1], seed: 1 });
  return { model, optimizer: sgd(model, { lr: 0.1 }), callbackState, position: () => ({ epoch: 0, batch: 0, lossSum: 0, samples: 0, metrics: {} }) } as TrainContext;
};
const isCount = (v: unknown): v is { count: number } => typeof v === 'object' && v !== null && typeof (v as { count: unknown }).count === 'number';

describe("resolveMode: Keras' auto rule", () => {
  test.each([
    ['val_accuracy', 'max'], ['accuracy', 'max'], ['acc', 'max'], ['val_acc', 'max'], ['val_auc', 'max'],
    ['precision', 'max'], ['val_recall', 'max'], ['f1', 'max'], ['val_F1', 'max'],
    ['loss', 'min'], ['val_loss', 'min'], ['mse', 'min'], ['val_perplexity', 'min'], ['mae', 'min'],
  ] as const)("'%s' is '%s'", (name, mode) => {
    expect(resolveMode(name, 'auto')).toBe(mode);
  });

  test('an explicit mode wins over the name', () => {
    expect(resolveMode('val_accuracy', 'min')).toBe('min');
    expect(resolveMode('val_loss', 'max')).toBe('max');
  });
});

describe('isImprovement: minDelta is an absolute change', () => {
  test("'min': current + minDelta < best", () => {
    expect(isImprovement(0.9, 1, 0, 'min')).toBe(true);
    expect(isImprovement(1, 1, 0, 'min')).toBe(false);
    expect(isImprovement(0.95, 1, 0.1, 'min')).toBe(false);
    expect(isImprovement(0.85, 1, 0.1, 'min')).toBe(true);
  });

  test("'max': current − minDelta > best", () => {
    expect(isImprovement(1.1, 1, 0, 'max')).toBe(true);
    expect(isImprovement(1.05, 1, 0.1, 'max')).toBe(false);
    expect(isImprovement(1.15, 1, 0.1, 'max')).toBe(true);
  });

  test('no best yet: any finite value improves; NaN never does', () => {
    expect(isImprovement(1e30, null, 0, 'min')).toBe(true);
    expect(isImprovement(-1e30, null, 0, 'max')).toBe(true);
    expect(isImprovement(Number.NaN, null, 0, 'min')).toBe(false);
    expect(isImprovement(Number.NaN, 1, 0, 'max')).toBe(false);
  });
});

describe('readMonitored', () => {
  test('returns the value, or errors naming the key and the keys found', () => {
    expect(readMonitored('cb', 'loss', { loss: 0.5 })).toBe(0.5);
    expect(() => readMonitored('cb', 'val_loss', {})).toThrow('cb: the monitored value "val_loss" is not in the epoch logs (found: none); val_* values need validation data in fit');
    expect(() => readMonitored('cb', 'f1', { loss: 1, accuracy: 0.5 })).toThrow('cb: the monitored value "f1" is not in the epoch logs (found: loss, accuracy)');
  });
});

describe('claimState', () => {
  test('creates fresh state in callbackState, or adopts saved state', () => {
    const fresh = context();
    const state = claimState('cb', 'cb', fresh, {}, () => ({ count: 0 }), isCount);
    state.count = 3;
    expect(fresh.callbackState).toEqual({ cb: { count: 3 } });
    const resumed = context(JSON.parse(JSON.stringify(fresh.callbackState)));
    expect(claimState('cb', 'cb', resumed, {}, () => ({ count: 0 }), isCount).count).toBe(3);
  });

  test('the holder mark is invisible to JSON and structuredClone, and released at the end', () => {
    const ctx = context();
    const holder = {};
    const state = claimState('cb', 'cb', ctx, holder, () => ({ count: 1 }), isCount);
    expect(JSON.stringify(ctx.callbackState)).toBe('{"cb":{"count":1}}');
    expect(structuredClone(ctx.callbackState)).toEqual({ cb: { count: 1 } });
    expect(() => claimState('cb', 'cb', ctx, {}, () => ({ count: 0 }), isCount)).toThrow(
      'cb: two running callbacks keep state under the name "cb"; give each a distinct name option',
    );
    releaseState(state, holder);
    expect(claimState('cb', 'cb', ctx, {}, () => ({ count: 0 }), isCount)).toBe(state);
  });

  test('rejects saved state of the wrong shape', () => {
    expect(() => claimState('cb', 'cb', context({ cb: [1] }), {}, () => ({ count: 0 }), isCount)).toThrow('cb: callbackState["cb"] is not cb state, found [1]');
  });
});

describe('fmtNumber', () => {
  test('four significant digits, no trailing zeros', () => {
    expect([0.0712, 0.07123456, 1, 1e-7, 123456, Number.NaN].map(fmtNumber)).toEqual(['0.0712', '0.07123', '1', '1e-7', '123500', 'NaN']);
  });
});
