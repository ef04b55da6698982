import { type Observable, type OperatorFunction, bufferCount, map } from 'rxjs';
import { ArgumentError, ShapeError, Tensor, stack } from '../../ops/index.js';
import { fmtShape } from '../../ops/errors.js';
import { currentEpoch } from '../epoch-context.js';
import { fromAsyncPull } from '../sources/pull.js';
import type { Batch, Sample } from '../types.js';
import { RedisConnection, type RedisConnectionOptions, checkConnectionOptions, checkRedisUrl } from './connection.js';
import { EXACTLY_ONCE, type ExactlyOnceHandle, GroupLock, type StreamSession, StreamLedger, compareStreamIds } from './exactly-once.js';

/** A sample read from a stream, with the id of its entry. */
export type StreamSample = Sample & { readonly id: string };

/** Batched stream samples (`streamBatch`): the batch and the ids of its entries, in order. */
export type StreamBatch = Batch & { readonly ids: readonly string[] };

/** Turns an entry's fields into a sample; throw (ideally a `StreamDecodeError` naming the field) when it cannot. */
export type StreamDecoder = (fields: Record<string, string>, id: string) => Sample;

/**
 * An entry that does not decode: names the entry's id (when known) and the field at fault.
 * Decoders throw it (or any error) with the field; `fromRedisStream` adds the id and stream.
 *
 * @example
 * ```ts
 * const decode = (f) => {
 *   if (f.label !== 'spam' && f.label !== 'ham') throw new StreamDecodeError(`field 'label': expected spam or ham, found ${f.label}`, { field: 'label' });
 *   return { x: tensor(readNumbers(f, 'x')), y: tensor([f.label === 'spam' ? 1 : 0]) };
 * };
 * ```
 */
export class StreamDecodeError extends Error {
  override name = 'StreamDecodeError';
  /** The field at fault, when the decoder said. */
  readonly field: string | undefined;
  /** The entry's stream id, once the source knows it. */
  readonly id: string | undefined;

