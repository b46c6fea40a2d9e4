import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './free-port';

export const ROOT = join(__dirname, '..', '..', '..');

/** How an app process ended. */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** An app running as a child process, as the demo's AppSupervisor and docker-compose run it. */
export interface AppProcess {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<AppExit>;
  /** Resolves once /health/live answers (the app is up; its readiness depends on the stores the test may stop). */
  waitUntilUp(timeoutMs?: number): Promise<void>;
  /** Sends the signal; resolves with how the process ended. */
  kill(signal: NodeJS.Signals): Promise<AppExit>;
  /**
   * SIGTERM, as an orchestrator stops a pod: resolves with how it ended and how long it took; a
   * process still running after `graceMs` is SIGKILLed (as Kubernetes does) and reported so.
   */
  terminate(graceMs: number): Promise<AppExit & { ms: number; killedAfterGrace: boolean }>;
  /** What the process wrote to stderr (its last 20 kB), for a failure's message. */
  stderr(): string;
}

/**
 * Starts `apps/<entry>` with `node -r ./tools/register.js` on a free port. `env` adds to the
 * test's environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX and the app's own variables.
 */
export async function startApp(name: string, entry: string, env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', './tools/register.js', join('apps', entry)], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
    if (process.env.FAULTS_VERBOSE) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  });
  const exited = new Promise<AppExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done: AppExit | undefined;
  void exited.then((e) => (done = e));
  return {
    name,
    port,
    child,
    exited,
    stderr: () => stderr,
    async waitUntilUp(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (done) throw new Error(`${name} exited (${done.code ?? done.signal}) before it was up:\n${stderr}`);
        const up = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (up) return;
        if (Date.now() > deadline) throw new Error(`${name} not up after ${timeoutMs / 1000} s:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async kill(signal) {
      if (!done) child.kill(signal);
      return exited;
    },
    async terminate(graceMs) {
      const started = Date.now();
      if (!done) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([exited.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs)))]);
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (!inTime) child.kill('SIGKILL');
      return { ...(await exited), ms, killedAfterGrace: !inTime };
    },
  };
}

/** SIGKILLs whatever of `apps` still runs (a test's cleanup). */
export async function killAll(apps: AppProcess[]): Promise<void> {
  await Promise.all(apps.map((a) => (a.child.exitCode === null && a.child.signalCode === null ? a.kill('SIGKILL') : undefined)));
}
