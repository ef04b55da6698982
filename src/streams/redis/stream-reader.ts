import type { RedisConnection } from './connection.js';
import { claimAbandoned } from './claim-abandoned.js';
import { deadLetterEntry } from './dead-letter.js';
import type { Settings } from './from-redis-stream-options.js';
import type { SharedSession } from './shared-session.js';
import type { StreamSession } from './source-handle.js';
import { StreamDecodeError, type StreamSample, checkDecoded } from './stream-decode.js';
import type { StreamLedger } from './stream-ledger.js';
import type { Sample } from '../types.js';
import type { RedisStreamStats } from './from-redis-stream.js';

type RawEntry = [id: string, fields: string[] | null];

/** One subscription's reading: setup, the pending then new entries, decoding, teardown. @internal */
export class StreamReader implements AsyncIterator<StreamSample> {
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
    const { stream, group, startId } = this.settings;
    const session = await this.lease.ready;
    try {
      await session.connection.call('XGROUP', 'CREATE', stream, group, startId, 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.reader = await session.connection.duplicate('streamgrad:fromRedisStream:reader');
    if (this.closed) this.reader.disconnect();
    const claim = await claimAbandoned(session.connection, this.settings);
    this.stats.claimed += claim.claimed;
    this.stats.deletedPending += claim.deleted;
    this.session = session;
    return session;
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
      await deadLetterEntry(session.connection, { stream, group, deadLetter }, id, flat, reason);
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

/** The entries of an `XREADGROUP` reply on one stream (RESP2: `[[stream, [[id, fields]...]]]` or null). */
function parseRead(reply: unknown): RawEntry[] {
  if (reply === null) return [];
  const streams = reply as [string, RawEntry[]][];
  return streams[0]?.[1] ?? [];
}

