/**
 * One seed for every property in a CI run, so a run that lands is reproducible and a
 * property never fails at random on the gate. Locally each run draws a fresh seed (that is
 * how properties find bugs); `FC_SEED=<n> npm test` replays one, and `FC_SEED=random`
 * draws fresh seeds under CI too.
 */
import { fc } from '@fast-check/vitest';

const CI_SEED = 20_261_204;

function chosenSeed(): number | undefined {
  const requested = process.env.FC_SEED;
  if (requested === 'random') return undefined;
  if (requested !== undefined && requested !== '') {
    const seed = Number(requested);
    if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", found ${JSON.stringify(requested)}`);
    return seed;
  }
  return process.env.CI ? CI_SEED : undefined;
}

const seed = chosenSeed();
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