  constructor(message: string, details: { field?: string; id?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.field = details.field;
    this.id = details.id;
  }
}

/**
 * Reads field `name` of an entry as comma-separated numbers (`"0.5,-1,3e-2"`), for decoders.
 * @throws StreamDecodeError naming the field when it is missing, not numbers, or not `length` long.
 * @example
 * ```ts
 * const decode = (f) => ({ x: tensor(readNumbers(f, 'x', 8)), y: tensor(readNumbers(f, 'y', 1)) });
 * ```
 */
export function readNumbers(fields: Record<string, string>, name: string, length?: number): number[] {
  const text = fields[name];
  if (text === undefined) throw new StreamDecodeError(`field '${name}' is missing (fields: ${Object.keys(fields).join(', ') || 'none'})`, { field: name });
  const parts = text.trim() === '' ? [] : text.split(',');
  const values = parts.map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new StreamDecodeError(`field '${name}': value ${bad} is not a finite number (${JSON.stringify(parts[bad])})`, { field: name });
  if (length !== undefined && values.length !== length) {
    throw new StreamDecodeError(`field '${name}': expected ${length} comma-separated numbers, found ${values.length}`, { field: name });
  }
  return values;
}

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

/** Counters of a `fromRedisStream` source, over all its subscriptions. */
export interface RedisStreamStats {
  /** `XREADGROUP` calls made. */
  reads: number;
  /** Samples emitted. */
  emitted: number;
  /** Entries read again that a durable checkpoint already held: acknowledged and skipped. */
  skippedApplied: number;
  /** Entries read again that this process had emitted already (its pending list, read after a reconnection or in a later epoch; a restarted Redis delivering them twice): skipped. */
  duplicates: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Pending entries whose data was deleted (XDEL, trimming): acknowledged, or dropped by `XAUTOCLAIM`. */
  deletedPending: number;
  /** Pending entries of other consumers of the group taken over with `XAUTOCLAIM`. */
  claimed: number;
  /** Entries acknowledged by `ackOnCheckpoint`. */
  acknowledged: number;
}

/** A `fromRedisStream` source: an Observable of samples, with counters. */
export interface RedisStreamSource extends Observable<StreamSample> {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  /** A copy of the counters. */
  stats(): RedisStreamStats;
  /** @internal */
  readonly [EXACTLY_ONCE]: ExactlyOnceHandle;
}

interface Settings extends Required<Omit<FromRedisStreamOptions, 'deadLetter' | 'afterId' | 'idleMs'>> {
  readonly deadLetter: string | undefined;
  readonly afterId: string | undefined;
  readonly idleMs: number | undefined;
}

type RawEntry = [id: string, fields: string[] | null];

/**
 * Moves entry ARGV[2] of stream KEYS[1] (group ARGV[1]) to the dead-letter stream KEYS[2] with
 * the fields ARGV[3…], atomically and only while it is still pending, so a command sent again
 * after a lost reply does not add it twice.
 */
const DEAD_LETTER = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * Reads a Redis stream as a consumer-group member, demand-driven: `XREADGROUP GROUP g c
 * COUNT count BLOCK blockMs STREAMS s >` is sent only when downstream wants the next sample
 * and the previous `count` entries are used up. Each entry is decoded with
 * `decode(fields, id)` and emitted as `{ ...sample, id }`.
 *
 * On subscribe it connects (a server that is down is an error naming the URL), takes the
 * group lock (one learner per group, see `ackOnCheckpoint`), creates the group when missing
 * (`XGROUP CREATE ... MKSTREAM`, at `startId`), takes over entries left pending by other
 * consumers (`XAUTOCLAIM`; deleted ones are counted), reads this consumer's pending entries
 * from `0`, then new ones (`>`). Entries at or before the last applied id (`afterId`, or the
 * one a resumed checkpoint recorded) are acknowledged and skipped; entries delivered twice
 * (a restarted Redis) are skipped. A dropped connection is reconnected within the retry
 * budget (`retryBudgetMs`, 10 s by default), then the stream errors with a
 * `RedisConnectionError`.
 *
 * Entries are not acknowledged on emission: `ackOnCheckpoint` acknowledges them once a
 * checkpoint holds the update that used them. Memory: at most `count` entries read ahead.
 *
 * ```
 * stream:            a-b-c-d-e-...      entries in Redis
 * fromRedisStream:   -a-b-c-d-e-...     one XREADGROUP per `count` samples the consumer takes
 * ```
 *
 * @example
 * ```ts
 * import { tensor } from 'streamgrad';
 * import { fromRedisStream, readNumbers, streamBatch } from 'streamgrad/streams';
 * const source = fromRedisStream({
 *   url: 'redis://127.0.0.1:6379', stream: 'clicks', group: 'learner', consumer: 'learner-1',
 *   decode: (f) => ({ x: tensor(readNumbers(f, 'x', 16)), y: tensor(readNumbers(f, 'y', 1)) }),
 *   deadLetter: 'clicks:dead',
 * });
 * source.pipe(streamBatch(64)).subscribe((b) => console.log(b.ids.at(-1)));
 * ```
 * @returns a cold `RedisStreamSource`; one subscription at a time.
 * @throws ArgumentError at creation for a bad option. The stream errors with a
 *   `StreamDecodeError` naming the entry id and field when an entry does not decode (unless
 *   `deadLetter`), a `RedisConnectionError` naming the URL when Redis cannot be reached, and
 *   an error naming the other learner when the group is locked.
 */
export function fromRedisStream(options: FromRedisStreamOptions): RedisStreamSource {
  const settings = checkOptions(options);
  const ledger = new StreamLedger(settings.afterId ?? null);
  const stats: RedisStreamStats = { reads: 0, emitted: 0, skippedApplied: 0, duplicates: 0, deadLettered: 0, deletedPending: 0, claimed: 0, acknowledged: 0 };
  const session = new SharedSession(settings);
  let reading = false;
  const handle: ExactlyOnceHandle = {
    op: 'fromRedisStream',
    stream: settings.stream,
    group: settings.group,
    consumer: settings.consumer,
    ledger,
    lease: () => session.lease(),
    acknowledged: (count) => (stats.acknowledged += count),
  };
  const observable = fromAsyncPull<StreamSample>(() => {
    if (reading) {
      throw new ArgumentError(`fromRedisStream: consumer '${settings.consumer}' of group '${settings.group}' is already being read by this source; subscribe once at a time`);
    }
    reading = true;
    ledger.openEpoch(currentEpoch());
    return new StreamReader(settings, session, ledger, stats, () => (reading = false));
  });
  return Object.assign(observable, {
    stream: settings.stream,
    group: settings.group,
    consumer: settings.consumer,
    stats: () => ({ ...stats }),
    [EXACTLY_ONCE]: handle,
  });
}

/** One subscription's reading: setup, the pending then new entries, decoding, teardown. */
class StreamReader implements AsyncIterator<StreamSample> {
  private readonly lease: ReturnType<SharedSession['lease']>;
  private starting: Promise<StreamSession> | null = null;
  private session: StreamSession | null = null;
  private reader: RedisConnection | null = null;
  private phase: 'pending' | 'new' = 'pending';
  private cursor = '0';
  private buffer: RawEntry[] = [];
  private lastEntryAt = Date.now();
  private closed = false;

