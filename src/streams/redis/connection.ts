import { Redis } from 'ioredis';
import { ArgumentError } from '../../ops/index.js';

/** Connection settings shared by `fromRedisStream` and `toRedisStream`. */
export interface RedisConnectionOptions {
  /**
   * After a connection that worked is lost, how long to keep reconnecting (exponential
   * back-off from 50 ms, capped at 1 s between attempts) before failing with a
   * `RedisConnectionError`. Commands issued meanwhile wait for the new connection.
   * @default 10_000
   */
  readonly retryBudgetMs?: number;
  /** How long the first connection may take. A server that is down at start is an error at once, without retries. @default 2_000 */
  readonly connectTimeoutMs?: number;
}

/** Redis could not be reached at start, or the connection was lost for longer than the retry budget. */
export class RedisConnectionError extends Error {
  override name = 'RedisConnectionError';
}

/** Checks a `redis://` or `rediss://` URL at operator creation. @internal */
export function checkRedisUrl(op: string, url: unknown): asserts url is string {
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new ArgumentError(`${op}: url must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, found ${JSON.stringify(url)}`);
  }
}

/** Checks the connection options at operator creation. @internal */
export function checkConnectionOptions(op: string, opts: RedisConnectionOptions): Required<RedisConnectionOptions> {
  const { retryBudgetMs = 10_000, connectTimeoutMs = 2_000 } = opts;
  for (const [name, value] of [['retryBudgetMs', retryBudgetMs], ['connectTimeoutMs', connectTimeoutMs]] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ArgumentError(`${op}: ${name} must be a number of milliseconds >= 0, found ${String(value)}`);
    }
  }
  return { retryBudgetMs, connectTimeoutMs };
}

/** The URL with its password replaced by `***`, for messages. @internal */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * One ioredis connection (RESP2 replies) with a bounded reconnection budget and errors that
 * say which operator, which URL and what happened:
 *
 * - at start, one attempt within `connectTimeoutMs`; failure is a `RedisConnectionError`
 *   naming the URL (`cannot connect to redis://127.0.0.1:6390: connect ECONNREFUSED ...`);
 * - once connected, a dropped connection is reconnected by ioredis and commands wait for it
 *   (and blocking reads in flight are sent again) for up to `retryBudgetMs`; past that every
 *   waiting and later command fails with a `RedisConnectionError` naming the URL, the budget,
 *   the attempts made and the last socket error;
 * - a Redis error reply is re-thrown with the operator and command in front.
 *
 * @internal shared by the Redis Streams operators
 */
export class RedisConnection {
  private everReady = false;
  private readyCount = 0;
  private closing = false;
  private lostAt: number | null = null;
  private lastError: Error | null = null;
  private gaveUp: RedisConnectionError | null = null;

  private constructor(
    private readonly op: string,
    private readonly url: string,
    private readonly settings: Required<RedisConnectionOptions>,
    private readonly client: Redis,
  ) {}

  /** Connects to `url`, failing fast with a `RedisConnectionError` when nothing answers there. */
  static async open(op: string, url: string, settings: Required<RedisConnectionOptions>, name?: string): Promise<RedisConnection> {
    let connection: RedisConnection | null = null;
    const client = new Redis(url, {
      lazyConnect: true,
      protocol: 2,
      maxRetriesPerRequest: null,
      connectTimeout: Math.max(1, settings.connectTimeoutMs),
      connectionName: name,
      disableClientInfo: true,
      retryStrategy: (times) => connection?.retryDelay(times) ?? null,
    });
    connection = new RedisConnection(op, url, settings, client);
    client.on('error', (error: Error) => (connection.lastError = error));
    client.on('ready', () => connection.onReady());
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      const reason = connection.lastError?.message ?? (error instanceof Error ? error.message : String(error));
      throw new RedisConnectionError(`${op}: cannot connect to ${redactUrl(url)}: ${reason}; is redis-server running there?`, { cause: error });
    }
    return connection;
  }

  /** A second connection to the same server with the same settings (for blocking reads). */
  duplicate(name?: string): Promise<RedisConnection> {
    return RedisConnection.open(this.op, this.url, this.settings, name);
  }

  /** Runs a command, e.g. `call('XACK', stream, group, id)`; see the class for the errors. */
  async call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown> {
    if (this.gaveUp !== null) throw this.gaveUp;
    try {
      return await this.client.call(command, ...args);
    } catch (error) {
      throw this.wrap(command, error);
    }
  }

  /**
   * How many times the connection was re-established. A reply to a command in flight during a
   * reconnection may be lost (ioredis sends the command again), so readers compare this
   * before and after a read.
   */
  get reconnects(): number {
    return Math.max(0, this.readyCount - 1);
  }

  /** True once `close()` or `disconnect()` was called. */
  get closed(): boolean {
    return this.closing;
  }

  /** Closes after the replies already asked for (`QUIT`), or at once if that fails. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (this.client.status === 'ready') await this.client.quit();
    } catch {
      // already gone
    } finally {
      this.client.disconnect();
    }
  }

  /** Closes at once; commands in flight (a blocking read) fail. */
  disconnect(): void {
    this.closing = true;
    this.client.disconnect();
  }

  private onReady(): void {
    this.everReady = true;
    this.readyCount++;
    this.lostAt = null;
  }

  /** ioredis' retryStrategy: no retry before the first success or after close; then back-off within the budget. */
  private retryDelay(times: number): number | null {
    if (!this.everReady || this.closing) return null;
    this.lostAt ??= Date.now();
    const delay = Math.min(50 * 2 ** Math.min(times - 1, 10), 1000);
    if (Date.now() - this.lostAt + delay > this.settings.retryBudgetMs) {
      const last = this.lastError === null ? '' : `; last error: ${this.lastError.message}`;
      this.gaveUp = new RedisConnectionError(
        `${this.op}: lost the connection to ${redactUrl(this.url)} and could not reconnect within the retry budget of ` +
          `${this.settings.retryBudgetMs} ms (${times} attempts${last})`,
      );
      return null;
    }
    return delay;
  }

  private wrap(command: string, error: unknown): Error {
    if (error instanceof RedisConnectionError) return error;
    if (this.gaveUp !== null) return this.gaveUp;
    const message = error instanceof Error ? error.message : String(error);
    if (this.closing) return new RedisConnectionError(`${this.op}: ${command} was cut short: the connection to ${redactUrl(this.url)} was closed`, { cause: error });
    if (message === 'Connection is closed.') {
      return new RedisConnectionError(`${this.op}: ${command} failed: the connection to ${redactUrl(this.url)} is closed`, { cause: error });
    }
    return new Error(`${this.op}: Redis ${command} on ${redactUrl(this.url)} failed: ${message}`, { cause: error });
  }
}
