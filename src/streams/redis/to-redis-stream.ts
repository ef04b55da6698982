import { type MonoTypeOperatorFunction, concatMap, defer, finalize } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { RedisConnection, type RedisConnectionOptions, checkConnectionOptions, checkRedisUrl } from './connection.js';

/** Options of `toRedisStream`. */
export interface ToRedisStreamOptions<T> extends RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  readonly url: string;
  readonly stream: string;
  /** Trim the stream to about this many entries on each write (`XADD ... MAXLEN ~ n`: whole macro-nodes go, so a few more may stay). */
  readonly maxLen?: number;
  /** The entry's fields for an item (at least one; values are strings or finite numbers). */
  readonly encode: (item: T, index: number) => Record<string, string | number>;
}

/**
 * Writes each item to a Redis stream (`XADD stream [MAXLEN ~ n] * field value ...`) and
 * passes it on once the write is acknowledged by Redis, in order: predictions, metrics or
 * training events leave the pipeline as stream entries other services read.
 *
 * The connection opens on subscribe and closes when the stream ends or is unsubscribed.
 * Writes are sequenced: an item arriving during a write waits for it (RxJS `concatMap`
 * buffer), so a producer much faster than Redis builds a queue; pace it with `paced`. A lost
 * connection is retried within `retryBudgetMs`, then the stream errors with a
 * `RedisConnectionError` naming the URL.
 *
 * ```
 * source:                 -a----b----c|
 * toRedisStream(options): --a----b----c|    each item after its XADD
 * ```
 *
 * @example
 * ```ts
 * import { fit, toRedisStream } from 'streamgrad/streams';
 * import { filter } from 'rxjs';
 * fit(options).pipe(
 *   filter((e) => e.type === 'batchEnd'),
 *   toRedisStream({ url, stream: 'metrics', maxLen: 10_000, encode: (e) => ({ step: e.step, loss: e.loss }) }),
 * ).subscribe();
 * ```
 * @throws ArgumentError when created with a bad option. The stream errors with an
 *   `ArgumentError` naming the item's index when `encode` returns no fields or a bad value,
 *   and with a `RedisConnectionError` when Redis cannot be reached.
 */
export function toRedisStream<T>(options: ToRedisStreamOptions<T>): MonoTypeOperatorFunction<T> {
  const op = 'toRedisStream';
  if (typeof options !== 'object' || options === null) throw new ArgumentError(`${op}: expected options { url, stream, encode }`);
  checkRedisUrl(op, options.url);
  const { stream, maxLen, encode } = options;
  if (typeof stream !== 'string' || stream.length === 0) throw new ArgumentError(`${op}: stream must be a non-empty string, found ${String(stream)}`);
  if (maxLen !== undefined && !(Number.isInteger(maxLen) && maxLen >= 1)) throw new ArgumentError(`${op}: maxLen must be an integer >= 1, found ${String(maxLen)}`);
  if (typeof encode !== 'function') throw new ArgumentError(`${op}: encode must be a function item => fields, found ${typeof encode}`);
  const settings = checkConnectionOptions(op, options);
  const trim = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];

  return (source) =>
    defer(() => {
      let connection: Promise<RedisConnection> | null = null;
      return source.pipe(
        concatMap(async (item, index) => {
          const args = fieldArgs(op, encode(item, index), index);
          connection ??= RedisConnection.open(op, options.url, settings, 'streamgrad:toRedisStream');
          await (await connection).call('XADD', stream, ...trim, '*', ...args);
          return item;
        }),
        finalize(() => {
          connection?.then((c) => c.close()).catch(() => undefined);
        }),
      );
    });
}

function fieldArgs(op: string, fields: unknown, index: number): (string | number)[] {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ArgumentError(`${op}: encode must return an object of fields, found ${Array.isArray(fields) ? 'an array' : String(fields)} for item ${index}`);
  }
  const args: (string | number)[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new ArgumentError(`${op}: field '${name}' of item ${index} must be a string or a finite number, found ${String(value)}`);
    }
    args.push(name, value);
  }
  if (args.length === 0) throw new ArgumentError(`${op}: encode returned no fields for item ${index}; a stream entry needs at least one`);
  return args;
}
