import { Client, Pool } from 'pg';
import { checkPostgres } from '@comeback/connectivity';

/** Creates the database named in `url` when it does not exist yet (connecting to `postgres`). */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`DATABASE_URL: database name ${JSON.stringify(name)} has characters other than letters, digits, "_" and "-"`);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await admin.query(`CREATE DATABASE "${name}"`);
    return true;
  } finally {
    await admin.end();
  }
}

/** A pool on a database that answers and is migrated, or a clear error saying what to do. */
export async function openDatabase(url: string): Promise<Pool> {
  await checkPostgres(url);
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', (err) => process.stderr.write(`comeback: idle PostgreSQL connection lost: ${err.message}\n`));
  const { rows } = await pool.query(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS migrated`);
  if (!rows[0].migrated) {
    await pool.end();
    throw new CliError('the database has no Comeback schema yet. Apply the migrations with: npx comeback migrate');
  }
  return pool;
}

/** An error whose message is all the user needs: printed without a stack trace. */
export class CliError extends Error {}
