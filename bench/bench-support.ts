/** What every benchmark shares: its options, the repository root, and the admin database. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { Client, type Pool } from 'pg';
import { QueueName } from '@comeback/contracts';

export const REPO_ROOT = join(__dirname, '..');

const args = process.argv.slice(2);

/** The value after `--name`, or the fallback. */
export function benchOption(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
}

/** Whether `--name` was given. */
export function benchFlag(name: string): boolean {
  return args.includes(`--${name}`);
}

/** The maintenance database benchmarks create and drop their databases through. */
export const BENCH_ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of database `name` on the benchmark server. */
export function benchDatabaseUrl(name: string): string {
  const u = new URL(BENCH_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one statement on the maintenance database (CREATE / DROP DATABASE and the like). */
export async function adminQuery<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
  const c = new Client({ connectionString: BENCH_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/**
 * What a benchmark leaves behind, removed: every queue of the contract under its Redis prefix
 * (whatever it holds), its connections, and its database unless `--keep` was given.
 */
export async function cleanUpBench(o: { redis: Redis; prefix: string; pool: Pool; dbName: string }): Promise<void> {
  for (const name of Object.values(QueueName)) {
    const q = new Queue(name, { connection: o.redis, prefix: o.prefix });
    await q.obliterate({ force: true });
    await q.close();
  }
  await o.redis.quit();
  await o.pool.end();
  if (!benchFlag('keep')) await adminQuery(`DROP DATABASE IF EXISTS ${o.dbName} WITH (FORCE)`);
}

/** A fresh database `name` (dropped first if it exists) with every migration applied by the CLI, as a deployment's migrate step does; returns its URL. */
export async function createMigratedBenchDatabase(name: string): Promise<string> {
  const url = benchDatabaseUrl(name);
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${name}`);
  const migrate = spawn(process.execPath, ['bin/comeback.js', 'migrate'], { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: 'inherit' });
  await new Promise((resolve, reject) => migrate.on('exit', (code) => (code === 0 ? resolve(null) : reject(new Error(`migrate exited ${code}`)))));
  return url;
}
