/**
 * ConvNetJS's side of the training benchmark (`convnetjs@0.3.0`, plain JavaScript, one sample
 * at a time: its `Trainer` accumulates gradients over `batch_size` samples and then applies the
 * mean). It has no Adam (its methods are sgd, adagrad, adadelta, windowgrad), so it trains with
 * SGD and momentum; the optimizer's cost is negligible next to the forward and backward passes.
 *
 * Run: `npx tsx bench/training/convnetjs.ts <bench> [--warmup N] [--batches N]` with `<bench>`
 * one of `train-mlp`, `train-cnn`, `infer-mlp`, `infer-cnn`. Prints one JSON line (see `measure.ts`).
 */
import { createRequire } from 'node:module';
import { ArgumentError } from '../../src/ops/index.js';
import { loadMnist, mnistBatch } from './data.js';
import { measure } from './measure.js';
import { CNN, INFER_BATCH, MLP_LAYERS, MNIST_BATCH, SGD, type RunOptions, epochBatches, parseRunOptions } from './workloads.js';

/** The part of ConvNetJS's (untyped) API used here. */
interface Vol {
  w: Float64Array | number[];
}
interface Net {
  makeLayers(defs: readonly Record<string, unknown>[]): void;
  forward(x: Vol, isTraining: boolean): Vol;
}
interface ConvNetJs {
  Net: new () => Net;
  Vol: new (sx: number, sy: number, depth: number, fill: number) => Vol;
  Trainer: new (net: Net, options: Record<string, unknown>) => { train(x: Vol, y: number): { cost_loss: number } };
}

const convnetjs = createRequire(import.meta.url)('convnetjs') as ConvNetJs;

function layers(isCnn: boolean): Record<string, unknown>[] {
  const input = { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 };
  const [h1, h2, out] = MLP_LAYERS;
  if (!isCnn) {
    return [input, { type: 'fc', num_neurons: h1, activation: 'relu' }, { type: 'fc', num_neurons: h2, activation: 'relu' }, { type: 'softmax', num_classes: out }];
  }
  return [
    input,
    { type: 'conv', sx: CNN.kernel, filters: CNN.conv1, stride: 1, pad: CNN.pad1, activation: 'relu' },
    { type: 'pool', sx: CNN.pool, stride: CNN.pool },
    { type: 'conv', sx: CNN.kernel, filters: CNN.conv2, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: CNN.pool, stride: CNN.pool },
    { type: 'softmax', num_classes: CNN.classes },
  ];
}

/** A 28×28×1 `Vol` holding image `i` of the batch (for one channel ConvNetJS's layout is row-major). */
function image(pixels: Float32Array, i: number): Vol {
  const v = new convnetjs.Vol(28, 28, 1, 0);
  for (let p = 0; p < 784; p++) v.w[p] = pixels[i * 784 + p];
  return v;
}

async function main(opts: RunOptions): Promise<void> {
  if (opts.bench === 'train-lstm') throw new ArgumentError('convnetjs: it has no recurrent layers, so train-lstm is not run');
  const batches = opts.batches ?? epochBatches(opts.bench);
  const common = { warmup: opts.warmup, batches, library: 'convnetjs' as const };
  const digits = await loadMnist();
  const isCnn = opts.bench.endsWith('cnn');
  const net = new convnetjs.Net();
  net.makeLayers(layers(isCnn));
  const network = isCnn ? 'lenet 8c5p2-relu-pool2-16c5-relu-pool2-dense10' : 'mlp 784-128-64-10 relu';
  if (opts.bench.startsWith('infer')) {
    const run = (ks: readonly number[]) => {
      for (const k of ks) {
        const b = mnistBatch(digits, k, INFER_BATCH);
        for (let i = 0; i < b.size; i++) net.forward(image(b.pixels, i), false);
      }
      return [];
    };
    await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: INFER_BATCH, params: { network, batch: INFER_BATCH } }, run);
    return;
  }
  const trainer = new convnetjs.Trainer(net, { method: 'sgd', learning_rate: SGD.lr, momentum: SGD.momentum, batch_size: MNIST_BATCH, l2_decay: 0 });
  const run = (ks: readonly number[]) =>
    ks.map((k) => {
      const b = mnistBatch(digits, k, MNIST_BATCH);
      let total = 0;
      for (let i = 0; i < b.size; i++) total += trainer.train(image(b.pixels, i), b.labels[i]).cost_loss;
      return total / b.size;
    });
  const params = { network, batch: MNIST_BATCH, optimizer: 'sgd+momentum', lr: SGD.lr, momentum: SGD.momentum };
  await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: MNIST_BATCH, params }, run);
}

await main(parseRunOptions(process.argv.slice(2), []));
