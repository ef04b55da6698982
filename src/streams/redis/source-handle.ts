import type { RedisConnection } from './connection.js';
import type { GroupLock } from './group-lock.js';
import type { StreamLedger } from './stream-ledger.js';

/** The Redis connection and group lock a source and its `ackOnCheckpoint` share. @internal */
export interface StreamSession {
  readonly connection: RedisConnection;
  readonly lock: GroupLock;
}

/** What `ackOnCheckpoint` needs from a `fromRedisStream` source. @internal */
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
