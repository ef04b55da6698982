/**
 * Transfer learning by freezing: train a network on digits 0–4, freeze its feature layers,
 * replace the head and retrain only the head on digits 5–9. The frozen layers' weights are
 * checked to be unchanged. Run: `npx tsx examples/transfer-freeze.ts`.
 */
import { filter, lastValueFrom, map } from 'rxjs';
import { tensor } from 'streamgrad';
import { adam, countParameters, crossEntropy, dense, flatten, relu, sequential } from 'streamgrad/models';
import { batch, evaluate, fit, mnist, shuffle } from 'streamgrad/streams';

/** Digits in `[first, first + 5)`, relabelled 0–4. */
const digits = (split: 'train' | 'test', first: number) =>
  mnist({ split }).pipe(
    filter((s) => s.y.item() >= first && s.y.item() < first + 5),
    map((s) => ({ x: s.x, y: tensor(s.y.item() - first) })),
  );

export async function main(): Promise<{ before: number; after: number }> {
  const features = sequential([flatten(), dense(128), relu(), dense(64), relu()]);
  const model = sequential([features, dense(5)], { inputShape: [1, 28, 28], seed: 3 });
  const train = (first: number) => digits('train', first).pipe(shuffle({ bufferSize: 4000, seed: first }), batch(64));
  const score = async (first: number) =>
    (await lastValueFrom(digits('test', first).pipe(batch(500), evaluate({ model, metrics: ['accuracy'] })))).accuracy;

  await lastValueFrom(fit({ model, loss: crossEntropy, optimizer: adam(model, { lr: 1e-3 }), train: train(0), epochs: 3 }));
  const before = await score(0);
  console.log(`task A (digits 0-4): test accuracy ${(before * 100).toFixed(2)}%`);

  // Freeze the feature extractor; a new head learns task B on top of the same features.
  features.trainable = false;
  const frozen = features.parameters().map((p) => p.data.slice());
  const transfer = sequential([features, dense(5)], { inputShape: [1, 28, 28], seed: 4 });
  const counts = countParameters(transfer);
  console.log(`transfer model: ${counts.trainable} trainable, ${counts.frozen} frozen parameters`);
  await lastValueFrom(fit({ model: transfer, loss: crossEntropy, optimizer: adam(transfer, { lr: 1e-3 }), train: train(5), epochs: 3 }));
  const after = (await lastValueFrom(digits('test', 5).pipe(batch(500), evaluate({ model: transfer, metrics: ['accuracy'] })))).accuracy;
  console.log(`task B (digits 5-9) with frozen features: test accuracy ${(after * 100).toFixed(2)}%`);
  const unchanged = features.parameters().every((p, i) => p.data.every((v, j) => v === frozen[i][j]));
  console.log(`frozen weights unchanged: ${unchanged}`);
  if (!unchanged) process.exitCode = 1;
  return { before, after };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
