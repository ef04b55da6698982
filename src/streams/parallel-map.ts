import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Observable, type OperatorFunction } from 'rxjs';
import { ArgumentError, assertInt } from '../ops/errors.js';
import { Demand, currentDemand, subscribeWithDemand } from './demand.js';
import { type Wire, builtOpsEntry, decodeWire, encodeWire, parallelMapWorkerSource } from './parallel-map-worker.js';
import type { Sample } from './types.js';
import { WorkerPool } from './worker-pool.js';

/** Options of `parallelMap`. */
export interface ParallelMapOptions {
  /** How many worker threads. @default max(1, os.availableParallelism() - 1) */
  readonly workers?: number;
  /** Emit in source order (`true`) or as soon as each result is ready (`false`). @default true */
  readonly ordered?: boolean;
  /** At most this many items are between the source and the consumer (queued, in a worker, or waiting to be emitted). @default 2 × workers */
  readonly maxInFlight?: number;
  /** Which export of the module is the transform. @default 'default' */
  readonly exportName?: string;
  /**
   * Move the input tensors' buffers to the workers instead of copying them: saves one copy
   * per tensor, but leaves the upstream tensors empty, so only for sources that make fresh
   * tensors per item (decoders, augmentations), never for replayed ones (`fromArray`).
   * @default false
   */
  readonly transferInputs?: boolean;
}

const KNOWN_OPTIONS = ['workers', 'ordered', 'maxInFlight', 'exportName', 'transferInputs'];

/**
 * Maps each item with a function that runs on a pool of `worker_threads`: CPU-heavy
 * per-sample work (decoding, augmentation) runs off the main thread, beside training.
 *
 * The function is an export of a JavaScript module, `transform(item, index)`, sync or
 * async, where `index` counts the items of this subscription from 0. Items are Samples
 * (`{ x, y }`) or any structured-cloneable value; the Tensors in them cross the thread
 * boundary as `{ data: Float32Array, shape }` with the buffer moved, not copied (inputs are
 * copied once first, unless `transferInputs`; the wire format is specified by `Wire` in
 * parallel-map-worker.ts), and the transform receives and returns real Tensors: it can
 * `import { … } from 'streamgrad/ops'`. Gradients do not cross. Each worker runs one item
 * at a time.
 *
 * Back-pressure: it subscribes upstream with its own `Demand` and pauses the sources while
 * `maxInFlight` items are queued, in workers, or waiting to be emitted (in the reorder
 * buffer, or for a busy consumer); downstream it honours the consumer's `Demand` (the one
 * active when it is subscribed, as under `paced` or `fit`). A plain Observable upstream
 * cannot be paused, and then the queue grows with it.
 *
 * Each subscription starts its own pool, and unsubscribing, completion and errors terminate
 * it, so no thread outlives the stream. An error thrown by the transform, a worker that
 * exits or crashes, or a module that cannot be loaded errors the stream with a message
 * naming the operator, the sample index, the module and export, and the original message.
 *
 * ```
 * source:                               -a-b-c-d-|
 * parallelMap(url):                     ----A-B--C-D|     A = f(a); source order
 * parallelMap(url, { ordered: false }): ----B-A--D-C|     as each worker finishes
 * ```
 *
 * Workers load `Tensor` from the built package (`dist/ops/index.js`), the file that
 * `streamgrad/ops` resolves to; running from the TypeScript sources needs `npm run build`.
 * The transform module must be plain JavaScript (Node 20 workers load no TypeScript).
 *
 * @example
 * ```ts
 * // scale.mjs: runs in the workers
 * import { div, sub } from 'streamgrad/ops';
 * export default ({ x, y }) => ({ x: div(sub(x, 127.5), 127.5), y });
 *
 * // train.ts
 * import { fromArray, parallelMap, batch } from 'streamgrad/streams';
 * const train = fromArray(samples).pipe(parallelMap(new URL('./scale.mjs', import.meta.url), { workers: 3 }), batch(64));
 * ```
 *
 * @param moduleUrl - the module: a `file:` or `data:` URL, or an absolute path. Resolve a
 *   relative module against the caller: `new URL('./scale.mjs', import.meta.url)`.
 * @param options - see `ParallelMapOptions`.
 * @returns an operator emitting `transform(item, index)` for every item.
 * @throws ArgumentError for a bad option, an unknown option, or a module URL that is
 *   relative, not `file:`/`data:`, or names a missing file.
 */
