import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ArgumentError } from '../../ops/index.js';
import type { RedisConnection } from './connection.js';

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
