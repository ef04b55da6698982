/**
 * A real `redis-server` for tests: started on a free loopback port with its own temporary
 * directory, ready once it answers PING, stopped (and its directory removed) by `stop()`.
 * No persistence unless asked (`--save ''`, `--appendonly no`); `restart()` keeps the port and
 * the directory, so a test can crash the server and bring it back from its AOF or RDB file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServerOptions {
  /** `appendonly yes` with `appendfsync always`: every write survives a SIGKILL of the server. @default false */
  readonly appendOnly?: boolean;
  /** Milliseconds to wait for PING. @default 10_000 */
  readonly readyTimeoutMs?: number;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** A fresh client (protocol 2), closed by `stop()`. */
  client(): Redis;
  /** Stops the server with `signal` and starts it again on the same port and directory. */
  restart(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the server with `signal` without starting it again (`start()` brings it back). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts a killed server again. */
  start(): Promise<void>;
  /** Stops the server, closes the clients made by `client()` and removes the directory. */
  stop(): Promise<void>;
}

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'streamgrad-redis-'));
  const clients: Redis[] = [];
  let port = 0;
  let child: ChildProcess | null = null;
  let log = '';

  const launch = async (): Promise<void> => {
    const args = [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', options.appendOnly === true ? 'yes' : 'no', '--appendfsync', 'always',
      '--daemonize', 'no', '--logfile', '', '--protected-mode', 'no',
    ];
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    log = '';
    proc.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    proc.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', (error) => reject(new Error(`redis-server could not start (${error.message}); install it with apt-get install redis-server`)));
      proc.once('exit', (code, signal) => reject(new Error(`redis-server exited with ${code ?? signal} before answering PING:\n${log}`)));
    });
    exited.catch(() => undefined);
    await Promise.race([waitForPing(port, options.readyTimeoutMs ?? 10_000), exited]);
  };

  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };

  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      await kill('SIGKILL');
      if (attempt >= 4) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    client() {
      const client = new Redis({ host: '127.0.0.1', port, protocol: 2, maxRetriesPerRequest: 3 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    async restart(signal: NodeJS.Signals = 'SIGTERM') {
      await kill(signal);
      await launch();
    },
    kill,
    start: launch,
    async stop() {
      for (const client of clients.splice(0)) client.disconnect();
      await kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ host: '127.0.0.1', port, protocol: 2, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not listening yet, or still loading its data
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
