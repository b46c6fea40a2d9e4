import Redis, { type RedisOptions } from 'ioredis';

export const REDIS = Symbol('REDIS');

/** A Redis connection suited to BullMQ (which needs `maxRetriesPerRequest: null`). */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...options });
}
