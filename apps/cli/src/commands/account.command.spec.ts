import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';

const root = path.resolve(__dirname, '..', '..', '..', '..');

function cli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/comeback.js', ...args], { cwd: root, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

describe('comeback account create', () => {
  let db: TestDatabase;
  let slug: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    slug = (await factories(db.pool).organization()).slug;
  });
  afterAll(async () => db.drop());

  it('creates an account with a generated password shown once, or one read from standard input', async () => {
    const generated = await cli(['account', 'create', '--org', slug, '--email', 'Admin@Clinic.ge', '--name', 'Admin', '--role', 'admin'], { DATABASE_URL: db.url });
    expect(generated.code).toBe(0);
    expect(generated.stdout).toMatch(/account admin@clinic\.ge \(admin\)/);
    expect(generated.stdout).toMatch(/password [A-Za-z0-9_-]{24} /);
    const piped = await cli(['account', 'create', '--org', slug, '--email', 'viewer@clinic.ge', '--name', 'V', '--role', 'viewer', '--password-stdin'], { DATABASE_URL: db.url }, 'a piped passphrase\n');
    expect(piped.code).toBe(0);
    expect(piped.stdout).not.toContain('password');
    const { rows } = await db.pool.query(`SELECT email, role, password_hash FROM staff_accounts ORDER BY email`);
    expect(rows.map((r) => [r.email, r.role])).toEqual([['admin@clinic.ge', 'admin'], ['viewer@clinic.ge', 'viewer']]);
    expect(rows[1].password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a bad account with each problem named, exit code 2, no stack trace', async () => {
    const bad = await cli(['account', 'create', '--org', slug, '--email', 'not-an-address', '--name', 'X', '--role', 'owner', '--password-stdin'], { DATABASE_URL: db.url }, 'short');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('email "not-an-address" is not an e-mail address');
    expect(bad.stderr).toContain('role must be one of admin, marketer, caller, viewer');
    expect(bad.stderr).toContain('password must be at least 12 characters');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
