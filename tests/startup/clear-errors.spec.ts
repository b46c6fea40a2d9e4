import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** A TCP port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const STACK_LINE = /^\s+at /m;

describe('the comeback command', () => {
  it('runs as `npx comeback` from the repository root', async () => {
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('npx', ['--no-install', 'comeback', 'import', '--help'], { cwd: root, env: process.env });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: comeback import [options]');
    expect(r.out).toContain('--visits <file>');
  });
});

describe('a missing store or bad setting gives a clear message, not a stack trace', () => {
  it('the CLI, when PostgreSQL does not answer', async () => {
    const port = await closedPort();
    const r = await run(['bin/comeback.js', 'migrate'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/comeback` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`PostgreSQL is not reachable at 127.0.0.1:${port}/comeback (ECONNREFUSED)`);
    expect(r.stderr).toContain('Start PostgreSQL, for example:');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('an app, when Redis does not answer', async () => {
    const port = await closedPort();
    const r = await run(['-r', './tools/register.js', 'apps/campaign/src/main.ts'], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      PORT: String(await closedPort()),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('campaign cannot start.');
    expect(r.stderr).toContain(`Redis is not reachable at 127.0.0.1:${port}`);
    expect(r.stderr).toContain('Start Redis, for example:');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('an app, when both are down, names both', async () => {
    const [pg, redis] = [await closedPort(), await closedPort()];
    const r = await run(['-r', './tools/register.js', 'apps/dispatcher/src/main.ts'], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${pg}/comeback`,
      REDIS_URL: `redis://127.0.0.1:${redis}`,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PostgreSQL is not reachable');
    expect(r.stderr).toContain('Redis is not reachable');
  });

  it('npm test itself, when PostgreSQL does not answer', async () => {
    const port = await closedPort();
    const r = await run(['scripts/test.js', '--listTests'], { TEST_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PostgreSQL is not reachable');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('an app with a bad variable names it and stops', async () => {
    const r = await run(['-r', './tools/register.js', 'apps/report/src/main.ts'], { PORT: 'eighty', REDIS_URL: 'http://wrong', LOG_LEVEL: 'loud' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('report: invalid configuration');
    expect(r.stderr).toMatch(/^\s+PORT: .*\(got "eighty"\)$/m);
    expect(r.stderr).toMatch(/^\s+REDIS_URL: must start with redis:\/\/ or rediss:\/\/ \(got a value \(secret, not shown\)\)$/m);
    expect(r.stderr).toMatch(/^\s+LOG_LEVEL: /m);
    expect(r.stderr).not.toContain('http://wrong');
  });
});
