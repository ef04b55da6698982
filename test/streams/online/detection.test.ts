import { describe, expect, test } from 'vitest';
import { cases, measure } from '../../../bench/drift-detection.js';

/**
 * The detectors on streams with one change point at t = 1000 (bench/drift-detection.ts runs
 * the same on 200 seeds: `npx tsx bench/drift-detection.ts`). Here 30 seeds, with bounds a
 * little looser than measured. Measured on 30 seeds / 200 seeds:
 *
 * | detector, options          | stream              | false-alarm rate | delay median | delay p95 |
 * | ddm defaults               | bernoulli 0.1 → 0.5 | 0.37 / 0.37      | 42 / 42      | 188 / 148 |
 * | ddm minInstances 200       | bernoulli 0.1 → 0.5 | 0.17 / 0.08      | 40 / 40      | 69 / 74   |
 * | adwin defaults             | bernoulli 0.1 → 0.5 | 0 / 0            | 55 / 55      | 87 / 55   |
 * | pageHinkley defaults       | bernoulli 0.1 → 0.5 | 0 / 0            | 123 / 122    | 143 / 147 |
 * | adwin defaults             | N(0,1) → N(1,1)     | 0 / 0            | 55 / 55      | 87 / 55   |
 * | pageHinkley defaults       | N(0,1) → N(1,1)     | 0.2 / 0.215      | 37 / 37      | 75 / 64   |
 * | pageHinkley lambda 100     | N(0,1) → N(1,1)     | 0 / 0.005        | 83 / 82      | 130 / 113 |
 *
 * The false-alarm rate is the fraction of runs with a drift signalled on the stationary
 * prefix (1000 values); the delay counts values after the change until the first signal.
 */
const bounds: Record<string, { falseAlarmRate: number; detectionRate: number; delayMedian: number; delayP95: number }> = {
  'ddm defaults bernoulli': { falseAlarmRate: 0.5, detectionRate: 1, delayMedian: 60, delayP95: 220 },
  'ddm minInstances 200 bernoulli': { falseAlarmRate: 0.25, detectionRate: 1, delayMedian: 55, delayP95: 90 },
  'adwin defaults bernoulli': { falseAlarmRate: 0.05, detectionRate: 1, delayMedian: 64, delayP95: 100 },
  'pageHinkley defaults bernoulli': { falseAlarmRate: 0.05, detectionRate: 1, delayMedian: 140, delayP95: 165 },
  'adwin defaults gaussian': { falseAlarmRate: 0.05, detectionRate: 1, delayMedian: 64, delayP95: 100 },
  'pageHinkley defaults gaussian': { falseAlarmRate: 0.3, detectionRate: 0.95, delayMedian: 50, delayP95: 90 },
  'pageHinkley lambda 100 gaussian': { falseAlarmRate: 0.05, detectionRate: 1, delayMedian: 100, delayP95: 150 },
};

describe('detection delay and false alarms over 30 seeds', () => {
  test.each(cases.map((c) => [`${c.detector} ${c.options} ${c.stream.name.split(' ')[0]}`, c] as const))('%s', (key, c) => {
    const bound = bounds[key];
    expect(bound, `no bounds for ${key}`).toBeDefined();
    const figures = measure(c.create, c.stream, 30);
    expect(figures.falseAlarmRate).toBeLessThanOrEqual(bound.falseAlarmRate);
    expect(figures.detectionRate).toBeGreaterThanOrEqual(bound.detectionRate);
    expect(figures.delayMedian).toBeGreaterThanOrEqual(0);
    expect(figures.delayMedian).toBeLessThanOrEqual(bound.delayMedian);
    expect(figures.delayP95).toBeLessThanOrEqual(bound.delayP95);
  });
});
