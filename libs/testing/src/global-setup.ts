import 'reflect-metadata';
import { Client } from 'pg';
import { migrate } from '@comeback/domain';
import { checkPostgres, checkRedis } from '@comeback/connectivity';
import { databaseUrl, TEST_ADMIN_DATABASE_URL, TEST_REDIS_URL } from './test-env';

/**
 * Once per run: checks PostgreSQL and Redis answer (with the message saying how to start them),
 * then builds a migrated template database; each test file clones it (CREATE DATABASE ... TEMPLATE
 * is a file copy, much faster than migrating again).
 */
export default async function globalSetup(): Promise<void> {
  await checkPostgres(TEST_ADMIN_DATABASE_URL);
  await checkRedis(TEST_REDIS_URL);
  const run = `cbt_${Date.now().toString(36)}_${process.pid}`;
  process.env.COMEBACK_TEST_RUN = run;
  const admin = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${run}_tpl"`);
  } finally {
    await admin.end();
  }
  await migrate(databaseUrl(`${run}_tpl`));
}
