/**
 * Which (library, bench) runs the training benchmark makes, with how many warm-up and timed
 * batches each, and which ratios it reports. Fast runs time a full epoch after a warm-up epoch;
 * slow peers run a fixed, shorter number of batches (their lines say how many in `params`).
 */
import type { Library } from './measure.js';
import type { Bench } from './workloads.js';

/** One child process: a runner script, its bench and its batch counts. */
export interface Run {
  readonly library: Library;
  readonly bench: Bench;
  readonly script: string;
  readonly warmup: number;
  readonly batches: number;
  readonly variant?: string;
}

/** A ratio line: `numerator`'s rate over `denominator`'s, with the target if it has one. */
export interface Ratio {
  readonly bench: Bench;
  readonly numerator: Library;
  readonly denominator: Library;
  readonly target: number | null;
}

const SG = 'bench/training/streamgrad.ts';
const TF = 'bench/training/tfjs.ts';
const CN = 'bench/training/convnetjs.ts';

const streamgrad = (bench: Bench, warmup: number, batches: number, variant?: 'trainStep' | 'loop'): Run => ({ library: 'streamgrad', bench, script: SG, warmup, batches, variant });
const tfjs = (backend: 'wasm' | 'cpu', bench: Bench, warmup: number, batches: number): Run => ({ library: `tfjs-${backend}`, bench, script: TF, warmup, batches, variant: backend });
const convnetjs = (bench: Bench, warmup: number, batches: number): Run => ({ library: 'convnetjs', bench, script: CN, warmup, batches });

/**
 * Every run, in order. An MNIST epoch is 125 training batches of 64 or 32 inference batches
 * of 250; an LSTM batch is 32 sequences of 64 characters.
 */
export const RUNS: readonly Run[] = [
  streamgrad('train-mlp', 125, 125, 'trainStep'),
  streamgrad('train-mlp', 125, 125, 'loop'),
  tfjs('wasm', 'train-mlp', 125, 125),
  tfjs('cpu', 'train-mlp', 20, 125),
  convnetjs('train-mlp', 20, 125),

  streamgrad('train-cnn', 10, 125, 'trainStep'),
  streamgrad('train-cnn', 10, 125, 'loop'),
  tfjs('wasm', 'train-cnn', 1, 1),
  tfjs('cpu', 'train-cnn', 1, 2),
  convnetjs('train-cnn', 10, 125),

  streamgrad('train-lstm', 2, 10, 'trainStep'),
  streamgrad('train-lstm', 2, 10, 'loop'),
  tfjs('wasm', 'train-lstm', 1, 3),
  tfjs('cpu', 'train-lstm', 0, 1),

  streamgrad('infer-mlp', 32, 32),
  tfjs('wasm', 'infer-mlp', 32, 32),
  tfjs('cpu', 'infer-mlp', 8, 32),
  convnetjs('infer-mlp', 8, 32),

  streamgrad('infer-cnn', 8, 32),
  tfjs('wasm', 'infer-cnn', 8, 32),
  tfjs('cpu', 'infer-cnn', 1, 8),
  convnetjs('infer-cnn', 2, 8),
];

/** The ratios printed at the end: streamgrad over each peer that ran the workload. */
export const RATIOS: readonly Ratio[] = [
  { bench: 'train-mlp', numerator: 'streamgrad', denominator: 'tfjs-wasm', target: 2 },
  { bench: 'train-mlp', numerator: 'streamgrad', denominator: 'tfjs-cpu', target: null },
  { bench: 'train-mlp', numerator: 'streamgrad', denominator: 'convnetjs', target: null },
  { bench: 'train-cnn', numerator: 'streamgrad', denominator: 'convnetjs', target: 10 },
  { bench: 'train-cnn', numerator: 'streamgrad', denominator: 'tfjs-cpu', target: null },
  { bench: 'train-lstm', numerator: 'streamgrad', denominator: 'tfjs-wasm', target: 10 },
  { bench: 'train-lstm', numerator: 'streamgrad', denominator: 'tfjs-cpu', target: null },
  { bench: 'infer-mlp', numerator: 'streamgrad', denominator: 'tfjs-wasm', target: null },
  { bench: 'infer-mlp', numerator: 'streamgrad', denominator: 'tfjs-cpu', target: null },
  { bench: 'infer-mlp', numerator: 'streamgrad', denominator: 'convnetjs', target: null },
  { bench: 'infer-cnn', numerator: 'streamgrad', denominator: 'tfjs-wasm', target: null },
  { bench: 'infer-cnn', numerator: 'streamgrad', denominator: 'tfjs-cpu', target: null },
  { bench: 'infer-cnn', numerator: 'streamgrad', denominator: 'convnetjs', target: null },
];
