import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to Redis: one server (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, and the cluster's seed nodes when it is a Redis Cluster. */
export interface RedisTarget {
  url: string;
  /** Seed nodes (REDIS_CLUSTER_NODES); the client learns the rest of the cluster from them. */
  clusterNodes?: readonly { host: string; port: number }[];
}

/** Options of RedisOptions that ioredis's Cluster takes for itself rather than per node. */
const CLUSTER_LEVEL = ['lazyConnect', 'enableAutoPipelining', 'enableOfflineQueue', 'enableReadyCheck'] as const;

/**
 * What a cluster's node connections take from REDIS_URL: the user, the password, TLS for
 * `rediss://`. The URL's host is not used (the seed nodes say where the cluster is), nor its
 * database (a cluster has only 0; the configuration refuses another).
 */
export function redisUrlOptions(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A client for `target`: `new Redis(url)` for one server, an ioredis `Cluster` over the seed nodes
 * otherwise. `options` are per-connection options (RedisOptions); for a cluster they go to every
 * node connection, except the few that are the cluster's own (lazyConnect, auto-pipelining, the
 * offline queue, the ready check). `clusterOptions` apply to a cluster only (its retry strategy).
 */
export function newRedisClient(target: RedisTarget, options: RedisOptions = {}, clusterOptions: ClusterOptions = {}): RedisClient {
  if (!target.clusterNodes?.length) return new Redis(target.url, options);
  const perNode: RedisOptions = { ...redisUrlOptions(target.url), ...options };
  const own: ClusterOptions = {};
  for (const key of CLUSTER_LEVEL) {
    if (key in perNode) {
      (own as Record<string, unknown>)[key] = perNode[key];
      delete perNode[key];
    }
  }
  // With TLS the certificates name the hosts: connect to the names, not to addresses looked up here.
  if (perNode.tls) own.dnsLookup = (address, callback) => callback(null, address);
  return new Cluster(
    target.clusterNodes.map((n) => ({ host: n.host, port: n.port })),
    { ...own, ...clusterOptions, redisOptions: perNode },
  );
}

/**
 * Whether Redis answers: PONG from one server; from a cluster, that the node asked reports
 * `cluster_state:ok` (every slot served, so every queue's keys can be reached).
 */
export async function pingRedis(redis: RedisClient): Promise<void> {
  if (redis instanceof Cluster) {
    const info = await redis.cluster('INFO');
    const state = /^cluster_state:(\w+)/m.exec(info)?.[1];
    if (state !== 'ok') throw new Error(`the Redis Cluster reports cluster_state:${state ?? 'unknown'}`);
  } else {
    await redis.ping();
  }
}
