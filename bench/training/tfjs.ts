/**
 * TensorFlow.js's side of the training benchmark (`@tensorflow/tfjs` layers API, Keras-style
 * `trainOnBatch`), on the `cpu` backend (plain JavaScript kernels) or the `wasm` backend
 * (XNNPACK compiled to WebAssembly, SIMD when the runtime has it; no threads in Node).
 *
 * Run: `npx tsx bench/training/tfjs.ts <bench> --variant wasm|cpu [--warmup N] [--batches N]`.
 * Prints one JSON line (see `measure.ts`); a workload the backend cannot run prints
 * `{ bench, library, error }` with the library's message (tfjs-wasm has no gradient kernel for
 * convolutions, so `train-cnn` fails there).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ArgumentError } from '../../src/ops/index.js';
import { charBatches, loadMnist, mnistBatch } from './data.js';
import { type Library, measure, reportError } from './measure.js';
import { ADAM_LR, CNN, INFER_BATCH, LSTM, MLP_LAYERS, MNIST_BATCH, type RunOptions, epochBatches, parseRunOptions } from './workloads.js';

const BACKENDS = ['wasm', 'cpu'] as const;

/** Selects the backend and checks that tfjs really runs on it (it silently falls back otherwise). */
async function useBackend(name: string): Promise<Record<string, unknown>> {
  if (name === 'wasm') {
    const dist = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    setWasmPaths(`${dist}/`);
  }
  await tf.setBackend(name);
  await tf.ready();
  if (tf.getBackend() !== name) {
    throw new ArgumentError(`tfjs: expected backend '${name}', found '${tf.getBackend()}'`);
  }
  const info: Record<string, unknown> = { backend: tf.getBackend(), tfjs: tf.version.tfjs };
  if (name === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

function mlp(): tf.LayersModel {
  const [h1, h2, out] = MLP_LAYERS;
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: h1, activation: 'relu' }),
      tf.layers.dense({ units: h2, activation: 'relu' }),
      tf.layers.dense({ units: out, activation: 'softmax' }),
    ],
  });
}

/** The same LeNet-style network in NHWC (with one channel the pixels are laid out as in NCHW). */
function cnn(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: CNN.conv1, kernelSize: CNN.kernel, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: CNN.pool }),
      tf.layers.conv2d({ filters: CNN.conv2, kernelSize: CNN.kernel, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: CNN.pool }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CNN.classes, activation: 'softmax' }),
    ],
  });
}

/** LSTM returning every step, then a dense softmax applied at every step (tfjs's dense maps the last axis). */
function charModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.lstm({ inputShape: [LSTM.seqLen, LSTM.vocab], units: LSTM.units, returnSequences: true }),
      tf.layers.dense({ units: LSTM.vocab, activation: 'softmax' }),
    ],
  });
}

type TensorPair = { x: tf.Tensor; y: tf.Tensor };

function trainer(net: tf.LayersModel, batchAt: (k: number) => TensorPair) {
  net.compile({ optimizer: tf.train.adam(ADAM_LR), loss: 'categoricalCrossentropy' });
  return async (ks: readonly number[]) => {
    const losses: number[] = [];
    for (const k of ks) {
      const { x, y } = batchAt(k);
      const loss = await net.trainOnBatch(x, y);
      tf.dispose([x, y]);
      losses.push(Array.isArray(loss) ? loss[0] : loss);
    }
    return losses;
  };
}

function inference(net: tf.LayersModel, inputAt: (k: number) => tf.Tensor) {
  return (ks: readonly number[]) => {
    for (const k of ks) {
      const x = inputAt(k);
      const y = net.predict(x) as tf.Tensor;
      y.dataSync();
      tf.dispose([x, y]);
    }
    return [];
  };
}

async function main(opts: RunOptions): Promise<void> {
  const backend = opts.variant ?? 'wasm';
  const library = `tfjs-${backend}` as Library;
  const batches = opts.batches ?? epochBatches(opts.bench);
  const common = { warmup: opts.warmup, batches, library };
  const params = await useBackend(backend);
  if (opts.bench === 'train-lstm') {
    const data = charBatches(opts.warmup + batches);
    const shape = [LSTM.batch, LSTM.seqLen, LSTM.vocab];
    const batchAt = (k: number): TensorPair => ({ x: tf.tensor(data[k].inputs, shape), y: tf.tensor(data[k].targetsOneHot, shape) });
    const lstmParams = { ...params, ...LSTM, optimizer: 'adam', lr: ADAM_LR };
    await measure({ ...common, bench: opts.bench, unit: 'charsPerSec', perBatch: LSTM.batch * LSTM.seqLen, params: lstmParams }, trainer(charModel(), batchAt));
    return;
  }
  const digits = await loadMnist();
  const isCnn = opts.bench.endsWith('cnn');
  const net = isCnn ? cnn() : mlp();
  const shape = (n: number) => (isCnn ? [n, 28, 28, 1] : [n, 784]);
  const network = isCnn ? 'lenet 8c5p2-relu-pool2-16c5-relu-pool2-dense10 (NHWC)' : 'mlp 784-128-64-10 relu';
  if (opts.bench.startsWith('infer')) {
    const inputAt = (k: number) => {
      const b = mnistBatch(digits, k, INFER_BATCH);
      return tf.tensor(b.pixels, shape(b.size));
    };
    const inferParams = { ...params, network, batch: INFER_BATCH };
    await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: INFER_BATCH, params: inferParams }, inference(net, inputAt));
    return;
  }
  const batchAt = (k: number): TensorPair => {
    const b = mnistBatch(digits, k, MNIST_BATCH);
    return { x: tf.tensor(b.pixels, shape(b.size)), y: tf.tensor(b.oneHot, [b.size, 10]) };
  };
  const trainParams = { ...params, network, batch: MNIST_BATCH, optimizer: 'adam', lr: ADAM_LR };
  try {
    await measure({ ...common, bench: opts.bench, unit: 'samplesPerSec', perBatch: MNIST_BATCH, params: trainParams }, trainer(net, batchAt));
  } catch (error) {
    reportError(opts.bench, library, error, trainParams);
  }
}

await main(parseRunOptions(process.argv.slice(2), BACKENDS));
