/**
 * Bounded memory of a long data pipeline (DESIGN.md, "Streams"): a 1,000,000-sample
 * generator feeding a slow trainer keeps resident memory flat.
 *
 * Pipeline (the `demand-driven` case):
 *
 *   fromPull(generator of N samples { x: [1, 8, 8] image, y: scalar class label })
 *     → shuffle({ bufferSize: 1000, seed: 1 })
 *     → augment(randomFlip(), gaussianNoise(0.01), { seed: 2 })
 *     → batch(64)
 *     → paced(…, async handler that waits 1 ms per batch: `await setTimeout(1)`,
 *             a timer, not a busy wait, so the event loop is free while it waits)
 *
 * The bound, in samples: produced − consumed ≤ bufferSize + batchSize = 1000 + 64 = 1064
 * (the shuffle buffer, plus one batch being filled or being handled; the generator pauses
 * while the handler runs). With `prefetch(k)` after `batch` the bound is
 * bufferSize + (k + 1) · batchSize. `produced` is counted in the generator, `consumed`
 * when the handler has finished a batch; `maxInFlight` is the largest difference seen.
 * test/streams/bounded-memory.test.ts asserts the same bounds by count.
 *
 * For contrast the `naive` case feeds the same operators from a plain RxJS `from(generator)`
 * (not demand-driven) into `concatMap(async handler)`: `from` drains the generator in one
 * synchronous burst and `concatMap` queues every batch, so everything is in flight at once.
 * It runs on fewer samples (100,000 and 300,000 by default, to show that its memory grows
 * with the number of samples) so it does not exhaust memory.
 *
 * Each case runs in its own child process, so one case's heap does not inflate another's
 * RSS. Output: one JSON line per case,
 *   { bench: 'bounded-memory', pipeline, samples, batches, seconds, peakRssMB, maxRssMB,
 *     rssAtStartMB, rssAt10pctMB, rssAtEndMB, peakHeapMB, peakArrayBuffersMB, heapAt10pctMB,
 *     heapAtEndMB, rssByDecileMB, heapByDecileMB, maxInFlight, bound }
 * where peakRssMB is the largest `process.memoryUsage().rss` sampled (every 100 batches in
 * the consumer and every 10,000 samples in the generator), maxRssMB the kernel's high-water
 * mark (`process.resourceUsage().maxRSS`, which also sees the whole process start-up),
 * rssAtStartMB the RSS just before subscribing, rssAt10pctMB when 10 % of the samples were
 * consumed (the shuffle buffer is full and the code is warm by then), rssAtEndMB at
 * completion, rssByDecileMB / heapByDecileMB when 10 %, 20 %, …, 100 % were consumed, and
 * peakArrayBuffersMB the largest `arrayBuffers` (where the tensors' Float32Arrays live).
 * "Flat" means rssAtEndMB ≈ rssAt10pctMB and peakRssMB close to both.
 *
 * Reproduce (a full run took 1 min 48 s on a busy 2-core VM, under 45 s per
 * 1,000,000-sample case):
 *   npx tsx bench/bounded-memory.ts
 *   npx tsx bench/bounded-memory.ts --samples 200000 --naive-samples 50000,100000
 *   npx tsx bench/bounded-memory.ts --cases demand-driven,naive
 * It imports the sources in src/ (no build needed), so it is better as its own script
 * than as part of `npm run bench` (bench/index.ts, which measures kernels from dist):
 *   "bench:memory": "tsx bench/bounded-memory.ts"
 */
import { fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Observable, concatMap, count, from, lastValueFrom } from 'rxjs';
import { Tensor } from '../src/ops/index.js';
import { augment } from '../src/streams/augment.js';
import { batch } from '../src/streams/batch.js';
import { paced } from '../src/streams/consume.js';
import { prefetch } from '../src/streams/prefetch.js';
import { shuffle } from '../src/streams/shuffle.js';
import { fromPull } from '../src/streams/sources/pull.js';
import { gaussianNoise } from '../src/streams/transforms/gaussian-noise.js';
import { randomFlip } from '../src/streams/transforms/random-flip.js';
import type { Batch, Sample } from '../src/streams/types.js';

const IMAGE = [1, 8, 8] as const;
const BUFFER_SIZE = 1000;
const BATCH_SIZE = 64;
const PREFETCH = 2;
const CONSUMER_MS = 1;
const PROBE_EVERY_BATCHES = 100;
const PROBE_EVERY_SAMPLES = 10_000;
const CASES = ['demand-driven', 'demand-driven+prefetch', 'naive'] as const;
type CaseName = (typeof CASES)[number];

const MB = 1024 * 1024;
const mb = (bytes: number): number => Number((bytes / MB).toFixed(1));

/** Counts and memory probes of one run (one per process: no module-level state is shared). */
class Probe {
  produced = 0;
  consumed = 0;
  maxInFlight = 0;
  closed = false;
  peakRss = 0;
  peakHeap = 0;
  peakArrayBuffers = 0;
  /** Memory when 10 %, 20 %, …, 100 % of the samples were consumed. */
  readonly deciles: NodeJS.MemoryUsage[] = [];

  constructor(private readonly samples: number) {}

  sample(): NodeJS.MemoryUsage {
    const usage = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeap = Math.max(this.peakHeap, usage.heapUsed);
    this.peakArrayBuffers = Math.max(this.peakArrayBuffers, usage.arrayBuffers);
    return usage;
  }

  onProduced(): void {
    this.produced++;
    this.maxInFlight = Math.max(this.maxInFlight, this.produced - this.consumed);
    if (this.produced % PROBE_EVERY_SAMPLES === 0) this.sample();
  }

