import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface AppSpec {
  name: string;
  /** Its entry point under apps/ when it is not `<name>/src/main.ts` (a second process of an app). */
  entry?: string;
  port: number;
  /** What a person opens or calls on it. */
  purpose: string;
  /** Node flags the app runs with everywhere (docker-compose, k8s), e.g. its heap cap. */
  nodeFlags?: string[];
}

const ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * The apps log one JSON object per line (libs/platform observability); the demo shows them as
 * `12:03:04 warn  [Context] message (request id)`. A line that is not such an object (a chunk
 * split mid-line, a stack trace, output of a library) is shown as it came.
 */
export function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as { time?: string; level?: string; context?: string; message?: string; correlationId?: string; queue?: string; jobId?: string; stack?: string };
    if (typeof entry.message !== 'string' || typeof entry.level !== 'string') return line;
    const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
    const where = entry.queue ? ` (job ${entry.queue}/${entry.jobId ?? '?'})` : entry.correlationId ? ` (request ${entry.correlationId.slice(0, 8)})` : '';
    const stack = entry.stack ? `\n${entry.stack}` : '';
    return `${time} ${entry.level.padEnd(5)} ${entry.context ? `[${entry.context}] ` : ''}${entry.message}${where}${stack}`;
  } catch {
    return line;
  }
}
const COLORS = [36, 35, 33, 32, 34];

/**
 * Runs the apps as child processes with their logs prefixed by name, waits until each answers
 * /health, and stops them all (SIGTERM, then SIGKILL after a grace period) on shutdown.
 */
export class AppSupervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly apps: AppSpec[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(onExit: (name: string, code: number | null) => void): void {
    this.apps.forEach((app, i) => {
      const child = spawn(process.execPath, [...(app.nodeFlags ?? []), '-r', './tools/register.js', join('apps', app.entry ?? join(app.name, 'src', 'main.ts'))], {
        cwd: ROOT,
        env: { ...this.env, PORT: String(app.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const tag = `\x1b[${COLORS[i % COLORS.length]}m${app.name.padEnd(18)}\x1b[0m| `;
      const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) stream.write(tag + readableLogLine(line) + '\n');
      };
      child.stdout?.on('data', relay(process.stdout));
      child.stderr?.on('data', relay(process.stderr));
      child.on('exit', (code) => {
        this.children.delete(app.name);
        if (!this.stopping) onExit(app.name, code);
      });
      this.children.set(app.name, child);
    });
  }

  /** Resolves when every app's /health answers 200; rejects naming the ones that did not. */
  async waitUntilHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(this.apps.map((a) => a.name));
    while (pending.size && Date.now() < deadline) {
      await Promise.all(
        this.apps
          .filter((a) => pending.has(a.name))
          .map(async (a) => {
            const ok = await fetch(`http://127.0.0.1:${a.port}/health`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.ok,
              () => false,
            );
            if (ok) pending.delete(a.name);
          }),
      );
      if (pending.size) await new Promise((r) => setTimeout(r, 250));
    }
    if (pending.size) throw new Error(`not healthy after ${timeoutMs / 1000} s: ${[...pending].join(', ')}`);
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const exits = [...this.children.values()].map((c) => new Promise((r) => c.once('exit', r)));
    for (const c of this.children.values()) c.kill('SIGTERM');
    const timer = setTimeout(() => {
      for (const c of this.children.values()) c.kill('SIGKILL');
    }, graceMs);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
