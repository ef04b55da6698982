/**
 * The full exactly-once crash experiment with real processes (a minute or two):
 *
 *   npx tsx test/streams/redis/crash-exactly-once.ts [--entries 100000] [--kills 5]
 *     [--model logistic|mlp] [--rate 5000] [--seed N] [--trainer fit|prequential]
 *
 * A producer process writes `entries` entries to a Redis stream at about `rate` a second; a
 * learner process trains on them (batches of 64, a checkpoint every 20 steps and at the end,
 * acknowledged by `ackOnCheckpoint`) and is killed with SIGKILL at random moments, at least
 * `kills` times and at least once inside a checkpoint write, then restarted. At the end it
 * checks: every entry applied exactly once (the final model's lineage), nothing pending, no
 * torn checkpoint, final weights byte-equal to an uninterrupted run with the same seed.
 * With `--trainer prequential` the learner runs `prequential` (test-then-train) instead of
 * `fit` and resumes mid-way with `resumeSource: 'continue'`.
 * Prints the report as one JSON line and exits 1 when a check fails. Needs redis-server.
 */
import { crashExactlyOnce, seededRandom } from './fixtures/crash-harness.js';
import type { ModelKind } from './fixtures/online-data.js';

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}

async function main(): Promise<void> {
  const entries = Number(argument('entries', '100000'));
  const kills = Number(argument('kills', '5'));
  const kind = argument('model', 'logistic') as ModelKind;
  const rate = Number(argument('rate', '5000'));
  const seed = Number(argument('seed', String(Math.floor(Math.random() * 2 ** 31))));
  const trainer = argument('trainer', 'fit');
  if (trainer !== 'fit' && trainer !== 'prequential') throw new Error(`--trainer must be fit or prequential, found ${trainer}`);
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
  log(`entries ${entries}, kills ${kills}, model ${kind}, rate ${rate}/s, seed ${seed}`);
  const report = await crashExactlyOnce({
    total: entries,
    kills,
    kind,
    batchSize: 64,
    every: 20,
    perSecond: rate,
    jitterMs: 200,
    random: seededRandom(seed),
    progress: log,
    trainer,
  });
  const passed =
    report.kills.length >= kills &&
    report.kills.some((k) => k.duringWrite) &&
    report.exactlyOnce &&
    report.distinctApplied === entries &&
    report.pending === 0 &&
    report.tornCheckpoints.length === 0 &&
    report.weightsEqualUninterrupted;
  process.stdout.write(`${JSON.stringify({ script: 'crash-exactly-once', seed, entries, model: kind, trainer, passed, ...report })}\n`);
  if (!passed) process.exit(1);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
