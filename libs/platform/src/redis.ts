import type { RedisOptions } from 'ioredis';
import { newRedisClient, type RedisClient, type RedisTarget } from '@comeback/connectivity';

export const REDIS = Symbol('REDIS');

/**
 * A Redis connection suited to BullMQ (which needs `maxRetriesPerRequest: null`): one server at
 * the URL, or, when the target has cluster seed nodes (REDIS_CLUSTER_NODES), an ioredis `Cluster`
 * that follows the cluster's MOVED and ASK redirects (credentials and TLS from the URL). BullMQ's
 * Queue and Worker, and the rate limits, take either.
 */
export function createRedis(target: string | RedisTarget, options: RedisOptions = {}): RedisClient {
  return newRedisClient(typeof target === 'string' ? { url: target } : target, { maxRetriesPerRequest: null, ...options });
}
