import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Observable } from 'rxjs';
import type { TrainContext } from '../streams/index.js';
import { CHECKPOINT_FILES, type CheckpointEntry, type CheckpointSnapshot, TEMP_PREFIX, checkpointName, encodeManifest, scanCheckpoints } from './checkpoint-format.js';

const WRITES = Symbol('streamgrad.checkpointWrites');

/**
 * A place in the run's order of checkpoint writes, taken when the state is copied: the write
 * starts once every write of an earlier copy has finished (or was abandoned), so checkpoints
 * commit in the order their copies were taken, whichever `checkpoint` callback took them, and
 * the newest committed checkpoint always holds the newest state saved. @internal
 */
export interface WriteTurn {
  /** Resolves when the writes of all earlier copies have finished. */
  readonly ready: Promise<void>;
  /** Ends this turn (written, failed, or abandoned); later calls do nothing. */
  finish(): void;
}

/** Takes the next turn in the run's (`context`'s) order of checkpoint writes. @internal */
export function takeTurn(context: TrainContext): WriteTurn {
  const holder = context as TrainContext & { [WRITES]?: Promise<void> };
  const ready = holder[WRITES] ?? Promise.resolve();
  let finish = (): void => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const after = ready.then(() => finished);
  if (holder[WRITES] === undefined) Object.defineProperty(holder, WRITES, { value: after, enumerable: false, writable: true });
  else holder[WRITES] = after;
  return { ready, finish: () => finish() };
}

/**
 * Writes and commits `snapshot` in its `turn`, emitting its directory; unsubscribing abandons
 * the write and removes its temp directory. The saves of one run are written one at a time,
 * in the order their copies were taken, even by several `checkpoint` callbacks into one
 * directory: each save's clean-up of leftovers must not take another's temp directory, commit
 * sequences must not collide, and a later commit must never hold an older state. @internal
 */
export function save(turn: WriteTurn, dir: string, snapshot: CheckpointSnapshot, keep: number): Observable<string> {
  return new Observable<string>((subscriber) => {
    const abort = new AbortController();
    turn.ready
      .then(() => writeCheckpoint(dir, snapshot, keep, abort.signal))
      .finally(() => turn.finish())
      .then(
        (path) => {
          subscriber.next(path);
          subscriber.complete();
        },
        (error: unknown) => subscriber.error(error),
      );
    return () => abort.abort();
  });
}

async function writeCheckpoint(dir: string, snapshot: CheckpointSnapshot, keep: number, signal: AbortSignal): Promise<string> {
  try {
    signal.throwIfAborted();
    return await commit(dir, snapshot, keep, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`checkpoint: saving step ${snapshot.step} (epoch ${snapshot.epoch}) in ${dir} failed: ${reason}`, { cause: error });
  }
}

/**
 * Builds the checkpoint in a temp directory (each file written and fsynced, the manifest
 * last), fsyncs it, renames it into place and fsyncs `dir`; then deletes what `keep` drops.
 * Leftovers of interrupted saves are removed first. On failure the temp directory goes.
 */
async function commit(dir: string, snapshot: CheckpointSnapshot, keep: number, signal: AbortSignal): Promise<string> {
  const created = await fs.mkdir(dir, { recursive: true });
  if (created !== undefined) await syncDirectory(dirname(created));
  const scan = await scanCheckpoints(dir);
  for (const leftover of scan.leftovers) await removeDirectory(leftover);
  const taken = new Set([...scan.names].filter((name) => !scan.leftovers.includes(join(dir, name))));
  const sequence = (scan.committed.at(-1)?.sequence ?? 0) + 1;
  const name = checkpointName(snapshot.step, taken);
  const temp = join(dir, `${TEMP_PREFIX}${name.slice('ckpt-'.length)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const target = join(dir, name);
  await fs.mkdir(temp);
  let committed = false;
  try {
    for (const [file, bytes] of Object.entries(snapshot.files)) {
      signal.throwIfAborted();
      await writeDurable(join(temp, file), bytes);
    }
    signal.throwIfAborted();
    await writeDurable(join(temp, CHECKPOINT_FILES.manifest), encodeManifest(snapshot, sequence));
    await syncDirectory(temp);
    signal.throwIfAborted();
    await fs.rename(temp, target);
    committed = true;
  } finally {
    if (!committed) await removeDirectory(temp).catch(() => undefined);
  }
  await syncDirectory(dir);
  await prune(scan.committed, keep - 1);
  return target;
}

/** Deletes all but the newest `keep` of `older` (oldest first): renamed out of sight first, so none is ever half-deleted under its name. */
async function prune(older: readonly CheckpointEntry[], keep: number): Promise<void> {
  const drop = older.slice(0, Math.max(0, older.length - keep));
  for (const entry of drop) {
    const trash = join(dirname(entry.path), `${TEMP_PREFIX}deleted-${entry.name.slice('ckpt-'.length)}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.rename(entry.path, trash);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    await removeDirectory(trash);
  }
}

async function writeDurable(path: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(path, 'wx');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function removeDirectory(path: string): Promise<void> {
  await fs.rm(path, { recursive: true, force: true });
}

/** fsyncs a directory so the entries created or renamed in it are durable. */
async function syncDirectory(path: string): Promise<void> {
  if (process.platform === 'win32') return; // Windows cannot open a directory for fsync
  const handle = await fs.open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP') throw error; // file systems without directory fsync
  } finally {
    await handle.close();
  }
}

