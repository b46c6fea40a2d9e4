import { type DynamicModule, Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@comeback/domain';
import type Redis from 'ioredis';
import { Pool } from 'pg';
import { HttpDrain } from './http-drain';
import { createRedis, REDIS } from './redis';

export interface InfrastructureOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  appName: string;
  /** Most connections of PG_POOL (an app's PG_POOL_SIZE when its schema has one); DEFAULT_PG_POOL_SIZE otherwise. */
  pgPoolSize?: number;
}

/** PG_POOL's size for apps whose configuration does not set one. */
export const DEFAULT_PG_POOL_SIZE = 5;

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
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  static forRoot(opts: InfrastructureOptions): DynamicModule {
    return {
      module: InfrastructureModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(opts.databaseUrl, { extra: { max: 10, application_name: `comeback-${opts.appName}` } }),
          // Fail fast at start-up; the bootstrap has already said how to start PostgreSQL.
          retryAttempts: 0,
        }),
      ],
      providers: [
        HttpDrain,
        { provide: INFRASTRUCTURE_OPTIONS, useValue: opts },
        { provide: REDIS, useFactory: () => createRedis(opts.redisUrl, { connectionName: `comeback-${opts.appName}` }) },
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
