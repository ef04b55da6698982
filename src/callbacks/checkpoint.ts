import { resolve } from 'node:path';
import { type MonoTypeOperatorFunction, asyncScheduler, concatMap, defer, finalize, map, of } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { CheckpointEvent, Logs, TrainEvent } from '../streams/index.js';
import { type CheckpointSnapshot, encodeCheckpoint } from './checkpoint-format.js';
import { type WriteTurn, save, takeTurn } from './checkpoint-write.js';
import {
  type MonitorMode,
  checkMonitorOptions,
  checkName,
  claimState,
  isImprovement,
  isNumberOrNull,
  isRecord,
  readMonitored,
  releaseState,
} from './monitor.js';
import { EmissionCopies } from './checkpoint-copies.js';

/** When `checkpoint` saves: after every epoch, every `n` epochs, every `n` optimizer steps, or at the first batch after `ms` milliseconds. */
export type CheckpointEvery = 'epoch' | { readonly epochs: number } | { readonly steps: number } | { readonly ms: number };

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /** Directory of the checkpoints, created when missing. One run writes to a directory at a time. */
  readonly dir: string;
  /**
   * `'epoch'` saves on each `epochEnd`; `{ epochs: n }` on the `epochEnd` of epochs n−1, 2n−1, ...;
   * `{ steps: n }` on each `batchEnd` whose step (counted over the whole run) is a multiple of n;
   * `{ ms: t }` on the first `batchEnd` at which `t` milliseconds or more have passed since the
   * last trigger (or, for the first, since subscription), for runs that never end
   * (`prequential` on a live feed). Time is `asyncScheduler.now()`: `Date.now()`, or virtual
   * time inside `TestScheduler.run`. The clock is not saved: a resumed run counts from its
   * own subscription.
   * @default 'epoch'
   */
  readonly every?: CheckpointEvery;
  /**
   * Save only when `monitor` improves on the best value so far (Keras' `save_best_only`); each
   * new best replaces the previous one, so the directory holds just the best checkpoint.
   * @default false
   */
  readonly saveBestOnly?: boolean;
  /** The value compared with `saveBestOnly` (and recorded in each checkpoint). @default 'val_loss' */
  readonly monitor?: string;
  /** Whether lower (`'min'`) or higher (`'max'`) is better; `'auto'` guesses from the name as Keras does. @default 'auto' */
  readonly mode?: MonitorMode;
  /**
   * How many committed checkpoints to keep (`Infinity` keeps all): after a new one commits,
   * the oldest (in commit order) beyond this many are deleted. Does not apply with
   * `saveBestOnly`, which keeps one. @default 3
   */
  readonly keepLast?: number;
  /** Key of this callback's state in `context.callbackState` (the best value). @default 'checkpoint' */
  readonly name?: string;
}

interface Settings {
  readonly dir: string;
  readonly every: CheckpointEvery;
  readonly saveBestOnly: boolean;
  readonly monitor: string;
  readonly direction: 'min' | 'max';
  readonly keepLast: number;
  readonly name: string;
}

/** What `checkpoint` keeps in `context.callbackState[name]` with `saveBestOnly` (plain JSON). */
export interface CheckpointState {
  /** The best monitored value saved so far, `null` before the first save. */
  best: number | null;
}

