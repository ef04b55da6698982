/**
 * The long accuracy runs, kept out of `npm test`: trains the MNIST MLP and CNN examples with
 * their fixed seeds and checks the held-out accuracy (≥ 95% and ≥ 97.5% on the 2,000 test
 * digits), and the adding problem (T = 50: LSTM and GRU test MSE < 0.01, tanh RNN > 0.1). Prints one JSON line per model; exits with status 1 if a model falls short.
 * Run: `npm run test:accuracy`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as mlp } from '../../examples/mnist-mlp.js';
import { main as cnn } from '../../examples/mnist-cnn.js';
import { main as addingProblem } from './adding-problem.js';

const runs: Array<{ model: string; epochs: number; threshold: number; run: () => Promise<number> }> = [
  { model: 'mnist-mlp', epochs: 8, threshold: 0.95, run: () => mlp(8) },
  {
    model: 'mnist-cnn',
    epochs: 10,
    threshold: 0.975,
    run: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'streamgrad-accuracy-'));
      try {
        return await cnn(10, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  // The adding problem (T = 50): LSTM and GRU test MSE < 0.01, tanh RNN > 0.1; 1 when all three hold.
  { model: 'adding-problem (lstm, gru < 0.01; rnn > 0.1)', epochs: 0, threshold: 1, run: async () => ((await addingProblem()) ? 1 : 0) },
];

let failed = 0;
for (const { model, epochs, threshold, run } of runs) {
  const started = Date.now();
  const accuracy = await run();
  const passed = accuracy >= threshold;
  if (!passed) failed++;
  console.log(JSON.stringify({ bench: 'accuracy', model, epochs, testAccuracy: accuracy, threshold, passed, seconds: (Date.now() - started) / 1000 }));
}
console.log(`${runs.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
