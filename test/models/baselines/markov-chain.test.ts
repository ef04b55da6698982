import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { markovChain } from '../../../src/models/baselines/markov-chain.js';

describe('markovChain: worked example (states 0 0 1 0 1 1)', () => {
  const chain = markovChain({ states: 2 }).update([0, 0, 1, 0, 1, 1]);

  test('counts: c00 = 1, c01 = 2, c10 = 1, c11 = 1', () => {
    expect(chain.counts()).toEqual([[1, 2], [1, 1]]);
  });

  test('transition matrix P = [[1/3, 2/3], [1/2, 1/2]]; add-1 gives [[2/5, 3/5], [2/4, 2/4]]', () => {
    const P = chain.transitionMatrix();
    expect(P[0][0]).toBeCloseTo(1 / 3, 15);
    expect(P[0][1]).toBeCloseTo(2 / 3, 15);
    expect(P[1]).toEqual([0.5, 0.5]);
    expect(chain.transitionMatrix({ smoothing: 1 })).toEqual([[2 / 5, 3 / 5], [0.5, 0.5]]);
  });

  test('stationary distribution π = [3/7, 4/7]', () => {
    const pi = chain.stationaryDistribution();
    expect(pi[0]).toBeCloseTo(3 / 7, 14);
    expect(pi[1]).toBeCloseTo(4 / 7, 14);
  });

  test('log-likelihood of 0 1 1 = log(2/3) + log(1/2)', () => {
    expect(chain.logLikelihood([0, 1, 1])).toBeCloseTo(Math.log(2 / 3) + Math.log(1 / 2), 14);
  });
});

describe('markovChain: laws', () => {
  const caseArb = fc.integer({ min: 1, max: 6 }).chain((states) =>
    fc.record({ states: fc.constant(states), path: fc.array(fc.nat(states - 1), { maxLength: 60 }), smoothing: fc.double({ min: 0.01, max: 2, noNaN: true }) }),
  );

  test.prop([caseArb], { numRuns: 100 })('the transition matrix is row-stochastic', ({ states, path }) => {
    const P = markovChain({ states }).update(path).transitionMatrix();
    for (const row of P) {
      expect(row.every((p) => p >= 0)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  test.prop([caseArb], { numRuns: 100 })('the stationary distribution satisfies πP = π and sums to 1', ({ states, path, smoothing }) => {
    const chain = markovChain({ states }).update(path);
    const P = chain.transitionMatrix({ smoothing });
    const pi = chain.stationaryDistribution({ smoothing });
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let j = 0; j < states; j++) {
      const piP = pi.reduce((sum, p, i) => sum + p * P[i][j], 0);
      expect(piP).toBeCloseTo(pi[j], 12);
    }
  });

  test('a long sample visits the states in proportion to π, and the same seed gives the same path', () => {
    const chain = markovChain({ states: 3 }).update([0, 1, 1, 2, 0, 0, 2, 1, 0, 2, 2, 1, 0]);
    const pi = chain.stationaryDistribution();
    const n = 20_000;
    const path = chain.sample(n, { seed: 4 });
    expect(path).toHaveLength(n);
    for (let s = 0; s < 3; s++) expect(Math.abs(path.filter((x) => x === s).length / n - pi[s])).toBeLessThan(0.02);
    expect(chain.sample(50, { seed: 9, start: 2 })).toEqual(chain.sample(50, { seed: 9, start: 2 }));
    expect(chain.sample(50, { seed: 9, start: 2 })[0]).toBe(2);
  });

  test('transitions never seen from a state give it a uniform row; sequences continue across updates unless ended', () => {
    const chain = markovChain({ states: 3 }).update([0, 1]).update([0]);
    expect(chain.counts()[1]).toEqual([1, 0, 0]);
    expect(chain.transitionMatrix()[2]).toEqual([1 / 3, 1 / 3, 1 / 3]);
    const ended = markovChain({ states: 3 }).update([0, 1]).endSequence().update([0]);
    expect(ended.counts()[1]).toEqual([0, 0, 0]);
  });
});

describe('markovChain: errors', () => {
  test('bad options and states are named; a chain with two closed classes has no unique π', () => {
    expect(() => markovChain({ states: 0 })).toThrow('markovChain: states must be an integer >= 1, found 0');
    expect(() => markovChain({ states: 2 }).update([0, 2])).toThrow('markovChain: update: state 1 is 2, expected an integer in [0, 2)');
    expect(() => markovChain({ states: 2 }).transitionMatrix({ smoothing: -1 })).toThrow('markovChain: smoothing must be a finite number >= 0, found -1');
    const split = markovChain({ states: 2 }).update([0, 0]).endSequence().update([1, 1]);
    expect(() => split.stationaryDistribution()).toThrow('markovChain: the stationary distribution is not unique (the chain has more than one closed class of states)');
  });
});
