import { RedisConnection } from './connection.js';
import type { Settings } from './from-redis-stream-options.js';
import { GroupLock } from './group-lock.js';
import type { StreamSession } from './source-handle.js';

/**
 * The connection and group lock of a source, shared by its subscription and its
 * `ackOnCheckpoint`: opened by the first lease, closed (lock released) when the last ends. @internal
 */
export class SharedSession {
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

