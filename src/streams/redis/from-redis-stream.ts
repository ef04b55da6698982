import type { Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { currentEpoch } from '../epoch-context.js';
import { fromAsyncPull } from '../sources/pull.js';
import { checkOptions, type FromRedisStreamOptions } from './from-redis-stream-options.js';
import { SharedSession } from './shared-session.js';
import { EXACTLY_ONCE, type ExactlyOnceHandle } from './source-handle.js';
import type { StreamSample } from './stream-decode.js';
import { StreamLedger } from './stream-ledger.js';
import { StreamReader } from './stream-reader.js';

export { StreamDecodeError, readNumbers, type StreamSample, type StreamDecoder } from './stream-decode.js';
export { streamBatch, type StreamBatch } from './stream-batch.js';
export type { FromRedisStreamOptions } from './from-redis-stream-options.js';

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