export function parallelMap<In = Sample, Out = In>(moduleUrl: string | URL, options: ParallelMapOptions = {}): OperatorFunction<In, Out> {
  const url = checkModuleUrl(moduleUrl);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new ArgumentError(`parallelMap: unknown option '${key}' (expected one of ${KNOWN_OPTIONS.join(', ')})`);
    }
  }
  const {
    workers = Math.max(1, availableParallelism() - 1),
    ordered = true,
    maxInFlight = 2 * workers,
    exportName = 'default',
    transferInputs = false,
  } = options;
  assertInt('parallelMap', 'workers', workers, 1);
  assertInt('parallelMap', 'maxInFlight', maxInFlight, 1);
  assertBoolean('ordered', ordered);
  assertBoolean('transferInputs', transferInputs);
  if (typeof exportName !== 'string' || exportName === '') {
    throw new ArgumentError(`parallelMap: exportName must be a non-empty string, found ${String(exportName)}`);
  }
  const workerData = { moduleUrl: url.href, exportName, tensorModule: builtOpsEntry().href };
  const task = `the transform '${exportName}' of ${url.href}`;

  return (source) =>
    new Observable<Out>((subscriber) => {
      const downstream = currentDemand();
      const upstream = new Demand();
      const reorder = new Map<number, Out>();
      const finished: Out[] = [];
      let nextIndex = 0;
      let nextToEmit = 0;
      let inFlight = 0;
      let upstreamDone = false;
      let delivering = false;
      let cancelWait: (() => void) | null = null;

      const hasNext = (): boolean => (ordered ? reorder.has(nextToEmit) : finished.length > 0);
      const takeNext = (): Out => {
        if (!ordered) return finished.shift() as Out;
        const value = reorder.get(nextToEmit) as Out;
        reorder.delete(nextToEmit++);
        return value;
      };

      // Emits ready results while the consumer is ready, then completes once nothing is
      // left. The guard makes a re-entrant call leave the work to the loop already running.
      const deliver = (): void => {
        if (delivering) return;
        delivering = true;
        try {
          while (hasNext() && !subscriber.closed) {
            if (downstream !== undefined && !downstream.ready) {
              cancelWait ??= downstream.whenReady(() => {
                cancelWait = null;
                deliver();
              });
              return;
            }
            const value = takeNext();
            if (--inFlight < maxInFlight) upstream.resume();
            subscriber.next(value);
          }
          if (upstreamDone && inFlight === 0) subscriber.complete();
        } finally {
          delivering = false;
        }
      };

      const pool = new WorkerPool(
        { size: workers, source: parallelMapWorkerSource, workerData, name: 'parallelMap', task },
        {
          result: (index, payload) => {
            let value: Out;
            try {
              value = decodeWire(payload as Wire) as Out;
            } catch (error) {
              subscriber.error(new Error(`parallelMap: the result of sample ${index} cannot be rebuilt: ${(error as Error).message}`, { cause: error }));
              return;
            }
            if (ordered) reorder.set(index, value);
            else finished.push(value);
            deliver();
          },
          failure: (error) => subscriber.error(error),
        },
      );

      const subscription = subscribeWithDemand(source, upstream, {
        next: (item) => {
          const index = nextIndex++;
          if (++inFlight >= maxInFlight) upstream.pause();
          let encoded: ReturnType<typeof encodeWire>;
          try {
            encoded = encodeWire(item, transferInputs);
          } catch (error) {
            subscriber.error(new Error(`parallelMap: sample ${index}: ${(error as Error).message}`, { cause: error }));
            return;
          }
          pool.run(index, encoded.wire, encoded.transfer);
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          upstreamDone = true;
          deliver();
        },
      });
      return () => {
        cancelWait?.();
        subscription.unsubscribe();
        void pool.terminate();
      };
    });
}

/** The module as a URL a worker can import; relative specifiers are refused (relative to what?). */
function checkModuleUrl(moduleUrl: unknown): URL {
  let url: URL | null = null;
  if (moduleUrl instanceof URL) url = moduleUrl;
  else if (typeof moduleUrl === 'string' && isAbsolute(moduleUrl)) url = pathToFileURL(moduleUrl);
  else if (typeof moduleUrl === 'string' && URL.canParse(moduleUrl)) url = new URL(moduleUrl);
  if (url === null || (url.protocol !== 'file:' && url.protocol !== 'data:')) {
    throw new ArgumentError(
      `parallelMap: moduleUrl must be a file: or data: URL or an absolute path, such as ` +
        `new URL('./transform.mjs', import.meta.url); found ${describe(moduleUrl)}`,
    );
  }
  if (url.protocol === 'file:' && !existsSync(url)) {
    throw new ArgumentError(`parallelMap: moduleUrl ${url.href} does not exist`);
  }
  return url;
}

function assertBoolean(name: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new ArgumentError(`parallelMap: ${name} must be a boolean, found ${describe(value)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