/**
 * Saves resumable checkpoints of a `fit` run: weights, optimizer state, the model's random
 * generators, the run's position, every callback's state and the model config (layout in
 * `checkpoint-format.ts`; `resume` reads them back). Keras' `ModelCheckpoint` and
 * `BackupAndRestore` in one, with PyTorch-loadable weights.
 *
 * On each trigger the state is copied synchronously; the copy is then written to a temp
 * directory, fsynced, committed by a rename, and checkpoints beyond `keepLast` are deleted.
 * The trigger event, and every event after it, is passed on only once its checkpoint is
 * durable, followed at once by a `checkpoint` event with the directory's path.
 *
 * Training does not wait for the write: it goes on from where the copy was taken, so
 * checkpointing never changes the weights; the events in between wait, in order. A callback
 * after a `checkpoint` therefore sees events late; a second `checkpoint` there still copies
 * the state as it stood right after its trigger event (the first `checkpoint` an event
 * reaches takes the copies of all the run's checkpoints), and the saves of one run are
 * written one at a time, so several may share a directory. So place
 * `checkpoint` after the callbacks that act on the run (schedules, early stopping): they see
 * events on time, and the state they keep is saved as it stands after the trigger event.
 * Copies waiting to be written stay in memory, one per trigger; if a save takes longer than
 * the time between triggers that backlog grows until training ends, so choose `every` to
 * leave the disk time. Unsubscribing abandons the save in progress (its temp directory is
 * removed) and drops the waiting ones; a completing source completes the output once all
 * are durable. A failed save errors the stream, which stops training, and leaves the
 * earlier checkpoints intact and no temp directory behind.
 *
 * For a run without end (`prequential` on a live feed), `every: { ms: 60_000 }` saves on the
 * first `batchEnd` once a minute has passed since the last save: a bound on the work lost in
 * a crash that does not depend on the feed's rate, and never more saves than the disk can take.
 *
 * With `saveBestOnly` (Keras' `save_best_only`) a trigger saves only when `monitor`
 * improves on the best value so far (kept in `context.callbackState[name]`, so it survives a
 * resume), and each new best replaces the previous one: the directory holds the best
 * checkpoint and nothing else. Resuming from it restarts at the best epoch; for a run that
 * can also continue after a crash, add a second `checkpoint` into another directory.
 *
 * ```
 * source:            -S-b-E-S-b---b-|       S = epochStart, b = batchEnd, E = epochEnd
 * checkpoint({dir}): -S-b-·····(EcSb)b-|    ····· = E's save; c = the checkpoint event
 * ```
 *
 * @example
 * ```ts
 * import { checkpoint, earlyStopping, resume } from 'streamgrad/callbacks';
 * const start = await resume('runs/mnist', { model, optimizer }); // null on a fresh start
 * fit({
 *   model, loss, optimizer, train, validation, epochs: 20,
 *   resume: start ?? undefined,
 *   callbacks: [earlyStopping({ patience: 3 }), checkpoint({ dir: 'runs/mnist', keepLast: 2 })],
 * }).subscribe();
 * // a live feed: save at most once a minute, on a batch boundary
 * feed.pipe(prequential({ model, loss, optimizer }), checkpoint({ dir: 'runs/live', every: { ms: 60_000 } }));
 * ```
 * @returns an operator over training events.
 * @throws ArgumentError when created with a bad option. The stream errors with an
 *   `ArgumentError` when `saveBestOnly`'s monitored key is not in a trigger's logs.
 */
export function checkpoint(opts: CheckpointOptions): MonoTypeOperatorFunction<TrainEvent> {
  const settings = checkOptions(opts);
  return (source) =>
    defer(() => {
      const holder = {};
      let best: CheckpointState | undefined;
      let lastTrigger = asyncScheduler.now();
      const isDue = (event: TrainEvent): boolean => {
        const every = settings.every;
        if (every === 'epoch' || !('ms' in every)) return isTrigger(every, event);
        if (event.type !== 'batchEnd') return false;
        const now = asyncScheduler.now();
        if (now - lastTrigger < every.ms) return false;
        lastTrigger = now;
        return true;
      };
      // Turns of copies taken and not yet written: ended on teardown so later writes of the run go on.
      const open = new Set<WriteTurn>();
      const snapshotIfDue = (event: TrainEvent): { snapshot: CheckpointSnapshot; turn: WriteTurn } | null => {
        if (settings.saveBestOnly && best === undefined) {
          best = claimState('checkpoint', settings.name, event.context, holder, () => ({ best: null }), isCheckpointState);
        }
        if (!isDue(event)) return null;
        const logs = triggerLogs(event);
        if (best !== undefined) {
          const value = readMonitored('checkpoint', settings.monitor, logs);
          if (!isImprovement(value, best.best, 0, settings.direction)) return null;
          best.best = value;
        }
        const copy = snapshot(event, settings.monitor, logs);
        const taken = takeTurn(event.context);
        const turn: WriteTurn = {
          ready: taken.ready,
          finish: () => {
            open.delete(turn);
            taken.finish();
          },
        };
        open.add(turn);
        return { snapshot: copy, turn };
      };
      const copies = new EmissionCopies(snapshotIfDue);
      return source.pipe(
        map((event) => ({ event, saved: copies.take(event) })),
        concatMap(({ event, saved }) => {
          if (saved === null) return of(event);
          const keep = settings.saveBestOnly ? 1 : settings.keepLast;
          return save(saved.turn, settings.dir, saved.snapshot, keep).pipe(
            concatMap((path) => {
              const done: CheckpointEvent = { type: 'checkpoint', epoch: event.epoch, step: event.step, context: event.context, path };
              return of<TrainEvent[]>(event, done);
            }),
          );
        }),
        finalize(() => {
          copies.release();
          for (const turn of [...open]) turn.finish();
          releaseState(best, holder);
        }),
      );
    });
}

