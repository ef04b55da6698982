import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisConnection } from './connection.js';
import type { ExactlyOnceHandle } from './source-handle.js';
import { isStreamSourceState } from './stream-ledger.js';

/**
 * The last stream id the checkpoint committed at `path` holds, as its `state.json` records it
 * under `callbackState[name]`: what the checkpoint holds, read back from disk, so the entries
 * acknowledged are exactly those of the durable weights however the events were delayed.
 * `undefined` when the checkpoint is gone already (a newer one, holding more, replaced it);
 * `null` when it holds no entry. @internal
 */
export async function recordedLastId(op: string, path: string, name: string): Promise<string | null | undefined> {
  // The file name is the checkpoint format's (callbacks/checkpoint-format.ts, CHECKPOINT_FILES.state).
  const file = join(path, 'state.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: unknown;
  try {
    state = (JSON.parse(text) as { callbackState?: Record<string, unknown> }).callbackState?.[name];
  } catch (error) {
    throw new Error(`${op}: the checkpoint ${path} has no readable state.json (${(error as Error).message})`, { cause: error });
  }
  if (!isStreamSourceState(state)) {
    throw new Error(
      `${op}: the checkpoint ${path} records no { lastId, applied } under callbackState["${name}"], found ${JSON.stringify(state)}; ` +
        'the checkpoint callbacks must save callbackState (streamgrad\'s checkpoint does) and sit inside ackOnCheckpoint',
    );
  }
  return state.lastId;
}

/** XACKs every entry pending for the consumer with an id at or before `lastId`; returns how many. @internal */
export async function acknowledgeThrough(
  connection: RedisConnection,
  handle: Pick<ExactlyOnceHandle, 'stream' | 'group' | 'consumer'>,
  lastId: string,
): Promise<number> {
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