  onConsumerStart(batchIndex: number): void {
    this.maxInFlight = Math.max(this.maxInFlight, this.produced - this.consumed);
    if (batchIndex % PROBE_EVERY_BATCHES === 0) this.sample();
  }

  onConsumed(b: Batch): void {
    this.consumed += b.size;
    while (this.deciles.length < 10 && this.consumed >= ((this.deciles.length + 1) * this.samples) / 10) {
      this.deciles.push(this.sample());
    }
  }
}

/** A deterministic sample: a [1, 8, 8] ramp image and a class label in 0..9. */
function makeSample(i: number): Sample {
  const data = new Float32Array(IMAGE[0] * IMAGE[1] * IMAGE[2]);
  for (let k = 0; k < data.length; k++) data[k] = ((i * 31 + k * 17) % 256) / 255;
  return { x: new Tensor(data, IMAGE), y: new Tensor(new Float32Array([i % 10]), []) };
}

function* generate(n: number, probe: Probe): Generator<Sample> {
  try {
    for (let i = 0; i < n; i++) {
      probe.onProduced();
      yield makeSample(i);
    }
  } finally {
    probe.closed = true;
  }
}

function preprocess(source: Observable<Sample>): Observable<Batch> {
  return source.pipe(
    shuffle<Sample>({ bufferSize: BUFFER_SIZE, seed: 1 }),
    augment(randomFlip(), gaussianNoise(0.01), { seed: 2 }),
    batch(BATCH_SIZE),
  );
}

/** The slow trainer: 1 ms on a timer per batch. */
function consumer(probe: Probe): (b: Batch, index: number) => Promise<void> {
  return async (b, index) => {
    probe.onConsumerStart(index);
    await sleep(CONSUMER_MS);
    probe.onConsumed(b);
  };
}

function pipeline(name: CaseName, samples: number, probe: Probe): Observable<void> {
  const handle = consumer(probe);
  switch (name) {
    case 'demand-driven':
      return paced(preprocess(fromPull(() => generate(samples, probe))), handle);
    case 'demand-driven+prefetch':
      return paced(preprocess(fromPull(() => generate(samples, probe))).pipe(prefetch(PREFETCH)), handle);
    case 'naive':
      return preprocess(from(generate(samples, probe))).pipe(concatMap(handle));
  }
}

function bound(name: CaseName, samples: number): number {
  switch (name) {
    case 'demand-driven':
      return BUFFER_SIZE + BATCH_SIZE;
    case 'demand-driven+prefetch':
      return BUFFER_SIZE + (PREFETCH + 1) * BATCH_SIZE;
    case 'naive':
      return samples;
  }
}

async function runCase(name: CaseName, samples: number): Promise<void> {
  const probe = new Probe(samples);
  const start = probe.sample();
  const t0 = performance.now();
  const batches = await lastValueFrom(pipeline(name, samples, probe).pipe(count()));
  const seconds = (performance.now() - t0) / 1000;
  const end = probe.sample();
  if (probe.consumed !== samples || !probe.closed) {
    throw new Error(`bounded-memory ${name}: consumed ${probe.consumed} of ${samples} samples (generator closed: ${probe.closed})`);
  }
  const at10 = probe.deciles[0] ?? end;
  console.log(
    JSON.stringify({
      bench: 'bounded-memory',
      pipeline: name,
      image: IMAGE,
      bufferSize: BUFFER_SIZE,
      batchSize: BATCH_SIZE,
      consumer: `setTimeout ${CONSUMER_MS} ms per batch`,
      samples,
      batches,
      seconds: Number(seconds.toFixed(2)),
      peakRssMB: mb(probe.peakRss),
      maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
      rssAtStartMB: mb(start.rss),
      rssAt10pctMB: mb(at10.rss),
      rssAtEndMB: mb(end.rss),
      peakHeapMB: mb(probe.peakHeap),
      peakArrayBuffersMB: mb(probe.peakArrayBuffers),
      heapAt10pctMB: mb(at10.heapUsed),
      heapAtEndMB: mb(end.heapUsed),
      rssByDecileMB: probe.deciles.map((u) => mb(u.rss)),
      heapByDecileMB: probe.deciles.map((u) => mb(u.heapUsed)),
      maxInFlight: probe.maxInFlight,
      bound: bound(name, samples),
    }),
  );
}

/** Runs one case in a child process with the same Node flags (tsx's loader included). */
function runChild(name: CaseName, samples: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', name, '--samples', String(samples)], {
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bounded-memory ${name}: child exited with ${code}`))));
  });
}

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '1000000' },
    'naive-samples': { type: 'string', default: '100000,300000' },
    cases: { type: 'string', default: CASES.join(',') },
    child: { type: 'string' },
  },
});

const positiveInt = (flag: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bounded-memory: --${flag} must be an integer >= 1, found ${text}`);
  return n;
};
const caseName = (text: string): CaseName => {
  if (!(CASES as readonly string[]).includes(text)) throw new Error(`bounded-memory: unknown case '${text}' (expected ${CASES.join(', ')})`);
  return text as CaseName;
};

if (values.child !== undefined) {
  await runCase(caseName(values.child), positiveInt('samples', values.samples));
} else {
  const samples = positiveInt('samples', values.samples);
  const naiveSamples = values['naive-samples'].split(',').map((text) => positiveInt('naive-samples', text));
  for (const name of values.cases.split(',').map(caseName)) {
    for (const n of name === 'naive' ? naiveSamples : [samples]) await runChild(name, n);
  }
}
