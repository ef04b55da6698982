/**
 * The data every library trains on, built once per process from the same sources so all of
 * them see the same batches in the same order: the 8,000 training digits of streamgrad's
 * `mnist({ split: 'train' })` in the source's order (no shuffle), and a seeded stream of
 * characters for the LSTM.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { ArgumentError, Rng } from '../../src/ops/index.js';
import { mnist } from '../../src/streams/index.js';
import { LSTM } from './workloads.js';

const PIXELS = 784;
const CLASSES = 10;

/** The training digits as flat arrays, in emission order. */
export interface MnistArrays {
  /** `[count · 784]`, grey levels in [0, 1]. */
  readonly pixels: Float32Array;
  /** `[count]`, digits 0–9. */
  readonly labels: Int32Array;
  /** `[count · 10]`, one-hot rows of `labels`. */
  readonly oneHot: Float32Array;
  readonly count: number;
}

/** One batch as views into `MnistArrays` (no copies). */
export interface MnistBatch {
  /** `[size · 784]` */
  readonly pixels: Float32Array;
  /** `[size]` */
  readonly labels: Int32Array;
  /** `[size · 10]` */
  readonly oneHot: Float32Array;
  readonly size: number;
}

/** Collects `mnist({ split: 'train' })` into flat arrays (about a second). */
export async function loadMnist(): Promise<MnistArrays> {
  const samples = await lastValueFrom(mnist({ split: 'train' }).pipe(toArray()));
  const count = samples.length;
  const pixels = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  const oneHot = new Float32Array(count * CLASSES);
  samples.forEach((s, i) => {
    pixels.set(s.x.data, i * PIXELS);
    labels[i] = s.y.item();
    oneHot[i * CLASSES + labels[i]] = 1;
  });
  return { pixels, labels, oneHot, count };
}

/**
 * Batch `k` of a run that goes through the digits epoch after epoch in the same order:
 * position `k mod ⌈count / size⌉` in the epoch (the last batch of an epoch may be smaller).
 */
export function mnistBatch(data: MnistArrays, k: number, size: number): MnistBatch {
  if (!Number.isInteger(k) || k < 0) throw new ArgumentError(`mnistBatch: k must be an integer >= 0, found ${k}`);
  const perEpoch = Math.ceil(data.count / size);
  const start = (k % perEpoch) * size;
  const end = Math.min(start + size, data.count);
  return {
    pixels: data.pixels.subarray(start * PIXELS, end * PIXELS),
    labels: data.labels.subarray(start, end),
    oneHot: data.oneHot.subarray(start * CLASSES, end * CLASSES),
    size: end - start,
  };
}

/** One LSTM batch: windows of `seqLen` characters and the characters that follow each. */
export interface CharBatch {
  /** `[batch · seqLen · vocab]`, one-hot input characters (batch-first). */
  readonly inputs: Float32Array;
  /** `[batch · seqLen]`, the next character at every step. */
  readonly targets: Int32Array;
  /** `[batch · seqLen · vocab]`, `targets` one-hot. */
  readonly targetsOneHot: Float32Array;
}

/** The shape and seed of the character data; `LSTM` in `workloads.ts` by default. */
export interface CharDataOptions {
  readonly vocab: number;
  readonly batch: number;
  readonly seqLen: number;
  readonly seed: number;
}

/**
 * `count` LSTM batches cut from one seeded text: a first-order Markov chain over `vocab`
 * characters in which each character is followed by one of 4 successors (drawn once from the
 * seed) 90% of the time and by a uniform character otherwise, so there is something to learn.
 * Batch `k`, row `r` reads characters `(k·batch + r)·seqLen …` and predicts each one's successor.
 */
export function charBatches(count: number, opts: CharDataOptions = LSTM): CharBatch[] {
  const { vocab, batch, seqLen } = opts;
  const rng = new Rng(opts.seed);
  const successors = Array.from({ length: vocab }, () => Array.from({ length: 4 }, () => rng.int(vocab)));
  const text = new Int32Array(count * batch * seqLen + 1);
  for (let i = 1; i < text.length; i++) {
    text[i] = rng.uniform() < 0.9 ? successors[text[i - 1]][rng.int(4)] : rng.int(vocab);
  }
  return Array.from({ length: count }, (_, k) => {
    const inputs = new Float32Array(batch * seqLen * vocab);
    const targets = new Int32Array(batch * seqLen);
    const targetsOneHot = new Float32Array(batch * seqLen * vocab);
    for (let i = 0; i < batch * seqLen; i++) {
      const at = k * batch * seqLen + i;
      inputs[i * vocab + text[at]] = 1;
      targets[i] = text[at + 1];
      targetsOneHot[i * vocab + text[at + 1]] = 1;
    }
    return { inputs, targets, targetsOneHot };
  });
}
