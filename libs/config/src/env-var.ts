import { z } from 'zod';

/**
 * One environment variable an app reads: its schema (types and default), whether it is a secret
 * (never logged, kept in Kubernetes Secrets), and a sentence for the README's configuration table.
 */
export interface EnvVar<T extends z.ZodType = z.ZodType> {
  schema: T;
  secret: boolean;
  description: string;
}

export function envVar<T extends z.ZodType>(schema: T, description: string, secret = false): EnvVar<T> {
  return { schema, secret, description };
}

const postgresUrl = z
  .string()
  .url()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must start with postgres:// or postgresql://');
const redisUrl = z
  .string()
  .url()
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://');
const port = z.coerce.number().int().min(1).max(65535);

/** Variables every app reads. Defaults match a local PostgreSQL and Redis with trust auth. */
export const COMMON_ENV = {
  NODE_ENV: envVar(z.enum(['development', 'production', 'test']).default('development'), 'Runtime mode.'),
  DATABASE_URL: envVar(
    postgresUrl.default('postgres://postgres@127.0.0.1:5432/comeback'),
    'PostgreSQL connection URL (credentials included, hence a secret).',
    true,
  ),
  REDIS_URL: envVar(redisUrl.default('redis://127.0.0.1:6379'), 'Redis connection URL for BullMQ queues.', true),
  REDIS_PREFIX: envVar(
    z.string().regex(/^[A-Za-z0-9:_-]+$/, 'letters, digits, ":", "_" and "-" only').default('comeback'),
    'Key prefix for every Redis key, so several deployments or test runs can share one Redis.',
  ),
  HOST: envVar(z.string().min(1).default('0.0.0.0'), 'Address the HTTP server listens on.'),
  LOG_LEVEL: envVar(z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'), 'Lowest log level printed.'),
} as const;

/** The HTTP port of an app, with that app's default. */
export function portVar(defaultPort: number) {
  return envVar(port.default(defaultPort), 'HTTP port of this app (health, API, pages).');
}

/**
 * The size of an app's plain `pg` pool (PG_POOL), with that app's default: how many statements it
 * can have in flight at once. Every replica opens up to this many connections, so replicas × size
 * must stay under the server's max_connections.
 */
export function pgPoolSizeVar(defaultSize: number) {
  return envVar(
    z.coerce.number().int().min(1).max(200).default(defaultSize),
    'Most PostgreSQL connections of the app\'s pg pool (PG_POOL); every replica opens up to this many, so keep replicas × size under max_connections.',
  );
}
