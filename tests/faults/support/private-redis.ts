import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';

/** A redis-server of a fault test's own, with AOF persistence as in production, which it may stop and start again. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server the way an orchestrator does (SIGTERM: Redis fsyncs its AOF and exits). */
  stop(): Promise<void>;
  /** Starts it again on the same port and AOF directory; resolves once it answers PING. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * `redis-server` on a free port, `--appendonly yes --appendfsync everysec` (docker-compose's
 * settings) in a temp directory, no RDB snapshots: what comes back after a restart is what the AOF
 * kept.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'comeback-redis-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', join(dir, 'redis.log')],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      // PING answers while the AOF is still loading (-LOADING is an error): wait for a real PONG.
      const pong = await probe.connect().then(() => probe.ping(), () => null).catch(() => null);
      probe.disconnect();
      if (pong === 'PONG') return;
      if (server.exitCode !== null) throw new Error(`redis-server on port ${port} exited ${server.exitCode} (see ${join(dir, 'redis.log')})`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const s = server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    const exited = new Promise((r) => s.once('exit', r));
    s.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async destroy() {
      if (server && server.exitCode === null && server.signalCode === null) {
        const s = server;
        const exited = new Promise((r) => s.once('exit', r));
        s.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
