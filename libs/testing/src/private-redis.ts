import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './private-postgres';
import { waitFor } from './wait-for';

export interface PrivateRedisOptions {
  /**
   * AOF persistence as in production: `--appendonly yes --appendfsync everysec` (docker-compose's
   * settings) in a temp directory, with a logfile there, and no RDB snapshots: what comes back
   * after a restart is what the AOF kept. Without it nothing is on disk and a restart comes back
   * empty.
   */
  appendOnly?: boolean;
}

/** A redis-server of a test's own, which it may stop and start again on the same port (and AOF directory). */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts it (again); resolves once it answers PING with PONG. Does nothing while it runs. */
  start(): Promise<void>;
  /** SIGKILL, as when its pod or host goes: connections are cut, nothing more is saved (at most the last second of AOF is lost). */
  stop(): Promise<void>;
  /**
   * SIGTERM, the way an orchestrator stops it: Redis fsyncs its AOF, closes its connections and
   * exits; resolves once it has exited.
   */
  shutdown(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a partition, a hung server) until `resume`. */
  pause(): void;
  resume(): void;
  /** Stops it for good (SIGKILL if it runs) and removes its directory; Jest can exit once it resolves. */
  destroy(): Promise<void>;
}

/**
 * Whether a real PONG comes back from 127.0.0.1:port. Accepting connections is not enough: while
 * the AOF is still loading, PING answers `-LOADING` (an error) and so would every command.
 */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG\r\n'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** `redis-server` on a free port; no persistence (`--save ''`, no AOF) unless `appendOnly`. */
export async function startPrivateRedis(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = opts.appendOnly ? mkdtempSync(join(tmpdir(), 'comeback-redis-')) : undefined;
  const log = dir && join(dir, 'redis.log');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--daemonize', 'no', '--save', ''];
  if (dir && log) args.push('--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--logfile', log);
  else args.push('--appendonly', 'no');
  const where = `redis-server on port ${port}${log ? ` (see ${log})` : ''}`;

  let child: ChildProcess | undefined;
  let paused = false;
  // No pid: it never started (redis-server not found), and no exit will come.
  const running = () => !!child && child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  /** Sends `signal` and resolves once the server has exited (at once if it does not run). */
  const end = async (signal: NodeJS.Signals) => {
    const server = child;
    if (!server || !running()) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill(signal);
    // A stopped process only acts on SIGTERM once it is continued (SIGKILL needs no help).
    if (paused) server.kill('SIGCONT');
    paused = false;
    await exited;
  };
  const start = async () => {
    // A second server would fail to bind, and this one would be left running past the test.
    if (running()) return;
    const server = spawn('redis-server', args, { stdio: 'ignore' });
    let spawnError: Error | undefined;
    server.once('error', (err) => (spawnError = err));
    child = server;
    paused = false;
    try {
      await waitFor(`${where} to answer PING`, async () => {
        if (spawnError) throw new Error(`${where} could not start: ${spawnError.message}`);
        if (server.exitCode !== null || server.signalCode !== null) throw new Error(`${where} exited ${server.exitCode ?? server.signalCode}`);
        return pong(port);
      }, 15_000);
    } catch (err) {
      // Not left running past the test (a live child process keeps Jest from exiting).
      await end('SIGKILL');
      throw err;
    }
  };
  const signal = (name: NodeJS.Signals) => {
    if (!child || !running()) throw new Error(`redis-server on port ${port} is not running`);
    child.kill(name);
    paused = name === 'SIGSTOP';
  };

  try {
    await start();
  } catch (err) {
    if (dir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop: () => end('SIGKILL'),
    shutdown: () => end('SIGTERM'),
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async destroy() {
      await end('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
