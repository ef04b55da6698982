import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type MonoTypeOperatorFunction, type Observable, concatMap, defer, finalize, from, map, of, tap } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import type { CheckpointEvent, FitPosition, TrainContext, TrainEvent } from '../train/events.js';
import type { FitOptions } from '../train/fit.js';
import type { RedisConnection } from './connection.js';
import type { RedisStreamSource } from './from-redis-stream.js';

/*
 * Exactly-once model updates from a Redis stream, with one learner per consumer group.
 *
 * An entry is acknowledged (XACK) only once the update that used it is part of a durable
 * checkpoint, and the checkpoint records the last stream id it includes. After a crash the
 * learner resumes that checkpoint; entries at or before the recorded id are acknowledged and
 * skipped, later ones are trained again, so each entry reaches the model once.
 *
 * How the recorded id stays exact: `fit` updates the weights and its position (epoch and
 * samples trained in it) in one synchronous step, and a checkpoint copies both at the same
 * moment. The source logs the id of every sample it emits, in order, per epoch (`StreamLedger`),
 * so the id a checkpoint records is computed from the position it copies: the id of sample
 * `position.samples − 1` of `position.epoch`. It never lags the weights, wherever the
 * checkpoint's copy happens relative to the `batchEnd` events.
 */

/** What `ackOnCheckpoint` keeps in `context.callbackState[name]` (and so in each checkpoint). */
export interface StreamSourceState {
  /** The id of the last entry whose update the model holds; `null` before the first. */
  lastId: string | null;
  /** How many entries the model has been trained on, over the whole run. */
  applied: number;
}

/**
 * Compares two stream ids (`<ms>-<seq>`, `<ms>` alone meaning `<ms>-0`) numerically, as
 * Redis orders them: negative when `a` comes first, zero when equal, positive otherwise.
 *
 * @example
 * ```ts
 * compareStreamIds('1700000000000-9', '1700000000000-10'); // < 0 (not a string comparison)
 * ```
 */
export function compareStreamIds(a: string, b: string): number {
  const [aMs, aSeq] = splitId(a);
  const [bMs, bSeq] = splitId(b);
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  if (aSeq !== bSeq) return aSeq < bSeq ? -1 : 1;
  return 0;
}

function splitId(id: string): [bigint, bigint] {
  const match = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (match === null) throw new ArgumentError(`stream id must look like <ms>-<seq> (e.g. 1700000000000-0), found ${JSON.stringify(id)}`);
  return [BigInt(match[1]), BigInt(match[2] ?? '0')];
}

/** The samples one subscription (one epoch of `fit`) emitted, from the first not yet known to be trained. */
interface EpochLog {
  readonly epoch: number | undefined;
  /** Last applied id and applied count before this epoch's first sample. */
  readonly baseId: string | null;
  readonly baseApplied: number;
  /** Samples of this epoch dropped from the front of `ids` (known trained). */
  offset: number;
  readonly ids: string[];
}

/**
 * Which entries a source emitted and which of them the model holds (see the file comment).
 * Memory: the ids emitted but not yet trained, plus one. @internal
 */
export class StreamLedger {
  /** Entries at or before this id are in a durable checkpoint: acknowledged and skipped when read. */
  checkpointedId: string | null;
  /** The newest id emitted; a later delivery at or before it (after a Redis restart) is a duplicate. */
  lastEmittedId: string | null = null;
  private firstEmittedId: string | null = null;
  private startId: string | null;
  private startApplied = 0;
  private logs: EpochLog[] = [];

  constructor(afterId: string | null) {
    this.checkpointedId = afterId;
    this.startId = afterId;
  }

  /** A subscription of the source starts, in `fit`'s epoch `epoch`: what earlier epochs emitted was all trained. */
  openEpoch(epoch: number | undefined): void {
    const end = this.endOfLogs();
    const previous = this.logs.at(-1);
    this.logs = [...(previous === undefined ? [] : [previous]), { epoch, baseId: end.lastId, baseApplied: end.applied, offset: 0, ids: [] }];
  }

  /** Whether an `ackOnCheckpoint` runs on the source: only then are emitted ids kept (and pruned as they are trained). */
  tracking = false;

  /** The source emits the entry `id`. */
  emitted(id: string): void {
    if (this.tracking) this.logs.at(-1)?.ids.push(id);
    this.firstEmittedId ??= id;
    this.lastEmittedId = id;
  }

  /** True when `id` is in a durable checkpoint already. */
  isCheckpointed(id: string): boolean {
    return this.checkpointedId !== null && compareStreamIds(id, this.checkpointedId) <= 0;
  }

