/**
 * The demo: a LeNet-style convolutional network (conv-pool-conv-pool-dense) trained on the
 * 8,000 bundled MNIST training digits as a dataflow: shuffle → augment → batch, a held-out
 * validation split, early stopping, step learning-rate decay, checkpoints and a progress
 * bar; then tested on the 2,000 held-out digits. Run: `npm run demo` (or
 * `npx tsx examples/mnist-cnn.ts [epochs] [checkpoint dir]`). Run it again to resume from
 * the newest checkpoint.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { lastValueFrom } from 'rxjs';
import {
  adam,
  conv2d,
  crossEntropy,
  dense,
  flatten,
  maxPool2d,
  relu,
  sequential,
} from 'streamgrad/models';
import { augment, batch, evaluate, fit, mnist, randomTranslate, shuffle, split } from 'streamgrad/streams';
import { checkpoint, earlyStopping, lrSchedule, progress, resume, stepDecay } from 'streamgrad/callbacks';

export async function main(epochs = Number(process.argv[2] ?? 10), dir = process.argv[3] ?? join(tmpdir(), 'streamgrad-mnist-cnn')): Promise<number> {
  const model = sequential(
    [
      conv2d({ filters: 8, kernelSize: 5, padding: 2 }), relu(), maxPool2d({ kernelSize: 2 }),
      conv2d({ filters: 16, kernelSize: 5 }), relu(), maxPool2d({ kernelSize: 2 }),
      flatten(), dense(64), relu(), dense(10),
    ],
    { inputShape: [1, 28, 28], seed: 1 },
  );
  const optimizer = adam(model, { lr: 2e-3 });
  console.log(model.summary());

  // 10% of the training digits are held out for validation (early stopping watches them).
  const { train$, validation$ } = split(mnist({ split: 'train' }), { validation: 0.1, seed: 1 });
  const train = train$.pipe(
    shuffle({ bufferSize: 8000, seed: 1 }),
    augment(randomTranslate({ maxShift: 2 }), { seed: 1 }),
    batch(64),
  );
  const validation = validation$.pipe(batch(500));

  const resumed = await resume(dir, { model, optimizer });
  if (resumed !== null) console.log(`resuming from ${resumed.path} (epoch ${resumed.position.epoch}, step ${resumed.step})`);

  await lastValueFrom(
    fit({
      model,
      loss: crossEntropy,
      optimizer,
      train,
      validation,
      epochs,
      metrics: ['accuracy'],
      resume: resumed ?? undefined,
      callbacks: [
        lrSchedule(stepDecay({ initialLr: 2e-3, factor: 0.5, every: 4 })),
        earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true }),
        checkpoint({ dir, every: 'epoch', keepLast: 2 }),
        progress({ epochs }),
      ],
    }),
    { defaultValue: null },
  );

  const test = mnist({ split: 'test' }).pipe(batch(500));
  const logs = await lastValueFrom(test.pipe(evaluate({ model, loss: crossEntropy, metrics: ['accuracy'] })));
  console.log(`test loss ${logs.loss.toFixed(4)}  test accuracy ${(logs.accuracy * 100).toFixed(2)}%`);
  console.log(`checkpoints in ${dir} (run again to resume)`);
  return logs.accuracy;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
