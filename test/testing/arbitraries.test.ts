import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import { broadcastShapes } from '../../src/ops/index.js';
import { convOutputSize } from '../../src/ops/conv-output-size.js';
import {
  arbBroadcastShapes,
  arbConv2dConfig,
  arbPool2dConfig,
  arbShape,
  arbTensor,
} from '../../src/testing/index.js';

const runs = { numRuns: 100 };

describe('arbitraries', () => {
  test.prop([arbShape({ rank: [1, 3], dim: [2, 5] })], runs)('arbShape respects the rank and dimension ranges', (s) => {
    expect(s.length).toBeGreaterThanOrEqual(1);
    expect(s.length).toBeLessThanOrEqual(3);
    for (const d of s) expect(d >= 2 && d <= 5).toBe(true);
  });

  test.prop([arbTensor({ min: -1, max: 1, awayFrom: [0], margin: 0.1 })], runs)(
    'arbTensor with awayFrom keeps every value at least margin from the kink',
    (x) => {
      for (const v of x.data) expect(Math.abs(v)).toBeGreaterThanOrEqual(0.1 - 1e-6);
    },
  );

  test.prop([arbTensor({ rank: [1, 3], distinct: 0.05 })], runs)('arbTensor with distinct gives values at least that far apart', (x) => {
    const sorted = Array.from(x.data).sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThan(0.05 - 1e-6);
  });

  test.prop([arbBroadcastShapes({ rank: [0, 4] })], runs)('arbBroadcastShapes pairs always broadcast', ([a, b]) => {
    expect(() => broadcastShapes('test', a, b)).not.toThrow();
  });

  test.prop([arbConv2dConfig()], runs)('arbConv2dConfig configurations are valid and state their output shape', (c) => {
    expect(c.input[1]).toBe(c.weight[1]);
    for (const i of [0, 1]) {
      const out = convOutputSize('conv2d', 'h', {
        size: c.input[2 + i],
        kernel: c.weight[2 + i],
        stride: c.stride[i],
        padding: c.padding[i],
        dilation: c.dilation[i],
      });
      expect(out).toBe(c.output[2 + i]);
    }
  });

  test.prop([arbPool2dConfig()], runs)('arbPool2dConfig keeps padding at most half the window', (c) => {
    for (const i of [0, 1]) expect(2 * c.padding[i]).toBeLessThanOrEqual(c.kernelSize[i]);
  });
});
