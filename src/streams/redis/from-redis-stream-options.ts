import { ArgumentError } from '../../ops/index.js';
import { type RedisConnectionOptions, checkConnectionOptions, checkRedisUrl } from './connection.js';
import type { StreamDecoder } from './stream-decode.js';
import { checkStreamId } from './stream-id.js';

/** Options of `fromRedisStream`. */
export interface FromRedisStreamOptions extends RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. */
  readonly url: string;
  readonly stream: string;
  /** The consumer group; created (with the stream, `MKSTREAM`) when missing. */
  readonly group: string;
  /** This reader's name in the group; keep it across restarts so it finds its pending entries. */
  readonly consumer: string;
  /** Entries asked for per read (`XREADGROUP COUNT`), only when downstream wants more. @default 64 */
  readonly count?: number;
  /** How long one read waits for new entries (`BLOCK`). @default 1000 */
  readonly blockMs?: number;
  readonly decode: StreamDecoder;
  /** Move entries that do not decode to this stream (with `streamgrad:stream`, `streamgrad:id`, `streamgrad:error` fields) and go on, instead of failing. */
  readonly deadLetter?: string;
  /** Where a group created here starts: `'0'` the whole stream, `'$'` only entries added later. @default '0' */
  readonly startId?: string;
  /** Entries at or before this id are already applied: acknowledged and skipped when read (`ackOnCheckpoint` sets it from a resumed checkpoint). */
  readonly afterId?: string;
  /** Complete once no new entry arrived for this long; by default wait for entries forever. */
  readonly idleMs?: number;
  /** Lifetime of the group lock (one learner per group), renewed every third of it. @default 10_000 */
  readonly lockTtlMs?: number;
  /** How long to wait for a group locked by another learner before failing. @default lockTtlMs */
  readonly lockWaitMs?: number;
}

/** The options of `fromRedisStream`, checked, with defaults filled in. @internal */
export interface Settings extends Required<Omit<FromRedisStreamOptions, 'deadLetter' | 'afterId' | 'idleMs'>> {
  readonly deadLetter: string | undefined;
  readonly afterId: string | undefined;
  readonly idleMs: number | undefined;
}

/** Checks the options of `fromRedisStream` and fills in the defaults. @internal */
export function checkOptions(opts: FromRedisStreamOptions): Settings {
  const op = 'fromRedisStream';
  if (typeof opts !== 'object' || opts === null) throw new ArgumentError(`${op}: expected options { url, stream, group, consumer, decode, ... }`);
  checkRedisUrl(op, opts.url);
  for (const key of ['stream', 'group', 'consumer'] as const) {
    if (typeof opts[key] !== 'string' || opts[key].length === 0) throw new ArgumentError(`${op}: ${key} must be a non-empty string, found ${String(opts[key])}`);
  }
  if (typeof opts.decode !== 'function') throw new ArgumentError(`${op}: decode must be a function (fields, id) => { x, y }, found ${typeof opts.decode}`);
  const { count = 64, blockMs = 1000, startId = '0', lockTtlMs = 10_000 } = opts;
  const lockWaitMs = opts.lockWaitMs ?? lockTtlMs;
  const integers = { count: [count, 1], blockMs: [blockMs, 1], lockTtlMs: [lockTtlMs, 30], lockWaitMs: [lockWaitMs, 0] } as const;
  for (const [name, [value, min]] of Object.entries(integers)) {
    if (!Number.isInteger(value) || value < min) throw new ArgumentError(`${op}: ${name} must be an integer >= ${min}, found ${String(value)}`);
  }
  if (opts.idleMs !== undefined && !(Number.isFinite(opts.idleMs) && opts.idleMs >= 0)) {
    throw new ArgumentError(`${op}: idleMs must be a number of milliseconds >= 0, found ${String(opts.idleMs)}`);
  }
  if (startId !== '$') checkStreamId(op, 'startId', startId);
  if (opts.afterId !== undefined) checkStreamId(op, 'afterId', opts.afterId);
  if (opts.deadLetter !== undefined && (typeof opts.deadLetter !== 'string' || opts.deadLetter.length === 0 || opts.deadLetter === opts.stream)) {
    throw new ArgumentError(`${op}: deadLetter must be the name of another stream, found ${JSON.stringify(opts.deadLetter)}`);
  }
  const connection = checkConnectionOptions(op, opts);
  return { ...opts, ...connection, count, blockMs, startId, lockTtlMs, lockWaitMs, deadLetter: opts.deadLetter, afterId: opts.afterId, idleMs: opts.idleMs };
}

