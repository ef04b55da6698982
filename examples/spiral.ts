/**
 * The CS231n spiral: three interleaved arms of 100 points each. A linear softmax classifier
 * cannot separate them (about 50% accuracy); a 2-layer ReLU network can (over 95%).
 * Run: `npx tsx examples/spiral.ts`.
 */
import { lastValueFrom } from 'rxjs';
import { adam, crossEntropy, dense, l2, relu, sequential, type Layer } from 'streamgrad/models';
import { batch, evaluate, fit, spirals } from 'streamgrad/streams';

const data = spirals({ classes: 3, pointsPerClass: 100, noise: 0.2, seed: 0 }).pipe(batch(300));

async function trainAndScore(name: string, model: Layer, lr: number): Promise<number> {
  await lastValueFrom(
    fit({ model, loss: crossEntropy, optimizer: adam(model, { lr }), regularizer: l2(1e-4), train: data, epochs: 500 }),
  );
  const { accuracy } = await lastValueFrom(data.pipe(evaluate({ model, metrics: ['accuracy'] })));
  console.log(`${name.padEnd(28)} training accuracy ${(accuracy * 100).toFixed(1)}%`);
  return accuracy;
}

export async function main(): Promise<[number, number]> {
  const linear = await trainAndScore('linear softmax classifier', sequential([dense(3)], { inputShape: [2] }), 0.05);
  const network = await trainAndScore('2-layer ReLU network (100)', sequential([dense(100), relu(), dense(3)], { inputShape: [2] }), 0.02);
  return [linear, network];
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
