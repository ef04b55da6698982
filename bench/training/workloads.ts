/**
 * The workloads of the training benchmark, shared by every library's runner so they build the
 * same networks with the same hyperparameters, and the command line every runner takes.
 */
import { parseArgs } from 'node:util';
import { ArgumentError } from '../../src/ops/index.js';

/** The measurements: training throughput of three networks, inference throughput of two. */
export const BENCHES = ['train-mlp', 'train-cnn', 'train-lstm', 'infer-mlp', 'infer-cnn'] as const;
/** One measurement's name, as printed in the `bench` field. */
export type Bench = (typeof BENCHES)[number];

/** Training batch size of the MNIST networks. */
export const MNIST_BATCH = 64;
/** Batch size of the inference runs (a forward pass only, no gradient); 8,000 = 32 · 250. */
export const INFER_BATCH = 250;
/** Adam's learning rate everywhere (β₁ 0.9, β₂ 0.999 are every library's defaults). */
export const ADAM_LR = 1e-3;
/** ConvNetJS has no Adam: SGD with momentum, mean gradient over the batch. */
export const SGD = { lr: 0.01, momentum: 0.9 } as const;

/** The character-level LSTM workload: one-hot inputs, next-character targets at every step. */
export const LSTM = { vocab: 64, units: 256, batch: 32, seqLen: 64, seed: 7 } as const;

/** MLP 784-128-64-10 with ReLU. */
export const MLP_LAYERS = [128, 64, 10] as const;

/** LeNet-style CNN: conv 8@5×5 pad 2, relu, pool 2, conv 16@5×5, relu, pool 2, dense 10. */
export const CNN = { conv1: 8, conv2: 16, kernel: 5, pad1: 2, pool: 2, classes: 10 } as const;

/** What a runner was asked to do. */
export interface RunOptions {
  readonly bench: Bench;
  /** Batches run before timing starts (JIT warm-up, lazy allocation). */
  readonly warmup: number;
  /** Batches timed; for the MNIST workloads, `null` means one full epoch. */
  readonly batches: number | null;
  /** A library-specific variant: the tfjs backend, or streamgrad's training loop. */
  readonly variant: string | null;
}

/**
 * Parses `<bench> [--warmup N] [--batches N] [--variant NAME]`. `--batches` defaults to a full
 * epoch; `--warmup` defaults to a full epoch too, `--variant` to the library's default.
 * @throws ArgumentError for an unknown bench or a count that is not a positive integer.
 */
export function parseRunOptions(argv: readonly string[], variants: readonly string[]): RunOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { warmup: { type: 'string' }, batches: { type: 'string' }, variant: { type: 'string' } },
  });
  const bench = positionals[0];
  if (!BENCHES.includes(bench as Bench)) {
    throw new ArgumentError(`bench: expected one of ${BENCHES.join(', ')}, found ${JSON.stringify(bench)}`);
  }
  const variant = values.variant ?? null;
  if (variant !== null && !variants.includes(variant)) {
    throw new ArgumentError(`bench: --variant must be one of ${variants.join(', ')}, found ${JSON.stringify(variant)}`);
  }
  return {
    bench: bench as Bench,
    warmup: values.warmup === undefined ? epochBatches(bench as Bench) : count('--warmup', values.warmup, 0),
    batches: values.batches === undefined ? null : count('--batches', values.batches, 1),
    variant,
  };
}

/** Batches in one epoch of the 8,000 training digits (the LSTM data has no epochs: 10 batches). */
export function epochBatches(bench: Bench): number {
  if (bench === 'train-lstm') return 10;
  return Math.ceil(8000 / (bench.startsWith('infer') ? INFER_BATCH : MNIST_BATCH));
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    throw new ArgumentError(`bench: ${name} must be an integer >= ${min}, found ${JSON.stringify(text)}`);
  }
  return n;
}
