import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './private-postgres';
import { waitFor } from './wait-for';

/** A redis-server of a test's own (nothing on disk), which it may stop and start again on the same port. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Starts it (again); resolves once it accepts connections. Does nothing while it runs. */
  start(): Promise<void>;
  /** SIGKILL, as when its pod or host goes: connections are cut, nothing is saved. */
  stop(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a partition, a hung server) until `resume`. */
  pause(): void;
  resume(): void;
  /** Stops it for good; Jest can exit once it resolves. */
  destroy(): Promise<void>;
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `redis-server` on a free port, no persistence (`--save ''`, no AOF). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const running = () => !!child && child.exitCode === null && child.signalCode === null;
  const start = async () => {
    // A second server would fail to bind, and this one would be left running past the test.
    if (running()) return;
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    child = server;
    await waitFor('the private Redis to listen', async () => {
      if (server.exitCode !== null) throw new Error(`redis-server on port ${port} exited ${server.exitCode}`);
      return accepts(port);
    }, 10_000);
  };
  const stop = async () => {
    const server = child;
    if (!server || !running()) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  const signal = (name: NodeJS.Signals) => {
    if (!child || !running()) throw new Error(`redis-server on port ${port} is not running`);
    child.kill(name);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    destroy: stop,
  };
}