  constructor(
    private readonly settings: Settings,
    sessions: SharedSession,
    private readonly ledger: StreamLedger,
    private readonly stats: RedisStreamStats,
    private readonly onClose: () => void,
  ) {
    this.lease = sessions.lease();
  }

  async next(): Promise<IteratorResult<StreamSample>> {
    try {
      const session = this.session ?? (await (this.starting ??= this.start()));
      for (;;) {
        if (this.closed) return { done: true, value: undefined };
        session.lock.check();
        const entry = this.buffer.shift();
        if (entry !== undefined) {
          const sample = await this.accept(session, entry);
          if (sample === null) continue;
          this.ledger.emitted(sample.id);
          this.stats.emitted++;
          return { done: false, value: sample };
        }
        if (await this.fill(session)) {
          await this.close();
          return { done: true, value: undefined };
        }
      }
    } catch (error) {
      const wasClosed = this.closed;
      await this.close();
      if (wasClosed) return { done: true, value: undefined };
      throw error;
    }
  }

  async return(): Promise<IteratorResult<StreamSample>> {
    await this.close();
    return { done: true, value: undefined };
  }

  private async start(): Promise<StreamSession> {
    const { stream, group, consumer, startId } = this.settings;
    const session = await this.lease.ready;
    try {
      await session.connection.call('XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.reader = await session.connection.duplicate('streamgrad:fromRedisStream:reader');
    if (this.closed) this.reader.disconnect();
    await this.claimAbandoned(session);
    this.session = session;
    return session;
  }

  /** Takes over what other consumers of the group left pending (the lock says they are gone). */
  private async claimAbandoned(session: StreamSession): Promise<void> {
    const { stream, group, consumer } = this.settings;
    const summary = (await session.connection.call('XPENDING', stream, group)) as [number, string | null, string | null, [string, string][] | null];
    const others = (summary[3] ?? []).filter(([name]) => name !== consumer);
    if (others.length === 0) return;
    let cursor = '0-0';
    do {
      const reply = (await session.connection.call('XAUTOCLAIM', stream, group, consumer, 0, cursor, 'COUNT', 1000, 'JUSTID')) as [string, string[], string[]?];
      cursor = reply[0];
      this.stats.deletedPending += reply[2]?.length ?? 0;
    } while (cursor !== '0-0');
    this.stats.claimed += others.reduce((sum, [, count]) => sum + Number(count), 0);
  }

  /** One read into the buffer; true when the stream is to complete (idle). */
  private async fill(session: StreamSession): Promise<boolean> {
    const { stream, group, consumer, count, blockMs, idleMs } = this.settings;
    const reader = this.reader as RedisConnection;
    const reconnects = reader.reconnects;
    this.stats.reads++;
    const reply =
      this.phase === 'pending'
        ? await reader.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, this.cursor)
        : await reader.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>');
    if (reader.reconnects !== reconnects) {
      // The connection dropped during the read: entries may have been delivered to this consumer
      // with the reply lost. Read them back from the pending list, in id order, before new ones.
      this.phase = 'pending';
      this.cursor = this.ledger.lastEmittedId ?? '0';
      this.buffer = [];
      return false;
    }
    const entries = parseRead(reply);
    if (this.phase === 'pending') {
      if (entries.length === 0) this.phase = 'new';
      else this.cursor = entries[entries.length - 1][0];
    } else if (entries.length === 0) {
      return idleMs !== undefined && Date.now() - this.lastEntryAt >= idleMs;
    } else {
      this.lastEntryAt = Date.now();
    }
    await this.triage(session, entries);
    return false;
  }

  /** Acknowledges entries already applied or deleted, skips duplicates, buffers the rest. */
  private async triage(session: StreamSession, entries: RawEntry[]): Promise<void> {
    const done: string[] = [];
    for (const entry of entries) {
      const [id, fields] = entry;
      if (fields === null) {
        done.push(id);
        this.stats.deletedPending++;
      } else if (this.ledger.isCheckpointed(id)) {
        done.push(id);
        this.stats.skippedApplied++;
      } else if (this.ledger.isEmitted(id)) {
        this.stats.duplicates++;
      } else {
        this.buffer.push(entry);
      }
    }
    if (done.length > 0) await session.connection.call('XACK', this.settings.stream, this.settings.group, ...done);
  }

  /** The entry as a sample, or null when it was dead-lettered. */
  private async accept(session: StreamSession, [id, fields]: RawEntry): Promise<StreamSample | null> {
    const { stream, group, decode, deadLetter } = this.settings;
    const record: Record<string, string> = {};
    const flat = fields ?? [];
    for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]] = flat[i + 1];
    let sample: Sample;
    try {
      sample = decode(record, id);
      checkDecoded(sample);
    } catch (error) {
      const field = error instanceof StreamDecodeError ? error.field : undefined;
      const reason = error instanceof Error ? error.message : String(error);
      const message = `fromRedisStream: entry ${id} of stream '${stream}' does not decode: ${reason}`;
      if (deadLetter === undefined) {
        throw new StreamDecodeError(`${message} (set deadLetter to move such entries aside)`, { field, id, cause: error });
      }
      const extra = ['streamgrad:stream', stream, 'streamgrad:id', id, 'streamgrad:error', reason];
      await session.connection.call('EVAL', DEAD_LETTER, 2, stream, deadLetter, group, id, ...flat, ...extra);
      this.stats.deadLettered++;
      return null;
    }
    return { ...sample, id };
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reader?.disconnect();
    this.onClose();
    this.lease.release();
  }
}