  /** True when `id` was emitted already in this process. */
  isEmitted(id: string): boolean {
    return this.lastEmittedId !== null && compareStreamIds(id, this.lastEmittedId) <= 0;
  }

  /** A durable checkpoint holds every entry through `id`. */
  checkpointed(id: string): void {
    if (!this.isCheckpointed(id)) this.checkpointedId = id;
  }

  /** The run continues a checkpoint that applied entries through `lastId`. */
  resumeFrom(op: string, saved: StreamSourceState): void {
    if (saved.lastId === null) return;
    if (this.firstEmittedId !== null && compareStreamIds(this.firstEmittedId, saved.lastId) <= 0) {
      throw new ArgumentError(
        `${op}: the source emitted entry ${this.firstEmittedId} before it learned that the resumed run already applied entries ` +
          `through ${saved.lastId}; put ackOnCheckpoint before callbacks that delay events, or create the source with afterId`,
      );
    }
    this.checkpointed(saved.lastId);
    if (this.startId === null || compareStreamIds(saved.lastId, this.startId) > 0) this.startId = saved.lastId;
    this.startApplied = saved.applied;
    if (this.logs.length === 1 && this.logs[0].baseId === null && this.logs[0].offset === 0) {
      this.logs = [{ ...this.logs[0], baseId: this.startId, baseApplied: this.startApplied }];
    }
  }

  /** The last applied id and applied count for a model at `position` of `fit`. */
  appliedAt(op: string, position: FitPosition): StreamSourceState {
    const log = this.logs.find((l) => l.epoch === position.epoch);
    if (log === undefined) return this.endOfLogs();
    if (position.samples === 0) return { lastId: log.baseId, applied: log.baseApplied };
    const id = log.ids[position.samples - 1 - log.offset];
    if (id === undefined) {
      throw new ArgumentError(
        `${op}: fit has trained ${position.samples} samples of epoch ${position.epoch} but the source emitted ` +
          `${log.offset + log.ids.length}; the samples must reach fit in the order the source emits them, none dropped ` +
          `or repeated (use streamBatch; no shuffle, filter or dropRemainder in between)`,
      );
    }
    return { lastId: id, applied: log.baseApplied + position.samples };
  }

  /** `fit` reached `position`: forget the ids before the last trained one. */
  trained(op: string, position: FitPosition): StreamSourceState {
    const state = this.appliedAt(op, position);
    const log = this.logs.find((l) => l.epoch === position.epoch);
    const drop = position.samples - 1 - (log?.offset ?? 0);
    if (log !== undefined && drop > 0) {
      log.ids.splice(0, drop);
      log.offset += drop;
    }
    return state;
  }

  /** Everything emitted so far counted as trained (between epochs). */
  private endOfLogs(): StreamSourceState {
    const last = this.logs.at(-1);
    if (last === undefined) return { lastId: this.startId, applied: this.startApplied };
    return { lastId: last.ids.at(-1) ?? last.baseId, applied: last.baseApplied + last.offset + last.ids.length };
  }
}

/** The Redis connection and group lock a source and its `ackOnCheckpoint` share. @internal */
export interface StreamSession {
  readonly connection: RedisConnection;
  readonly lock: GroupLock;
}

/** What `ackOnCheckpoint` needs from a source. @internal */
export interface ExactlyOnceHandle {
  readonly op: string;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly ledger: StreamLedger;
  lease(): { readonly ready: Promise<StreamSession>; release(): void };
  acknowledged(count: number): void;
}

/** Key of a source's `ExactlyOnceHandle`. @internal */
export const EXACTLY_ONCE = Symbol('streamgrad.redisExactlyOnce');

/** Options of `ackOnCheckpoint`. */
export interface AckOnCheckpointOptions {
  /** Key of the state in `context.callbackState` (see `StreamSourceState`). @default 'redisSource' */
  readonly name?: string;
}

