import Redis, { Cluster } from 'ioredis';
import { newRedisClient, redisUrlOptions } from './redis-client';

describe('newRedisClient', () => {
  it('takes the user, the password (decoded) and TLS from REDIS_URL for a cluster\'s nodes, never its host', () => {
    expect(redisUrlOptions('redis://127.0.0.1:6379')).toEqual({});
    expect(redisUrlOptions('rediss://app:p%40ss@redis.example:6380/0')).toEqual({ username: 'app', password: 'p@ss', tls: {} });
    expect(redisUrlOptions('redis://:secret@redis:6379')).toEqual({ password: 'secret' });
  });

  it('is one Redis without seed nodes, and a Cluster with them: per-node options to every node, the cluster\'s own to the cluster', () => {
    const single = newRedisClient({ url: 'redis://127.0.0.1:6399' }, { lazyConnect: true, maxRetriesPerRequest: null });
    expect(single).toBeInstanceOf(Redis);
    single.disconnect();

    const cluster = newRedisClient(
      { url: 'rediss://app:pw@ignored:6379', clusterNodes: [{ host: 'redis-0', port: 7000 }, { host: 'redis-1', port: 7001 }] },
      { lazyConnect: true, maxRetriesPerRequest: null, connectionName: 'comeback-spec', enableAutoPipelining: true },
    ) as Cluster;
    expect(cluster).toBeInstanceOf(Cluster);
    expect(cluster.options).toMatchObject({ lazyConnect: true, enableAutoPipelining: true });
    // BullMQ reads maxRetriesPerRequest from a cluster's redisOptions.
    expect(cluster.options.redisOptions).toEqual({ username: 'app', password: 'pw', tls: {}, maxRetriesPerRequest: null, connectionName: 'comeback-spec' });
    expect(cluster.status).toBe('wait');
    cluster.disconnect();
  });
});
