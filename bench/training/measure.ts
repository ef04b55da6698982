/**
 * Times a runner's warm-up batches apart from its timed batches and prints the result as one
 * JSON line, with the process's peak resident memory.
 */
import { performance } from 'node:perf_hooks';
import type { Bench } from './workloads.js';

/** The libraries compared. */
export type Library = 'streamgrad' | 'tfjs-wasm' | 'tfjs-cpu' | 'convnetjs';

/**
 * Runs the batches with global indices `ks` in order (training steps or forward passes) and
 * returns each training step's loss (an empty array for inference).
 */
export type RunBatches = (ks: readonly number[]) => Promise<readonly number[]> | readonly number[];

/** What `measure` reports. */
export interface Measurement {
  readonly bench: Bench;
  readonly library: Library;
  /** `samplesPerSec` for the MNIST workloads, `charsPerSec` for the LSTM. */
  readonly unit: 'samplesPerSec' | 'charsPerSec';
  /** Samples (or characters) in one batch. */
  readonly perBatch: number;
  readonly warmup: number;
  readonly batches: number;
  readonly params: Record<string, unknown>;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Peak resident set size of this process so far, in MiB (`maxRSS` is in KiB). */
export function maxRssMiB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/**
 * Runs `warmup` batches (indices 0 … warmup − 1), then times `batches` more (the indices after
 * them) and prints `{ bench, library, samplesPerSec | charsPerSec, maxRssMiB, finalLoss, params,
 * ... }`. `finalLoss` is the mean loss over the timed batches (one epoch when they are one),
 * `firstLoss` the first warm-up batch's, so a reader sees that training happened; both are
 * `null` for inference. `cpuPerSec` is the rate over the process's CPU time, steadier than wall
 * time on a shared machine.
 */
export async function measure(m: Measurement, run: RunBatches): Promise<void> {
  const indices = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const w0 = performance.now();
  const warmupLosses = await run(indices(0, m.warmup));
  const warmupMs = performance.now() - w0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const losses = await run(indices(m.warmup, m.batches));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const items = m.perBatch * m.batches;
  const line = {
    bench: m.bench,
    library: m.library,
    [m.unit]: round(items / (ms / 1000), 1),
    maxRssMiB: maxRssMiB(),
    finalLoss: losses.length > 0 ? round(mean(losses), 4) : null,
    firstLoss: warmupLosses.length > 0 ? round(warmupLosses[0], 4) : null,
    cpuPerSec: round(items / (cpuMs / 1000), 1),
    timedSec: round(ms / 1000, 3),
    warmupSec: round(warmupMs / 1000, 3),
    params: { ...m.params, warmupBatches: m.warmup, timedBatches: m.batches, perBatch: m.perBatch },
  };
  console.log(JSON.stringify(line));
}

/** Prints the line of a run that could not be made, with the library's own error message. */
export function reportError(bench: Bench, library: Library, error: unknown, params: Record<string, unknown>): void {
  const message = error instanceof Error ? error.message : String(error);
  console.log(JSON.stringify({ bench, library, error: message.split('\n')[0], maxRssMiB: maxRssMiB(), params }));
}
