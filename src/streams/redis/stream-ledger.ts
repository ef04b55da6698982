import { ArgumentError } from '../../ops/index.js';
import { compareStreamIds } from './stream-id.js';

/** What `ackOnCheckpoint` keeps in `context.callbackState[name]` (and so in each checkpoint). */
export interface StreamSourceState {
  /** The id of the last entry whose update the model holds; `null` before the first. */
  lastId: string | null;
  /** How many entries the model has been trained on, over the whole run. */
  applied: number;
}

/**
 * How far training got in one subscription of the source: the model holds the first
 * `samples` samples that the subscription opened in `epoch` emitted. `fit` subscribes once
 * per epoch and counts samples per epoch; `prequential` subscribes once (in epoch 0) and
 * counts from the position it resumed. @internal
 */
export interface TrainedCount {
  /** `currentEpoch()` when the subscription was opened. */
  readonly epoch: number | undefined;
  readonly samples: number;
  /** Names what trained them, for messages: `fit has trained 48 samples of epoch 0`. */
  readonly describe: () => string;
}

/** The samples one subscription of the source emitted, from the first not yet known to be trained. */
interface SubscriptionLog {
  readonly epoch: number | undefined;
  /** Last applied id and applied count before this subscription's first sample. */
  readonly baseId: string | null;
  readonly baseApplied: number;
  /** Samples of this subscription dropped from the front of `ids` (known trained). */
  offset: number;
  readonly ids: string[];
}

/**
 * Which entries a source emitted and which of them the model holds: the source logs the id
 * of every sample it emits, in order, per subscription, and a trained count (computed from
 * the run's position at the moment a checkpoint copies it) names the last id the model
 * holds. Memory: the ids emitted but not yet trained, plus one. @internal
 */
export class StreamLedger {
  /** Entries at or before this id are in a durable checkpoint: acknowledged and skipped when read. */
  checkpointedId: string | null;
  /** The newest id emitted; a later delivery at or before it (after a Redis restart) is a duplicate. */
  lastEmittedId: string | null = null;
  /** Whether an `ackOnCheckpoint` runs on the source: only then are emitted ids kept (and pruned as they are trained). */
  tracking = false;
  private firstEmittedId: string | null = null;
  private startId: string | null;
  private startApplied = 0;
  private logs: SubscriptionLog[] = [];

  constructor(afterId: string | null) {
    this.checkpointedId = afterId;
    this.startId = afterId;
  }

  /** A subscription of the source opens in epoch `epoch`: what earlier subscriptions emitted was all trained. */
  openEpoch(epoch: number | undefined): void {
    const end = this.endOfLogs();
    const previous = this.logs.at(-1);
    this.logs = [...(previous === undefined ? [] : [previous]), { epoch, baseId: end.lastId, baseApplied: end.applied, offset: 0, ids: [] }];
  }

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

  /** The last applied id and applied count for a model that holds `trained`. */
  appliedAt(op: string, trained: TrainedCount): StreamSourceState {
    const log = this.logs.find((l) => l.epoch === trained.epoch);
    if (log === undefined) return this.endOfLogs();
    if (trained.samples === 0) return { lastId: log.baseId, applied: log.baseApplied };
    const id = log.ids[trained.samples - 1 - log.offset];
    if (id === undefined) {
      throw new ArgumentError(
        `${op}: ${trained.describe()} but the source emitted ${log.offset + log.ids.length}; the samples must reach ` +
          'training in the order the source emits them, none dropped or repeated (use streamBatch; no shuffle, filter or dropRemainder in between)',
      );
    }
    return { lastId: id, applied: log.baseApplied + trained.samples };
  }

  /** Training reached `trained`: forget the ids before the last trained one. */
  trained(op: string, trained: TrainedCount): StreamSourceState {
    const state = this.appliedAt(op, trained);
    const log = this.logs.find((l) => l.epoch === trained.epoch);
    const drop = trained.samples - 1 - (log?.offset ?? 0);
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

/** True for a `{ lastId, applied }` as `ackOnCheckpoint` saves it. @internal */
export function isStreamSourceState(value: unknown): value is StreamSourceState {
  if (typeof value !== 'object' || value === null) return false;
  const { lastId, applied } = value as Record<string, unknown>;
  return (lastId === null || typeof lastId === 'string') && typeof applied === 'number';
}
