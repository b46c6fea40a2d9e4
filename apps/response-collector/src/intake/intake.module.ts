import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@comeback/contracts';
import { createRedis, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, type RedisClient, watchRedisConnection } from '@comeback/platform';
import { IntakeService } from './intake.service';
import { INBOUND_QUEUE, INTAKE_REDIS } from './intake.tokens';

/**
 * The durable intake's front: the inbound queue and the service webhooks and the feedback page
 * hand their requests to. The queue has a Redis connection of its own with auto-pipelining: the
 * jobs added by every request the event loop took in one turn go to Redis in one write, not one
 * each (under load, much of the intake's time went to socket writes).
 */
@Module({
  providers: [
    {
      provide: INTAKE_REDIS,
      inject: [INFRASTRUCTURE_OPTIONS],
      useFactory: (infra: InfrastructureOptions) =>
        watchRedisConnection(
          createRedis({ url: infra.redisUrl, clusterNodes: infra.redisClusterNodes }, { connectionName: `comeback-${infra.appName}-intake`, enableAutoPipelining: true }),
          `comeback-${infra.appName}-intake`,
        ),
    },
    {
      provide: INBOUND_QUEUE,
      inject: [INTAKE_REDIS, INFRASTRUCTURE_OPTIONS],
      useFactory: (redis: RedisClient, infra: InfrastructureOptions) => logBullmqErrors(new Queue(QueueName.Inbound, { connection: redis, prefix: infra.redisPrefix })),
    },
    IntakeService,
  ],
  exports: [IntakeService],
})
export class IntakeModule implements OnApplicationShutdown {
  constructor(
    @Inject(INBOUND_QUEUE) private readonly queue: Queue,
    @Inject(INTAKE_REDIS) private readonly redis: RedisClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    // A connection given to the queue stays open when the queue closes.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