/**
 * Exactly-once training from a Redis stream: wraps the `checkpoint` callbacks of a `fit`
 * run so that a stream entry is acknowledged (`XACK`) only after the model update that used
 * it is part of a durable checkpoint.
 *
 * 1. It keeps `{ lastId, applied }` (`StreamSourceState`) in `context.callbackState[name]`;
 *    each checkpoint saves the id of the last entry its weights include (computed from the
 *    position the checkpoint copies, so it is exact however the events are delayed).
 * 2. On each `checkpoint` event it acknowledges every pending entry of the consumer at or
 *    before the id that checkpoint recorded (`XPENDING` … `XACK`), then passes the event on
 *    (sequenced: later events wait for the acknowledgement). Each checkpoint callback is
 *    watched on both sides, so the id is the one its copy of the state holds.
 *
 * After a crash, `resume` the checkpoint directory and pass `streamResume(point)` to `fit`:
 * the source acknowledges and skips the entries the checkpoint holds (pending ones of this
 * consumer, those a dead consumer left, which it claims with `XAUTOCLAIM`, and any that a
 * restarted Redis delivers again), trains the rest, then new ones. Each entry is applied
 * once. Entries trained after the last checkpoint stay pending until the next one.
 *
 * Requirements: the samples reach `fit` in the order the source emits them, none dropped or
 * repeated (`streamBatch`, optionally `prefetch`; no shuffle or filter); the checkpoints
 * write `callbackState` (streamgrad's `checkpoint` does); one learner per group, enforced by
 * the source's group lock. Several learners on one group would need a shared set of applied
 * ids (each update and its ids committed together), which this does not implement.
 *
 * ```
 * fit events:         -b-b-b-b-|          b = batchEnd; the 3rd triggers a checkpoint
 * ackOnCheckpoint(source, [checkpoint({ dir, every: { steps: 3 } })]):
 *                     -b-b-······(bc)b-|  ······ = the checkpoint write, then XACK of the
 *                                          entries of batches 1-3; c = the checkpoint event
 * ```
 *
 * @example
 * ```ts
 * import { fromRedisStream, streamBatch, ackOnCheckpoint, streamResume, fit } from 'streamgrad/streams';
 * import { checkpoint, resume } from 'streamgrad/callbacks';
 * const point = await resume('runs/online', { model, optimizer });   // null on a fresh start
 * const source = fromRedisStream({ url, stream: 'clicks', group: 'learner', consumer: 'learner-1', decode });
 * fit({
 *   model, loss, optimizer, epochs: (point?.position.epoch ?? 0) + 1,
 *   train: source.pipe(streamBatch(64)),
 *   resume: streamResume(point),
 *   callbacks: [ackOnCheckpoint(source, [checkpoint({ dir: 'runs/online', every: { steps: 100 } })])],
 * }).subscribe();
 * ```
 * @param source - the `fromRedisStream` source `fit` trains on.
 * @param checkpoints - the checkpoint callbacks (at least one), applied in order inside.
 * @returns an operator over training events.
 * @throws ArgumentError at creation for a source not made by `fromRedisStream` or no checkpoint
 *   callback. The stream errors when `fit` resumes mid-epoch without `streamResume` (it would
 *   skip new entries), when the samples trained do not match those the source emitted, and
 *   when acknowledging fails (`RedisConnectionError`).
 */
export function ackOnCheckpoint(
  source: RedisStreamSource,
  checkpoints: readonly MonoTypeOperatorFunction<TrainEvent>[],
  options: AckOnCheckpointOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  const op = 'ackOnCheckpoint';
  const handle = (source as Partial<RedisStreamSource> | null)?.[EXACTLY_ONCE];
  if (handle === undefined) throw new ArgumentError(`${op}: source must be made by fromRedisStream, found ${typeof source}`);
  if (!Array.isArray(checkpoints) || checkpoints.length === 0 || checkpoints.some((c) => typeof c !== 'function')) {
    throw new ArgumentError(`${op}: expected a non-empty array of checkpoint callbacks, e.g. [checkpoint({ dir, every: { steps: 100 } })]`);
  }
  const { name = 'redisSource' } = options;
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(`${op}: name must be a non-empty string, found ${String(name)}`);

  return (events: Observable<TrainEvent>) =>
    defer(() => {
      const lease = handle.lease();
      lease.ready.catch(() => undefined); // reported by the source, or by the first acknowledgement
      handle.ledger.tracking = true;
      let context: TrainContext | null = null;
      const record = (event: TrainEvent): void => {
        if (context === null) context = install(op, name, handle.ledger, event.context);
        if (event.type === 'epochStart') {
          const position = event.context.position();
          if (position.batch > 0) {
            throw new ArgumentError(
              `${op}: fit resumes epoch ${position.epoch} at batch ${position.batch} and would skip ${position.batch} batches ` +
                'of new stream entries (a stream is not replayed); pass resume: streamResume(point) to fit',
            );
          }
        }
        if (event.type === 'batchEnd') Object.assign(event.context.callbackState[name] as StreamSourceState, handle.ledger.trained(op, event.context.position()));
      };
      // The id each checkpoint records is what its copy of the state holds: computed from the
      // live position at the moment the trigger event reaches the checkpoint callback (a probe
      // just before it), and attached to the checkpoint event it emits right after that event.
      const recorded = new WeakMap<TrainEvent, StreamSourceState>();
      const wrap = (callback: MonoTypeOperatorFunction<TrainEvent>): MonoTypeOperatorFunction<TrainEvent> => (stream) => {
        const seen = new WeakMap<TrainEvent, StreamSourceState>();
        let previous: TrainEvent | null = null;
        return stream.pipe(
          tap((event) => context !== null && seen.set(event, handle.ledger.appliedAt(op, context.position()))),
          callback,
          tap((event) => {
            if (event.type === 'checkpoint' && !recorded.has(event)) {
              const state = previous === null ? undefined : seen.get(previous);
              if (state === undefined) throw new ArgumentError(`${op}: checkpoint event at step ${event.step} did not follow the event that triggered it`);
              recorded.set(event, state);
            }
            if (event.type !== 'checkpoint') previous = event;
          }),
        );
      };
      const acknowledge = async (event: CheckpointEvent): Promise<void> => {
        const lastId = recorded.get(event)?.lastId ?? null;
        if (lastId === null) return;
        const session = await lease.ready;
        session.lock.check();
        handle.acknowledged(await acknowledgeThrough(session.connection, handle, lastId));
        handle.ledger.checkpointed(lastId);
      };
      const inner = checkpoints.reduce<Observable<TrainEvent>>((stream, callback) => stream.pipe(wrap(callback)), events.pipe(tap(record)));
      return inner.pipe(
        concatMap((event) => (event.type === 'checkpoint' ? from(acknowledge(event)).pipe(map(() => event)) : of(event))),
        finalize(() => {
          handle.ledger.tracking = false;
          lease.release();
        }),
      );
    });
}