function checkDecoded(sample: unknown): asserts sample is Sample {
  for (const field of ['x', 'y'] as const) {
    const value = (sample as Partial<Sample> | null | undefined)?.[field];
    if (!(value instanceof Tensor)) {
      throw new StreamDecodeError(`decode returned no tensor ${field} (found ${value === null ? 'null' : typeof value}); return { x: Tensor, y: Tensor }`);
    }
  }
}

/** The entries of an `XREADGROUP` reply on one stream (RESP2: `[[stream, [[id, fields]...]]]` or null). */
function parseRead(reply: unknown): RawEntry[] {
  if (reply === null) return [];
  const streams = reply as [string, RawEntry[]][];
  return streams[0]?.[1] ?? [];
}

/**
 * The connection and group lock of a source, shared by its subscription and its
 * `ackOnCheckpoint`: opened by the first lease, closed (lock released) when the last ends.
 */
class SharedSession {
  private users = 0;
  private opening: Promise<StreamSession> | null = null;

  constructor(private readonly settings: Settings) {}

  lease(): { readonly ready: Promise<StreamSession>; release(): void } {
    this.users++;
    if (this.opening === null) {
      this.opening = this.open();
      this.opening.catch(() => undefined); // each lease holder awaits it and reports the failure
    }
    const ready = this.opening;
    let released = false;
    return {
      ready,
      release: () => {
        if (released) return;
        released = true;
        if (--this.users > 0) return;
        this.opening = null;
        ready
          .then(async (session) => {
            await session.lock.release();
            await session.connection.close();
          })
          .catch(() => undefined);
      },
    };
  }

