import { describe, expect, test } from 'vitest';
import { crashExactlyOnce, seededRandom } from './fixtures/crash-harness.js';

describe('exactly-once under SIGKILL (real processes)', () => {
  test('5,000 entries, a learner killed 5 times at random moments (some inside checkpoint writes) and restarted: every entry applied once, nothing pending, no torn checkpoint, final weights equal an uninterrupted run', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const report = await crashExactlyOnce({
      total: 5000,
      kills: 5,
      kind: 'logistic',
      batchSize: 64,
      every: 2,
      perSecond: 1000,
      jitterMs: 30,
      random: seededRandom(seed),
    });
    const context = `seed ${seed}: ${JSON.stringify(report)}`;
    expect(report.kills.length, context).toBeGreaterThanOrEqual(5);
    expect(report.kills.some((k) => k.duringWrite), context).toBe(true);
    expect(report.exactlyOnce, context).toBe(true);
    expect(report.distinctApplied, context).toBe(5000);
    expect(report.pending, context).toBe(0);
    expect(report.tornCheckpoints, context).toEqual([]);
    expect(report.weightsEqualUninterrupted, context).toBe(true);
  }, 120_000);

  test('prequential (test-then-train) learner, 2,000 entries, killed 3 times and resumed mid-way with resumeSource continue: every entry applied once, nothing pending, no torn checkpoint, final weights equal an uninterrupted run', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const report = await crashExactlyOnce({
      total: 2000,
      kills: 3,
      kind: 'logistic',
      batchSize: 64,
      every: 2,
      perSecond: 1000,
      jitterMs: 30,
      random: seededRandom(seed),
      trainer: 'prequential',
    });
    const context = `seed ${seed}: ${JSON.stringify(report)}`;
    expect(report.kills.length, context).toBeGreaterThanOrEqual(3);
    expect(report.exactlyOnce, context).toBe(true);
    expect(report.distinctApplied, context).toBe(2000);
    expect(report.pending, context).toBe(0);
    expect(report.tornCheckpoints, context).toEqual([]);
    expect(report.weightsEqualUninterrupted, context).toBe(true);
  }, 120_000);
});