/** Puts the live state into `callbackState[name]`, continuing the saved one on a resumed run. */
function install(op: string, name: string, ledger: StreamLedger, context: TrainContext): TrainContext {
  const bag = context.callbackState;
  const saved = bag[name];
  if (saved !== undefined) {
    if (!isState(saved)) throw new ArgumentError(`${op}: callbackState["${name}"] is not { lastId, applied }, found ${JSON.stringify(saved)}`);
    ledger.resumeFrom(op, saved);
  }
  const state: StreamSourceState = { ...ledger.appliedAt(op, context.position()) };
  // A checkpoint serializes the state when it copies the weights: compute it from that moment's position.
  Object.defineProperty(state, 'toJSON', { value: () => ledger.appliedAt(op, context.position()), enumerable: false });
  bag[name] = state;
  return context;
}

function isState(value: unknown): value is StreamSourceState {
  if (typeof value !== 'object' || value === null) return false;
  const { lastId, applied } = value as Record<string, unknown>;
  return (lastId === null || typeof lastId === 'string') && typeof applied === 'number';
}

/** XACKs every entry pending for the consumer with an id at or before `lastId`; returns how many. @internal */
export async function acknowledgeThrough(connection: RedisConnection, handle: Pick<ExactlyOnceHandle, 'stream' | 'group' | 'consumer'>, lastId: string): Promise<number> {
  const { stream, group, consumer } = handle;
  let start = '-';
  let total = 0;
  for (;;) {
    const pending = (await connection.call('XPENDING', stream, group, start, lastId, 1000, consumer)) as [string, string, number, number][];
    if (pending.length === 0) return total;
    const ids = pending.map((p) => p[0]);
    total += Number(await connection.call('XACK', stream, group, ...ids));
    if (pending.length < 1000) return total;
    start = `(${ids[ids.length - 1]}`;
  }
}

/**
 * `fit`'s `resume` option for a run that trains on a stream, from what `resume` returned:
 * the checkpoint's state and epoch, at the epoch's batch 0. Unlike a dataset, a stream is
 * not replayed, so `fit` must not skip the batches the checkpoint already trained: the
 * source skips the entries instead, by the id the checkpoint recorded. The epoch's running
 * loss and metrics restart. `null` (a fresh start) gives `undefined`.
 *
 * @example
 * ```ts
 * const point = await resume(dir, { model, optimizer });
 * fit({ ...options, resume: streamResume(point), epochs: (point?.position.epoch ?? 0) + 1 });
 * ```
 */
export function streamResume(
  point: { readonly position: FitPosition; readonly callbackState: Record<string, unknown> } | null | undefined,
): FitOptions['resume'] {
  if (point === null || point === undefined) return undefined;
  return { position: { epoch: point.position.epoch, batch: 0, lossSum: 0, samples: 0, metrics: {} }, callbackState: point.callbackState };
}

