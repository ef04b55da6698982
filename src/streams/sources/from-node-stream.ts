import type { Readable } from 'node:stream';
import type { Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { fromAsyncPull } from './pull.js';

/** Options for `fromNodeStream`. */
export interface FromNodeStreamOptions<T> {
  /**
   * Decodes one chunk into an item (a `Sample`, usually). Needed when the stream is not in
   * object mode (its chunks are `Buffer`s or strings); optional in object mode. An error it
   * throws destroys the stream and errors the Observable.
   */
  map?: (chunk: unknown, index: number) => T;
}

/**
 * A dataset from a Node.js `Readable`: each chunk (in object mode) or each decoded chunk
 * (`map`) is one item. Reading is demand-driven: the stream's async iterator is advanced only
 * when the consumer is ready (see `Demand`), so the stream holds at most its own
 * `highWaterMark` of chunks ahead of the consumer, and Node's back-pressure reaches the
 * producer behind it (a socket, a file, a `pipeline`).
 *
 * Unsubscribing destroys the stream at once (as `break` in `for await` does), and a stream
 * `'error'` errors the Observable.
 *
 * A stream can be read only once, so this source is not replayable: a second subscription,
 * or a subscription to a stream that has already ended or been destroyed, errors with an
 * `ArgumentError` instead of completing empty. For several epochs, build the stream inside
 * `defer(() => fromNodeStream(open()))`.
 *
 * ```
 * readable pushes a, b, c, ends:
 * fromNodeStream(readable):   -a-b-c|
 * take(2):                    -a-(b|)        readable.destroy() is called
 * readable emits 'error' e:   -a-#           # = e
 * ```
 *
 * @example
 * ```ts
 * import { defer } from 'rxjs';
 * import { fromNodeStream } from 'streamgrad/streams';
 * const epoch = defer(() =>
 *   fromNodeStream(openSampleStream(), { map: (record) => decodeSample(record) }),
 * ); // a fresh stream per subscription, so `epoch` can be replayed
 * ```
 *
 * @param readable - the stream; in object mode, or with `map` to decode its chunks.
 * @param options - see `FromNodeStreamOptions`.
 * @returns an Observable of the stream's items; it can be subscribed once.
 * @throws ArgumentError when `readable` is not a Readable, when it is not in object mode
 *   and no `map` is given, or for an unknown option.
 */
export function fromNodeStream<T = unknown>(readable: Readable, options: FromNodeStreamOptions<T> = {}): Observable<T> {
  checkReadable(readable);
  const map = readMapOption(options);
  if (map === undefined && !readable.readableObjectMode) {
    throw new ArgumentError(
      'fromNodeStream: the stream is not in object mode, so its chunks are bytes; pass a map option ' +
        'to decode each chunk into an item, or create the stream with objectMode: true',
    );
  }
  let subscribed = false;
  return fromAsyncPull(() => {
    if (subscribed) {
      throw new ArgumentError(
        'fromNodeStream: a Readable can be read only once and an earlier subscription already read this one; ' +
          'for several epochs use defer(() => fromNodeStream(openStream()))',
      );
    }
    subscribed = true;
    if (readable.destroyed || readable.readableEnded) {
      const state = readable.destroyed ? 'destroyed' : 'ended';
      throw new ArgumentError(`fromNodeStream: the stream was already ${state} before it was subscribed`);
    }
    return streamIterator(readable, map);
  });
}

/**
 * The stream's own async iterator, with each chunk passed through `map`, and a `return()`
 * that destroys the stream immediately (Node's would wait for a pending `next()`).
 */
function streamIterator<T>(readable: Readable, map: ((chunk: unknown, index: number) => T) | undefined): AsyncIterator<T> {
  const inner = readable[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  let index = 0;
  return {
    async next(): Promise<IteratorResult<T>> {
      const step = await inner.next();
      if (step.done === true || map === undefined) return step as IteratorResult<T>;
      try {
        return { done: false, value: map(step.value, index++) };
      } catch (error) {
        readable.destroy();
        throw error;
      }
    },
    async return(): Promise<IteratorResult<T>> {
      readable.destroy();
      await inner.return?.();
      return { done: true, value: undefined };
    },
  };
}

function checkReadable(readable: unknown): asserts readable is Readable {
  const candidate = readable as Partial<Readable> | null | undefined;
  if (
    typeof candidate?.read !== 'function' ||
    typeof candidate.destroy !== 'function' ||
    typeof candidate[Symbol.asyncIterator] !== 'function'
  ) {
    const found = readable === null ? 'null' : typeof readable;
    throw new ArgumentError(`fromNodeStream: expected a Node.js Readable stream, found ${found}`);
  }
}

function readMapOption<T>(options: FromNodeStreamOptions<T>): FromNodeStreamOptions<T>['map'] {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`fromNodeStream: options must be an object, found ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'map') throw new ArgumentError(`fromNodeStream: unknown option '${key}' (expected map)`);
  }
  if (options.map !== undefined && typeof options.map !== 'function') {
    throw new ArgumentError(`fromNodeStream: map must be a function, found ${typeof options.map}`);
  }
  return options.map;
}
