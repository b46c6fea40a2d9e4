import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { QueueName } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, REDIS } from '@comeback/platform';
import { IntakeService } from './intake.service';
import { INBOUND_QUEUE } from './intake.tokens';

/** The durable intake's front: the inbound queue and the service webhooks hand their requests to. */
@Module({
  providers: [
    {
      provide: INBOUND_QUEUE,
      inject: [REDIS, INFRASTRUCTURE_OPTIONS],
      useFactory: (redis: Redis, infra: InfrastructureOptions) => new Queue(QueueName.Inbound, { connection: redis, prefix: infra.redisPrefix }),
    },
    IntakeService,
  ],
  exports: [IntakeService],
})
export class IntakeModule implements OnApplicationShutdown {
  constructor(@Inject(INBOUND_QUEUE) private readonly queue: Queue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
