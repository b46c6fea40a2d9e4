import { z } from 'zod';

/**
 * One environment variable an app reads: its schema (types and default), whether it is a secret
 * (never logged, kept in Kubernetes Secrets), and a sentence for the README's configuration table.
 */
export interface EnvVar<T extends z.ZodType = z.ZodType> {
  schema: T;
  secret: boolean;
  description: string;
  /**
   * A condition on other variables of the same configuration, checked once every variable has
   * been read: returns what is wrong with this one, or undefined. Variables the spec does not
   * have (or that failed their own schema) are absent from `config`.
   */
  check?(value: z.output<T>, config: Readonly<Record<string, unknown>>): string | undefined;
}

export function envVar<T extends z.ZodType>(
  schema: T,
  description: string,
  secret = false,
  check?: (value: z.output<T>, config: Readonly<Record<string, unknown>>) => string | undefined,
): EnvVar<T> {
  return { schema, secret, description, ...(check ? { check } : {}) };
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

/**
 * A key prefix: letters, digits, ":", "_" and "-", with at most one hash tag of the same
 * characters: `comeback`, `{comeback}`, `{comeback}:eu`, `eu:{comeback}`.
 */
const REDIS_PREFIX_PATTERN = /^[\w:-]*(\{[\w:-]+\})?[\w:-]*$/;

/**
 * The hash tag of a Redis key prefix (the text between its `{` and `}`), or undefined when it has
 * none. In Redis Cluster only the tag of a key is hashed, so every key that starts with the prefix
 * lands in the same slot: what BullMQ's multi-key Lua scripts need.
 */
export function redisHashTag(prefix: string): string | undefined {
  return /\{([^{}]+)\}/.exec(prefix)?.[1];
}

/** A Redis Cluster seed node, as ioredis's Cluster takes it. */
export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port` (a name, an IPv4 address, or an IPv6 address in brackets). */
const REDIS_NODE_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})$/;

const redisClusterNodes = z
  .string()
  .transform((value, ctx): RedisNode[] => {
    const nodes: RedisNode[] = [];
    for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = REDIS_NODE_PATTERN.exec(item);
      const nodePort = m ? Number(m[2]) : 0;
      if (!m || nodePort < 1 || nodePort > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not host:port (comma-separated seed nodes, e.g. redis-0:6379,redis-1:6379)` });
        return z.NEVER;
      }
      nodes.push({ host: m[1].replace(/^\[(.*)\]$/, '$1'), port: nodePort });
    }
    if (nodes.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'no host:port in the list' });
      return z.NEVER;
    }
    return nodes;
  })
  .optional();

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
    z
      .string()
      .min(1)
      .regex(REDIS_PREFIX_PATTERN, 'letters, digits, ":", "_" and "-", with at most one hash tag: one "{", one "}" and at least one of those characters between them (e.g. {comeback})')
      .default('comeback'),
    'Key prefix for every Redis key, so several deployments or test runs can share one Redis. With REDIS_CLUSTER_NODES it must hold a hash tag, e.g. {comeback}.',
    false,
    (prefix, config) =>
      config.REDIS_CLUSTER_NODES !== undefined && redisHashTag(prefix) === undefined
        ? `REDIS_CLUSTER_NODES is set, so the prefix needs a hash tag ({…}) to keep each queue's keys in one cluster slot: use {${prefix.replace(/[{}]/g, '')}}`
        : undefined,
  ),
  REDIS_CLUSTER_NODES: envVar(
    redisClusterNodes,
    'Redis Cluster seed nodes, comma-separated host:port; set, the apps connect with a cluster client (credentials and TLS from REDIS_URL) and REDIS_PREFIX must hold a hash tag. Unset: one Redis at REDIS_URL.',
    false,
    (nodes, config) => {
      const url = config.REDIS_URL;
      if (nodes === undefined || typeof url !== 'string') return undefined;
      const db = new URL(url).pathname.replace(/^\//, '');
      return db && db !== '0' ? `Redis Cluster has only database 0, and REDIS_URL selects database ${db}: drop the /${db}` : undefined;
    },
  ),
  HOST: envVar(z.string().min(1).default('0.0.0.0'), 'Address the HTTP server listens on.'),
  LOG_LEVEL: envVar(z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'), 'Lowest log level printed.'),
} as const;

/** The HTTP port of an app, with that app's default. */
export function portVar(defaultPort: number) {
  return envVar(port.default(defaultPort), 'HTTP port of this app (health, API, pages).');
}

/** PG_POOL's size for an app that does not choose another default (every app but the response collector). */
export const DEFAULT_PG_POOL_SIZE = 5;

/**
 * The size of an app's plain `pg` pool (PG_POOL), with that app's default: how many statements it
 * can have in flight at once. Every replica opens up to this many connections (plus the two of
 * TypeORM's pool), so the sum over the replicas must stay within the connection budget of
 * docs/scale-out.md ("PostgreSQL sizing"); the production overlay sets it per app.
 */
export function pgPoolSizeVar(defaultSize = DEFAULT_PG_POOL_SIZE) {
  return envVar(
    z.coerce.number().int().min(1).max(200).default(defaultSize),
    'Most PostgreSQL connections of the app\'s pg pool (PG_POOL); every replica opens up to this many, so keep replicas × size under max_connections.',
  );
}
