/**
 * The character language model's accuracy run, kept out of `npm test`: trains
 * `examples/char-lm.ts` with its default configuration (fixed seed and step count, so the
 * figures repeat on the same machine), then checks that the LSTM's held-out bits per
 * character are below the interpolated 5-gram baseline's, computed in the same run, by at
 * least `MARGIN` bits. Prints the run's log and one JSON line; exits with status 1 if the
 * model falls short. Run: `npx tsx test/accuracy/char-lm.ts`.
 */
import { type CharLmConfig, DEFAULT_CONFIG, main } from '../../examples/char-lm.js';

/** Bits per character the LSTM must beat the baseline by (2.171 → below 2.071). */
export const MARGIN = 0.1;

/** Trains and scores `config`, prints one JSON line, and returns whether the LSTM beat the baseline by `MARGIN`. */
export async function checkCharLm(config: CharLmConfig = DEFAULT_CONFIG): Promise<boolean> {
  const started = Date.now();
  const result = await main(config);
  const threshold = result.baselineBitsPerCharacter - MARGIN;
  const passed = result.bitsPerCharacter < threshold;
  console.log(
    JSON.stringify({
      bench: 'accuracy',
      model: 'char-lm',
      config: result.config,
      updates: result.updates,
      trainedCharacters: result.trainedCharacters,
      heldOutBitsPerCharacter: Number(result.bitsPerCharacter.toFixed(4)),
      baselineBitsPerCharacter: Number(result.baselineBitsPerCharacter.toFixed(4)),
      threshold: Number(threshold.toFixed(4)),
      passed,
      trainSeconds: Math.round(result.trainSeconds),
      trainCpuSeconds: Math.round(result.trainCpuSeconds),
      charactersPerSecond: Math.round(result.charactersPerSecond),
      seconds: (Date.now() - started) / 1000,
    }),
  );
  return passed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const passed = await checkCharLm();
  console.log(passed ? '1 passed, 0 failed' : '0 passed, 1 failed');
  process.exitCode = passed ? 0 : 1;
}
