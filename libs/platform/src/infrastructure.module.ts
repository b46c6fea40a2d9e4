import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '@comeback/domain';
import type Redis from 'ioredis';
import { createRedis, REDIS } from './redis';

export interface InfrastructureOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  appName: string;
}

export const INFRASTRUCTURE_OPTIONS = Symbol('INFRASTRUCTURE_OPTIONS');

/**
 * PostgreSQL (TypeORM) and Redis connections for an app, registered once at its root.
 * The Redis client is closed on shutdown so SIGTERM leaves nothing open.
 */
@Global()
@Module({})
export class InfrastructureModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

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
        { provide: INFRASTRUCTURE_OPTIONS, useValue: opts },
        { provide: REDIS, useFactory: () => createRedis(opts.redisUrl, { connectionName: `comeback-${opts.appName}` }) },
      ],
      exports: [REDIS, INFRASTRUCTURE_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
