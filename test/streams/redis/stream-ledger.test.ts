import { describe, expect, test } from 'vitest';
import { test as propTest } from '@fast-check/vitest';
import fc from 'fast-check';
import { StreamLedger, type TrainedCount } from '../../../src/streams/redis/stream-ledger.js';

const at = (epoch: number | undefined, samples: number): TrainedCount => ({ epoch, samples, describe: () => `trained ${samples} samples of epoch ${String(epoch)}` });

/** Increasing stream ids after `1000-0`. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => `${1001 + i}-0`);

describe('StreamLedger', () => {
  propTest.prop([fc.integer({ min: 1, max: 60 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean()], { numRuns: 100 })(
    'for any counts trained in order, the last applied id is that of the last trained sample, and applied counts on from the resumed checkpoint',
    (n, rawCounts, resumed) => {
      const ledger = new StreamLedger(null);
      ledger.tracking = true;
      if (resumed) ledger.resumeFrom('test', { lastId: '1000-0', applied: 500 });
      ledger.openEpoch(0);
      const emitted = ids(n);
      for (const id of emitted) ledger.emitted(id);
      const counts = rawCounts.map((c) => c % (n + 1)).sort((a, b) => a - b);
      const base = resumed ? 500 : 0;
      for (const count of counts) {
        expect(ledger.appliedAt('test', at(0, count))).toEqual({ lastId: count === 0 ? (resumed ? '1000-0' : null) : emitted[count - 1], applied: base + count });
        ledger.trained('test', at(0, count));
      }
    },
  );

  test('a new subscription (the next epoch) starts from everything the previous one emitted', () => {
    const ledger = new StreamLedger(null);
    ledger.tracking = true;
    ledger.openEpoch(0);
    for (const id of ids(3)) ledger.emitted(id);
    ledger.openEpoch(1);
    ledger.emitted('2000-0');
    expect(ledger.appliedAt('test', at(1, 0))).toEqual({ lastId: '1003-0', applied: 3 });
    expect(ledger.appliedAt('test', at(1, 1))).toEqual({ lastId: '2000-0', applied: 4 });
  });

  test('more samples trained than emitted is an error that names what trained them and what the source emitted', () => {
    const ledger = new StreamLedger(null);
    ledger.tracking = true;
    ledger.openEpoch(0);
    for (const id of ids(2)) ledger.emitted(id);
    expect(() => ledger.appliedAt('ackOnCheckpoint', at(0, 3))).toThrow(/ackOnCheckpoint: trained 3 samples of epoch 0 but the source emitted 2; the samples must reach training in the order/);
  });

  test('a resumed checkpoint whose entries the source emitted already is refused, naming both ids', () => {
    const ledger = new StreamLedger(null);
    ledger.openEpoch(0);
    ledger.emitted('999-0');
    expect(() => ledger.resumeFrom('ackOnCheckpoint', { lastId: '1000-0', applied: 1 })).toThrow(/emitted entry 999-0 before it learned .* through 1000-0/);
  });
});
