import Redis from 'ioredis';
import { Client } from 'pg';
import { TEST_ADMIN_DATABASE_URL, TEST_REDIS_URL } from './test-env';

/** Drops every database and Redis key the run made. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.COMEBACK_TEST_RUN;
  if (!run) return;
  const admin = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${run}%`]);
    // Template last: the clones were made from it, but they do not depend on it once created.
    for (const { datname } of rows.sort((a) => (a.datname.endsWith('_tpl') ? 1 : -1))) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${run}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
