/**
 * streamgrad's side of the training benchmark, through the public API as a user writes it.
 *
 * Run: `npx tsx bench/training/streamgrad.ts <bench> [--warmup N] [--batches N] [--variant V]`
 * with `<bench>` one of `train-mlp`, `train-cnn`, `train-lstm`, `infer-mlp`, `infer-cnn`, and for
 * training `--variant trainStep` (default: the batches are an `Observable<Batch>` piped through
 * the `trainStep` operator) or `--variant loop` (a hand-written loop of `zeroGrad`, `forward`,
 * `crossEntropy`, `backward`, `step`). Prints one JSON line (see `measure.ts`).
 */
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { type Tensor, backward, getKernelBackend, noGrad, reshape, tensor } from '../../src/ops/index.js';
import {
  type Layer,
  adam,
  conv2d,
  crossEntropy,
  dense,
  flatten,
  lstm,
  maxPool2d,
  model,
  relu,
  sequential,
} from '../../src/models/index.js';
import { type Batch, trainStep } from '../../src/streams/index.js';
import { charBatches, loadMnist, mnistBatch } from './data.js';
import { measure } from './measure.js';
import { ADAM_LR, CNN, INFER_BATCH, LSTM, MLP_LAYERS, MNIST_BATCH, type RunOptions, epochBatches, parseRunOptions } from './workloads.js';

const VARIANTS = ['trainStep', 'loop'] as const;

function mlp(): Layer {
  const [h1, h2, out] = MLP_LAYERS;
  return sequential([dense(h1), relu(), dense(h2), relu(), dense(out)], { inputShape: [784] });
}

function cnn(): Layer {
  return sequential(
    [
      conv2d({ filters: CNN.conv1, kernelSize: CNN.kernel, padding: CNN.pad1 }),
      relu(),
      maxPool2d({ kernelSize: CNN.pool }),
      conv2d({ filters: CNN.conv2, kernelSize: CNN.kernel }),
      relu(),
      maxPool2d({ kernelSize: CNN.pool }),
      flatten(),
      dense(CNN.classes),
    ],
    { inputShape: [1, 28, 28] },
  );
}

/** LSTM over `[N, T, V]`, then one dense layer applied at every step: logits `[N·T, V]`. */
function charModel(): Layer {
  const layers = { rnn: lstm({ units: LSTM.units, returnSequences: true }), out: dense(LSTM.vocab) };
  return model(layers, (x, l) => l.out.forward(reshape(l.rnn.forward(x), [-1, LSTM.units])), {
    inputShape: [LSTM.seqLen, LSTM.vocab],
  });
}

/** Trains `net` on the batches `batchAt(k)` returns, with the chosen loop. */
function trainer(net: Layer, variant: string, batchAt: (k: number) => Batch) {
  const optimizer = adam(net, { lr: ADAM_LR });
  if (variant === 'loop') {
    return (ks: readonly number[]) =>
      ks.map((k) => {
        const { x, y } = batchAt(k);
        optimizer.zeroGrad();
        const loss = crossEntropy(net.forward(x), y);
        backward(loss);
        optimizer.step();
        return loss.item();
      });
  }
  const step = trainStep({ model: net, loss: crossEntropy, optimizer });
  return async (ks: readonly number[]) => {
    // Batches are made as the stream pulls them, as a source would, not all up front.
    const events = await lastValueFrom(from(ks).pipe(map(batchAt), step, toArray()));
    return events.map((e) => e.loss);
  };
}

function inference(net: Layer, inputAt: (k: number) => Tensor) {
  net.eval();
  return (ks: readonly number[]) => {
    noGrad(() => {
      for (const k of ks) net.forward(inputAt(k));
    });
    return [];
  };
}

async function main(opts: RunOptions): Promise<void> {
  const variant = opts.variant ?? 'trainStep';
  const batches = opts.batches ?? epochBatches(opts.bench);
  const common = { warmup: opts.warmup, batches, library: 'streamgrad' as const };
  const params = { kernelBackend: getKernelBackend() };
  if (opts.bench === 'train-lstm') {
    const data = charBatches(opts.warmup + batches);
    const batchAt = (k: number): Batch => {
      const b = data[k];
      const x = tensor(b.inputs, [LSTM.batch, LSTM.seqLen, LSTM.vocab]);
      return { x, y: tensor(b.targets, [LSTM.batch * LSTM.seqLen]), size: LSTM.batch };
    };
    const run = trainer(charModel(), variant, batchAt);
    const lstmParams = { ...params, ...LSTM, optimizer: 'adam', lr: ADAM_LR, loop: variant };
    await measure({ ...common, bench: opts.bench, unit: 'charsPerSec', perBatch: LSTM.batch * LSTM.seqLen, params: lstmParams }, run);
    return;
  }
  const digits = await loadMnist();
  const isCnn = opts.bench.endsWith('cnn');
  const net = isCnn ? cnn() : mlp();
  const shape = (n: number) => (isCnn ? [n, 1, 28, 28] : [n, 784]);
  const network = isCnn ? 'lenet 8c5p2-relu-pool2-16c5-relu-pool2-dense10' : 'mlp 784-128-64-10 relu';
  if (opts.bench.startsWith('infer')) {
    const inputAt = (k: number) => {
      const b = mnistBatch(digits, k, INFER_BATCH);
      return tensor(b.pixels, shape(b.size));
    };
    const inferParams = { ...params, network, batch: INFER_BATCH };
    await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: INFER_BATCH, params: inferParams }, inference(net, inputAt));
    return;
  }
  const batchAt = (k: number): Batch => {
    const b = mnistBatch(digits, k, MNIST_BATCH);
    return { x: tensor(b.pixels, shape(b.size)), y: tensor(b.labels, [b.size]), size: b.size };
  };
  const trainParams = { ...params, network, batch: MNIST_BATCH, optimizer: 'adam', lr: ADAM_LR, loop: variant };
  await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: MNIST_BATCH, params: trainParams }, trainer(net, variant, batchAt));
}

await main(parseRunOptions(process.argv.slice(2), VARIANTS));
