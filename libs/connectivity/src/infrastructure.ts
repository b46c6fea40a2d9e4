import { Client } from 'pg';
import { newRedisClient, pingRedis, type RedisTarget } from './redis-client';
import { withTimeout } from './with-timeout';

/** Thrown when PostgreSQL or Redis does not answer; the message says how to start it. */
export class InfrastructureUnavailableError extends Error {
  readonly code = 'INFRASTRUCTURE_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'InfrastructureUnavailableError';
  }
}

function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || (u.protocol.startsWith('redis') ? 6379 : 5432)}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return '(unparsable URL)';
  }
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}

const START_POSTGRES = [
  'Start PostgreSQL, for example:',
  '  sudo systemctl start postgresql            (a system install)',
  "  pg_ctlcluster <version> main start          (Debian/Ubuntu, e.g. 'pg_ctlcluster 15 main start')",
  '  docker compose up -d postgres               (with Docker)',
  'or point DATABASE_URL at a running server.',
].join('\n');

const START_REDIS = [
  'Start Redis, for example:',
  '  sudo systemctl start redis-server           (a system install)',
  '  redis-server --daemonize yes                 (by hand)',
  '  docker compose up -d redis                  (with Docker)',
  'or point REDIS_URL at a running server.',
].join('\n');

/** Connects once to PostgreSQL; says plainly what is wrong when it can't. */
export async function checkPostgres(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    const code = errorCode(err);
    if (code === '3D000') {
      throw new InfrastructureUnavailableError(
        `PostgreSQL answers at ${where(url)}, but the database does not exist.\n` +
          'Create it and apply the migrations with: npx comeback migrate --create-database',
      );
    }
    if (code === '28P01' || code === '28000') {
      throw new InfrastructureUnavailableError(
        `PostgreSQL at ${where(url)} refused the login (${code}). Check the user and password in DATABASE_URL.`,
      );
    }
    throw new InfrastructureUnavailableError(`PostgreSQL is not reachable at ${where(url)} (${code}).\n${START_POSTGRES}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Pings Redis once, without the client's endless reconnect loop. For a cluster (`clusterNodes`):
 * connects through the seed nodes, which succeeds once the cluster reports `cluster_state:ok` and
 * the client knows which node serves each slot, then pings.
 */
export async function checkRedis(target: string | RedisTarget, timeoutMs = 3000): Promise<void> {
  const { url, clusterNodes } = typeof target === 'string' ? { url: target, clusterNodes: undefined } : target;
  const redis = newRedisClient(
    { url, clusterNodes },
    { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false },
    { clusterRetryStrategy: () => null },
  );
  redis.on('error', () => undefined);
  const at = clusterNodes?.length ? `the Redis Cluster (seed nodes ${clusterNodes.map((n) => `${n.host}:${n.port}`).join(', ')})` : where(url);
  try {
    // A cluster's connect has no timeout of its own (a node that accepts and never answers).
    await withTimeout(redis.connect().then(() => pingRedis(redis)), timeoutMs, `no answer within ${timeoutMs} ms`);
  } catch (err) {
    throw new InfrastructureUnavailableError(`Redis is not reachable at ${at} (${errorCode(err)}).\n${START_REDIS}`);
  } finally {
    redis.disconnect();
  }
}

/** Checks both stores and reports every one that is down, not just the first. */
export async function checkInfrastructure(opts: { databaseUrl: string; redisUrl?: string; redisClusterNodes?: RedisTarget['clusterNodes'] }): Promise<void> {
  const results = await Promise.allSettled([
    checkPostgres(opts.databaseUrl),
    opts.redisUrl ? checkRedis({ url: opts.redisUrl, clusterNodes: opts.redisClusterNodes }) : Promise.resolve(),
  ]);
  const messages = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (messages.length) throw new InfrastructureUnavailableError(messages.join('\n\n'));
}
