/**
 * Random search of the learning rate and the L2 strength on a log scale (Bergstra & Bengio,
 * 2012): short runs of an MLP on the MNIST training digits, scored on a validation split;
 * the best configuration is reported. Run: `npx tsx examples/hparam-search.ts [trials]`.
 */
import { lastValueFrom, take } from 'rxjs';
import { Rng } from 'streamgrad';
import { adam, crossEntropy, dense, flatten, l2, relu, sequential } from 'streamgrad/models';
import { batch, evaluate, fit, mnist, shuffle, split } from 'streamgrad/streams';

/** 10^u for u uniform in [lo, hi]. */
const logUniform = (rng: Rng, lo: number, hi: number) => 10 ** (lo + (hi - lo) * rng.uniform());

export async function main(trials = Number(process.argv[2] ?? 8)): Promise<{ lr: number; lambda: number; accuracy: number }> {
  const { train$, validation$ } = split(mnist({ split: 'train' }).pipe(take(3000)), { validation: 0.2, seed: 7 });
  const rng = new Rng(2024);
  let best = { lr: 0, lambda: 0, accuracy: -1 };
  for (let trial = 0; trial < trials; trial++) {
    const lr = logUniform(rng, -4, -1.5);
    const lambda = logUniform(rng, -6, -2);
    const model = sequential([flatten(), dense(64), relu(), dense(10)], { inputShape: [1, 28, 28], seed: trial });
    await lastValueFrom(
      fit({
        model,
        loss: crossEntropy,
        optimizer: adam(model, { lr }),
        regularizer: l2(lambda),
        train: train$.pipe(shuffle({ bufferSize: 3000, seed: trial }), batch(64)),
        epochs: 2,
      }),
    );
    const { accuracy } = await lastValueFrom(validation$.pipe(batch(500), evaluate({ model, metrics: ['accuracy'] })));
    console.log(`trial ${trial + 1}/${trials}  lr ${lr.toExponential(2)}  l2 ${lambda.toExponential(2)}  val_accuracy ${(accuracy * 100).toFixed(2)}%`);
    if (accuracy > best.accuracy) best = { lr, lambda, accuracy };
  }
  console.log(`best: lr ${best.lr.toExponential(2)}, l2 ${best.lambda.toExponential(2)} → val_accuracy ${(best.accuracy * 100).toFixed(2)}%`);
  return best;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
