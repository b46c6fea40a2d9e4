/**
 * Where the tests find PostgreSQL and Redis. The defaults are the local servers with trust auth;
 * CI and developers can point elsewhere with TEST_DATABASE_URL / TEST_REDIS_URL.
 */
export const TEST_ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Names shared by the run: set by the global setup, read by every test file. */
export function runNames(): { run: string; template: string } {
  const run = process.env.COMEBACK_TEST_RUN;
  if (!run) throw new Error('COMEBACK_TEST_RUN is not set: run the tests with `npm test` (Jest global setup).');
  return { run, template: `${run}_tpl` };
}

export function databaseUrl(name: string): string {
  const u = new URL(TEST_ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
