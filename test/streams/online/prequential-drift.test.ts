import { describe, expect, test } from 'vitest';
import { type DriftSetup, defaultSetup, handlings, measureRecovery, median } from '../../../bench/prequential-drift.js';

/**
 * The prequential drift experiment of bench/prequential-drift.ts, smaller: a rotating
 * hyperplane that changes abruptly at t0 (a new plane, positive side reversed), learned
 * test-then-train, with and without drift handling (Page-Hinkley on the batch loss, then the
 * learning rate ×10 for 50 steps). Measured with `npx tsx bench/prequential-drift.ts` on 5
 * seeds (t0 6000): median recovery 4570 samples without handling; with it 950 (Page-Hinkley),
 * 880 (ADWIN), 1220 (DDM on the error rate); median detection delays 70, 160 and 510 samples.
 */
const setup: DriftSetup = { ...defaultSetup, t0: 3000, samples: 9000 };
const seeds = [1, 2, 3];
const none = handlings.find((h) => h.name === 'none')!;
const handled = handlings.find((h) => h.name === 'pageHinkley + boost lr')!;

describe('prequential learning through an abrupt change of the rotating hyperplane', () => {
  test('the windowed accuracy drops at the change and recovers; with drift handling it recovers faster than without', async () => {
    const without = await Promise.all(seeds.map((seed) => measureRecovery(setup, none, seed)));
    const withHandling = await Promise.all(seeds.map((seed) => measureRecovery(setup, handled, seed)));
    const report = JSON.stringify({ without, withHandling });
    for (const run of [...without, ...withHandling]) {
      expect(run.pre, report).toBeGreaterThan(0.7);
      expect(run.min, report).toBeLessThan(run.pre - 0.3);
    }
    for (const run of withHandling) {
      expect(run.recovery, report).not.toBeNull();
      expect(run.drifts.filter((s) => s < setup.t0), report).toEqual([]);
      const detected = run.drifts.find((s) => s >= setup.t0);
      expect(detected, report).toBeDefined();
      expect(detected! - setup.t0, report).toBeLessThan(500);
    }
    expect(median(withHandling.map((r) => r.recovery))!, report).toBeLessThan(median(without.map((r) => r.recovery)) ?? Infinity);
  }, 60_000);
});
