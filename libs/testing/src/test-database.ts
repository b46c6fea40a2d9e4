import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { databaseUrl, runNames, TEST_ADMIN_DATABASE_URL } from './test-env';

export interface TestDatabase {
  name: string;
  url: string;
  /** A small pool for assertions and fixtures. */
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { run, template } = runNames();
  const name = `${run}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const pool = new Pool({ connectionString: url, max: 4 });
  // The database is dropped WITH (FORCE) at the end; a connection it cuts must not fail the run.
  pool.on('error', () => undefined);
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end();
      const a = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** A Redis key prefix of this test file's own (the global teardown deletes its keys). */
export function testRedisPrefix(): string {
  return `${runNames().run}:${randomBytes(3).toString('hex')}`;
}
