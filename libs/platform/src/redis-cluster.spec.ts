import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { COMMON_ENV, type ConfigOf, ConfigError, loadConfig } from '@comeback/config';
import { checkInfrastructure, InfrastructureUnavailableError, type RedisClient } from '@comeback/connectivity';
import {
  createTestDatabase, freePort, startPrivateRedisCluster, TEST_ADMIN_DATABASE_URL, testRedisPrefix, waitFor, type PrivateRedisCluster, type TestDatabase,
} from '@comeback/testing';
import { createNestApp } from './bootstrap';
import { createRedis, REDIS } from './redis';
import { RedisRateLimit } from './security/rate-limit';

jest.setTimeout(120_000);

/**
 * Comeback on a real Redis Cluster: three `redis-server --cluster-enabled yes` primaries of the
 * test's own, configured as an operator would (REDIS_CLUSTER_NODES, a hash-tagged REDIS_PREFIX).
 * BullMQ's queues and workers, the rate limits and readiness work through `createRedis`; the
 * configuration refuses a cluster without a hash tag, and the test shows why.
 */
describe('Redis Cluster', () => {
  let cluster: PrivateRedisCluster;
  let config: ConfigOf<typeof COMMON_ENV>;
  const clients: RedisClient[] = [];
  const connect = (): RedisClient => {
    const client = createRedis({ url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A node timeout of 1 s: the readiness test stops a node and waits for the others to notice.
    cluster = await startPrivateRedisCluster({ nodeTimeoutMs: 1000 });
    config = loadConfig('redis-cluster-spec', COMMON_ENV, {
      REDIS_URL: `redis://127.0.0.1:${cluster.ports[0]}`,
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_PREFIX: `{${testRedisPrefix()}}`,
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await cluster?.destroy();
  });

  describe('configuration', () => {
    it('reads REDIS_CLUSTER_NODES as seed nodes and accepts a hash-tagged prefix', () => {
      expect(config.REDIS_CLUSTER_NODES).toEqual(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
      expect(config.REDIS_PREFIX).toMatch(/^\{[^{}]+\}$/);
    });

    it('refuses REDIS_CLUSTER_NODES with a prefix that has no hash tag, naming REDIS_PREFIX and the fix', () => {
      for (const prefix of [undefined, 'comeback', 'comeback:eu']) {
        const load = () => loadConfig('dispatcher', COMMON_ENV, { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: prefix });
        expect(load).toThrow(ConfigError);
        expect(load).toThrow(/REDIS_PREFIX: REDIS_CLUSTER_NODES is set, so the prefix needs a hash tag/);
        expect(load).toThrow(`use {${prefix ?? 'comeback'}}`);
      }
      // The same prefix without the cluster is fine: one server has no slots.
      expect(loadConfig('dispatcher', COMMON_ENV, { REDIS_PREFIX: 'comeback' }).REDIS_CLUSTER_NODES).toBeUndefined();
    });
  });

  it('passes the start-up check (cluster_state:ok), and names the seed nodes when none answers', async () => {
    await expect(checkInfrastructure({ databaseUrl: TEST_ADMIN_DATABASE_URL, redisUrl: config.REDIS_URL, redisClusterNodes: config.REDIS_CLUSTER_NODES })).resolves.toBeUndefined();
    const nobody = await freePort();
    const down = checkInfrastructure({ databaseUrl: TEST_ADMIN_DATABASE_URL, redisUrl: config.REDIS_URL, redisClusterNodes: [{ host: '127.0.0.1', port: nobody }] });
    await expect(down).rejects.toThrow(InfrastructureUnavailableError);
    await expect(down).rejects.toThrow(`Redis is not reachable at the Redis Cluster (seed nodes 127.0.0.1:${nobody})`);
  });

  it('runs a BullMQ queue and worker under the hash-tagged prefix: bulk adds, a retry and a delayed job, every key in one slot', async () => {
    const connection = connect();
    expect(connection).toBeInstanceOf(Cluster);
    const queue = new Queue('cluster-spec', { connection, prefix: config.REDIS_PREFIX });
    const done: string[] = [];
    const worker = new Worker(
      'cluster-spec',
      async (job) => {
        if (job.name === 'retried' && job.attemptsMade === 0) throw new Error('the first attempt fails');
        done.push(job.id ?? '');
      },
      { connection, prefix: config.REDIS_PREFIX, concurrency: 4 },
    );
    try {
      await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'bulk', data: { i }, opts: { jobId: `bulk-${i}` } })));
      await queue.add('retried', {}, { jobId: 'retry-1', attempts: 2, backoff: { type: 'fixed', delay: 50 } });
      await queue.add('delayed', {}, { jobId: 'later-1', delay: 200 });
      await waitFor('the 22 jobs to complete', async () => (await queue.getJobCounts('completed')).completed === 22, 30_000);
      expect(done.sort()).toEqual([...Array.from({ length: 20 }, (_, i) => `bulk-${i}`), 'later-1', 'retry-1'].sort());
      expect(await queue.getJobCounts('failed', 'wait', 'delayed', 'active')).toEqual({ failed: 0, wait: 0, delayed: 0, active: 0 });

      // Every key of the queue is on one node, in one slot: the hash tag's.
      const cl = connection as Cluster;
      const keysPerNode = await Promise.all(cl.nodes('master').map((node) => node.keys(`${config.REDIS_PREFIX}:cluster-spec:*`)));
      expect(keysPerNode.filter((keys) => keys.length > 0)).toHaveLength(1);
      const keys = keysPerNode.flat();
      expect(keys.length).toBeGreaterThan(5);
      const slots = new Set(await Promise.all(keys.map((k) => cl.cluster('KEYSLOT', k))));
      expect(slots.size).toBe(1);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('shows why the tag is required: without one, BullMQ\'s scripts span slots and Redis refuses them (CROSSSLOT)', async () => {
    const queue = new Queue('cluster-spec-untagged', { connection: connect(), prefix: testRedisPrefix() });
    try {
      await expect(queue.add('job', {})).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await queue.close();
    }
  });

  it('keeps rate limits under the prefix, in the cluster, shared by replicas, and resets them', async () => {
    const redis = connect();
    const other = connect();
    // Connected first: a limit counts in memory while its client is not ready.
    await Promise.all([redis.ping(), other.ping()]);
    const limit = new RedisRateLimit(redis, config.REDIS_PREFIX, 'spec', { points: 3, durationSeconds: 60 });
    for (let i = 0; i < 3; i++) expect(await limit.consume('a')).toEqual({ allowed: true });
    expect(await limit.consume('a')).toMatchObject({ allowed: false });
    expect(await limit.check('b')).toEqual({ allowed: true });
    expect(Number(await redis.get(`${config.REDIS_PREFIX}:rate-limit:spec:a`))).toBeGreaterThanOrEqual(3);

    // Another replica (its own client, nothing in memory) reads the count from the cluster.
    const replica = new RedisRateLimit(other, config.REDIS_PREFIX, 'spec', { points: 3, durationSeconds: 60 });
    expect(await replica.check('a')).toMatchObject({ allowed: false });
    await replica.reset('a');
    expect(await redis.get(`${config.REDIS_PREFIX}:rate-limit:spec:a`)).toBeNull();
  });

  describe('an app configured for the cluster', () => {
    let db: TestDatabase;
    let app: NestExpressApplication;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      db = await createTestDatabase();
      app = await createNestApp({
        app: 'redis-cluster-probe',
        config: { ...config, DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'error' },
      });
      await app.init();
    });

    afterAll(async () => {
      await app?.close();
      await db?.drop();
    });

    it('connects with a cluster client and is ready; a stopped primary makes it 503 until the node is back', async () => {
      expect(app.get(REDIS)).toBeInstanceOf(Cluster);
      const ready = await http().get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', checks: { postgres: { status: 'up' }, redis: { status: 'up' } } });

      // Its slots have no replica to take over: the cluster reports cluster_state:fail.
      await cluster.kill(cluster.ports[2]);
      await waitFor('readiness to fail once the cluster notices the node is gone', async () => (await http().get('/health/ready')).status === 503, 30_000);
      const res = await http().get('/health/ready').expect(503);
      expect(res.body).toMatchObject({ status: 'error', checks: { postgres: { status: 'up' }, redis: { status: 'down' } } });
      await http().get('/health/live').expect(200);

      await cluster.restart(cluster.ports[2]);
      await waitFor('readiness once the node is back', async () => (await http().get('/health/ready')).status === 200, 30_000);
    });
  });
});