/**
 * The id of the last stream entry a checkpoint's model was trained on (what
 * `ackOnCheckpoint` recorded), or `null`.
 *
 * @example
 * ```ts
 * const point = await resume(dir, { model, optimizer });
 * console.log(`continuing after entry ${lastAppliedId(point)}`);
 * ```
 */
export function lastAppliedId(point: { readonly callbackState: Record<string, unknown> } | null | undefined, name = 'redisSource'): string | null {
  const state = point?.callbackState[name];
  return isState(state) ? state.lastId : null;
}

/** Options of `GroupLock.acquire`. @internal */
export interface GroupLockOptions {
  readonly key: string;
  readonly consumer: string;
  readonly ttlMs: number;
  readonly waitMs: number;
  readonly describe: string;
}

const RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
const TAKE_OVER = "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end";

interface LockHolder {
  readonly consumer: string;
  readonly host: string;
  readonly pid: number;
}

/**
 * One learner per consumer group: a Redis key set with `SET key token NX PX ttl`, renewed
 * every `ttl / 3` while held. A learner that finds the key held waits up to `waitMs` for it
 * to expire, and takes it over at once when the holder is a dead process on this host (a
 * crashed learner being restarted). A renewal that finds the key gone or taken marks the
 * lock lost: `check()` then throws, which stops reading and acknowledging. @internal
 */
export class GroupLock {
  private lost: Error | null = null;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly op: string,
    private readonly connection: RedisConnection,
    private readonly options: GroupLockOptions,
    private readonly token: string,
  ) {}

  static async acquire(op: string, connection: RedisConnection, options: GroupLockOptions): Promise<GroupLock> {
    const me: LockHolder & { nonce: string } = { consumer: options.consumer, host: hostname(), pid: process.pid, nonce: randomBytes(6).toString('hex') };
    const token = JSON.stringify(me);
    const started = Date.now();
    for (;;) {
      if ((await connection.call('SET', options.key, token, 'NX', 'PX', options.ttlMs)) === 'OK') break;
      const held = (await connection.call('GET', options.key)) as string | null;
      if (held === null) continue;
      if (held === token) break; // our SET went through but its reply was lost in a reconnection
      const holder = parseHolder(held);
      if (holder !== null && holder.host === me.host && holder.pid !== process.pid && !processAlive(holder.pid)) {
        if (Number(await connection.call('EVAL', TAKE_OVER, 1, options.key, held, token, options.ttlMs)) === 1) break;
        continue;
      }
      const ttl = Number(await connection.call('PTTL', options.key));
      if (Date.now() - started >= options.waitMs) {
        const who = holder === null ? held : `consumer '${holder.consumer}' (pid ${holder.pid} on ${holder.host})`;
        throw new ArgumentError(
          `${op}: ${options.describe} is locked by another learner, ${who}; lock key '${options.key}' expires in ${ttl} ms ` +
            `(waited ${options.waitMs} ms). One learner per group keeps updates exactly-once: several learners on one group ` +
            'would need a shared set of applied ids. Use another group, or stop the other learner',
        );
      }
      await sleep(Math.max(10, Math.min(100, ttl > 0 ? ttl : 10, options.waitMs - (Date.now() - started))));
    }
    const lock = new GroupLock(op, connection, options, token);
    lock.timer = setInterval(() => void lock.renew(), Math.max(10, Math.floor(options.ttlMs / 3)));
    lock.timer.unref();
    return lock;
  }

  /** Throws when the lock was lost (another learner may hold the group now). */
  check(): void {
    if (this.lost !== null) throw this.lost;
  }

  /** Gives the lock up (only if still ours) and stops renewing it. */
  async release(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.lost === null && !this.connection.closed) await this.connection.call('EVAL', RELEASE, 1, this.options.key, this.token).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.timer === null || this.lost !== null) return;
    try {
      const renewed = Number(await this.connection.call('EVAL', RENEW, 1, this.options.key, this.token, this.options.ttlMs));
      if (renewed === 1 || this.timer === null) return;
      this.lost = new Error(
        `${this.op}: lost the lock of ${this.options.describe} (key '${this.options.key}' expired or was taken: the process stalled ` +
          `longer than lockTtlMs ${this.options.ttlMs} ms, or the connection was down that long); stopping so that no entry is applied twice`,
      );
    } catch {
      // the connection reports lasting failures itself
    }
  }
}

function parseHolder(token: string): LockHolder | null {
  try {
    const value = JSON.parse(token) as Partial<LockHolder>;
    if (typeof value.consumer === 'string' && typeof value.host === 'string' && typeof value.pid === 'number') return value as LockHolder;
  } catch {
    // not ours
  }
  return null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
