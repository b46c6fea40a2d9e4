import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DEFAULT_PG_POOL_SIZE } from '@comeback/config';
import { dataSourceOptions } from '@comeback/domain';
import type { RedisClient } from '@comeback/connectivity';
import { Pool } from 'pg';
import { HttpDrain } from './http-drain';
import { createRedis, REDIS } from './redis';
import { watchRedisConnection } from './redis-connection-watch';

export interface InfrastructureOptions {
  databaseUrl: string;
  redisUrl: string;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES): set, REDIS is a cluster client and redisPrefix has a hash tag. */
  redisClusterNodes?: readonly { host: string; port: number }[];
  redisPrefix: string;
  appName: string;
  /** Most connections of PG_POOL (an app's PG_POOL_SIZE when its schema has one); DEFAULT_PG_POOL_SIZE otherwise. */
  pgPoolSize?: number;
}

/** PG_POOL's size for apps whose configuration does not set one. */
export { DEFAULT_PG_POOL_SIZE };

/**
 * Most connections of TypeORM's pool. Nothing in the apps queries through TypeORM but the
 * readiness check (`SELECT 1`, HealthController); the work goes through PG_POOL. Two, so a check
 * stuck on a slow server does not hold up the next one. Every replica counts it in the PostgreSQL
 * connection budget (docs/scale-out.md, tests/deploy).
 */
export const TYPEORM_POOL_SIZE = 2;

export const INFRASTRUCTURE_OPTIONS = Symbol('INFRASTRUCTURE_OPTIONS');

/**
 * A plain `pg` pool beside TypeORM's, for set-based work that needs the driver itself
 * (COPY streams, long multi-statement transactions).
 */
export const PG_POOL = Symbol('PG_POOL');

/**
 * PostgreSQL (TypeORM) and Redis connections for an app, registered once at its root.
 * The Redis client and the pool are closed on shutdown, after every feature module's hooks (a
 * global module's come last), so SIGTERM leaves nothing open; HttpDrain lets the HTTP server close.
 */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  static forRoot(opts: InfrastructureOptions): DynamicModule {
    return {
      module: InfrastructureModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(opts.databaseUrl, { extra: { max: TYPEORM_POOL_SIZE, application_name: `comeback-${opts.appName}` } }),
          // Fail fast at start-up; the bootstrap has already said how to start PostgreSQL.
          retryAttempts: 0,
        }),
      ],
      providers: [
        HttpDrain,
        { provide: INFRASTRUCTURE_OPTIONS, useValue: opts },
        {
          provide: REDIS,
          // Its outages are logged once when it goes and once when it is back, not per reconnect attempt.
          useFactory: () =>
            watchRedisConnection(createRedis({ url: opts.redisUrl, clusterNodes: opts.redisClusterNodes }, { connectionName: `comeback-${opts.appName}` }), `comeback-${opts.appName}`),
        },
        {
          provide: PG_POOL,
          useFactory: () => {
            const pool = new Pool({ connectionString: opts.databaseUrl, max: opts.pgPoolSize ?? DEFAULT_PG_POOL_SIZE, application_name: `comeback-${opts.appName}-bulk` });
            // An idle connection dropped by the server (restart, failover) must not crash the app:
            // the pool discards it and the next query opens a new one.
            pool.on('error', (err) => new Logger('PG_POOL').warn(`idle PostgreSQL connection lost: ${err.message}`));
            return pool;
          },
        },
      ],
      exports: [REDIS, PG_POOL, INFRASTRUCTURE_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