function isTrigger(every: Exclude<CheckpointEvery, { readonly ms: number }>, event: TrainEvent): boolean {
  if (every === 'epoch') return event.type === 'epochEnd';
  if ('epochs' in every) return event.type === 'epochEnd' && (event.epoch + 1) % every.epochs === 0;
  return event.type === 'batchEnd' && event.step % every.steps === 0;
}

/** The logs a trigger reports: an epoch's logs, or a batch's `loss` and metrics. */
function triggerLogs(event: TrainEvent): Logs {
  if (event.type === 'epochEnd') return event.logs;
  if (event.type === 'batchEnd') return { loss: event.loss, ...event.logs };
  return {};
}

/** Copies everything the checkpoint holds, now, into the bytes of its files. */
function snapshot(event: TrainEvent, monitor: string, logs: Logs): CheckpointSnapshot {
  const { model, optimizer, callbackState } = event.context;
  const value = logs[monitor];
  return encodeCheckpoint(model.stateDict(), optimizer.state(), {
    epoch: event.epoch,
    step: event.step,
    position: event.context.position(),
    callbackState,
    randomState: model.randomState(),
    model: typeof model.toJSON === 'function' ? model.toJSON() : null,
    monitor: { name: monitor, value: typeof value === 'number' ? value : null },
  });
}

function isCheckpointState(value: unknown): value is CheckpointState {
  return isRecord(value) && isNumberOrNull(value.best);
}

function checkOptions(opts: CheckpointOptions): Settings {
  if (!isRecord(opts)) {
    throw new ArgumentError(`checkpoint: expected options { dir, every, ... }, found ${opts === null ? 'null' : typeof opts}`);
  }
  const { dir, every = 'epoch', saveBestOnly = false, monitor = 'val_loss', mode = 'auto', keepLast = 3, name = 'checkpoint' } = opts;
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new ArgumentError(`checkpoint: dir must be a non-empty path, found ${String(dir)}`);
  }
  checkEvery(every);
  if (typeof saveBestOnly !== 'boolean') {
    throw new ArgumentError(`checkpoint: saveBestOnly must be a boolean, found ${String(saveBestOnly)}`);
  }
  const direction = checkMonitorOptions('checkpoint', monitor, mode, 0);
  if (!(keepLast === Infinity || (Number.isInteger(keepLast) && keepLast >= 1))) {
    throw new ArgumentError(`checkpoint: keepLast must be an integer >= 1 or Infinity, found ${String(keepLast)}`);
  }
  if (saveBestOnly && opts.keepLast !== undefined && keepLast !== 1) {
    throw new ArgumentError(`checkpoint: keepLast ${keepLast} does not apply with saveBestOnly, which keeps only the best checkpoint`);
  }
  if (saveBestOnly && every !== 'epoch' && !('epochs' in every) && monitor.startsWith('val_')) {
    const unit = 'steps' in every ? 'steps' : 'ms';
    throw new ArgumentError(
      `checkpoint: saveBestOnly with every: { ${unit} } compares batch logs, which have no "${monitor}"; monitor 'loss' or a metric, or save every epoch`,
    );
  }
  checkName('checkpoint', name);
  return { dir: resolve(dir), every, saveBestOnly, monitor, direction, keepLast, name };
}

function checkEvery(every: unknown): asserts every is CheckpointEvery {
  if (every === 'epoch') return;
  const keys = isRecord(every) ? Object.keys(every) : [];
  if (keys.length === 1 && (keys[0] === 'epochs' || keys[0] === 'steps')) {
    const n = (every as Record<string, unknown>)[keys[0]];
    if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return;
    throw new ArgumentError(`checkpoint: every.${keys[0]} must be an integer >= 1, found ${String(n)}`);
  }
  if (keys.length === 1 && keys[0] === 'ms') {
    const ms = (every as Record<string, unknown>).ms;
    if (typeof ms === 'number' && Number.isFinite(ms) && ms > 0) return;
    throw new ArgumentError(`checkpoint: every.ms must be a finite number of milliseconds > 0, found ${String(ms)}`);
  }
  throw new ArgumentError(`checkpoint: every must be 'epoch', { epochs: n }, { steps: n } or { ms: t }, found ${JSON.stringify(every)}`);
}