  private async open(): Promise<StreamSession> {
    const { url, stream, group, consumer, lockTtlMs, lockWaitMs } = this.settings;
    const connection = await RedisConnection.open('fromRedisStream', url, this.settings, 'streamgrad:fromRedisStream');
    try {
      const lock = await GroupLock.acquire('fromRedisStream', connection, {
        key: `streamgrad:lock:${stream}:${group}`,
        consumer,
        ttlMs: lockTtlMs,
        waitMs: lockWaitMs,
        describe: `group '${group}' of stream '${stream}'`,
      });
      return { connection, lock };
    } catch (error) {
      await connection.close();
      throw error;
    }
  }
}

/**
 * Groups stream samples into batches of `size` like `batch`, keeping the ids of the entries:
 * `{ x: [n, ...], y: [n, ...], size: n, ids }`. The last batch may be smaller. The batching
 * to use with `ackOnCheckpoint`: it keeps every sample, in order.
 *
 * ```
 * source:         --a--b--c--d--e--|
 * streamBatch(2): -----B-----D-----(E|)    B = [a,b] with ids [a.id, b.id]
 * ```
 *
 * @example
 * ```ts
 * fromRedisStream(options).pipe(streamBatch(64)).subscribe((b) => console.log(b.ids));
 * ```
 * @throws ArgumentError when created with a bad size. The stream errors with a `ShapeError`
 *   naming both entries' ids when a sample's shape differs from the first of its batch.
 */
export function streamBatch(size: number): OperatorFunction<StreamSample, StreamBatch> {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`streamBatch: size must be an integer >= 1, found ${String(size)}`);
  return (source) =>
    source.pipe(
      bufferCount(size),
      map((samples): StreamBatch => {
        for (const field of ['x', 'y'] as const) {
          const first = samples[0][field].shape;
          for (const sample of samples) {
            const shape = sample[field].shape;
            if (shape.length !== first.length || shape.some((d, i) => d !== first[i])) {
              throw new ShapeError(
                `streamBatch: entry ${sample.id} has ${field} of shape ${fmtShape(shape)} but entry ${samples[0].id} (first of its batch) has ${fmtShape(first)}`,
              );
            }
          }
        }
        return { x: stack(samples.map((s) => s.x)), y: stack(samples.map((s) => s.y)), size: samples.length, ids: samples.map((s) => s.id) };
      }),
    );
}

function checkOptions(opts: FromRedisStreamOptions): Settings {
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
  if (startId !== '$') checkId(op, 'startId', startId);
  if (opts.afterId !== undefined) checkId(op, 'afterId', opts.afterId);
  if (opts.deadLetter !== undefined && (typeof opts.deadLetter !== 'string' || opts.deadLetter.length === 0 || opts.deadLetter === opts.stream)) {
    throw new ArgumentError(`${op}: deadLetter must be the name of another stream, found ${JSON.stringify(opts.deadLetter)}`);
  }
  const connection = checkConnectionOptions(op, opts);
  return { ...opts, ...connection, count, blockMs, startId, lockTtlMs, lockWaitMs, deadLetter: opts.deadLetter, afterId: opts.afterId, idleMs: opts.idleMs };
}

function checkId(op: string, name: string, id: unknown): void {
  try {
    compareStreamIds(String(id), '0-0');
    if (typeof id === 'string') return;
  } catch {
    // reported below
  }
  throw new ArgumentError(`${op}: ${name} must be a stream id like 1700000000000-0 (or '0'), found ${JSON.stringify(id)}`);
}
