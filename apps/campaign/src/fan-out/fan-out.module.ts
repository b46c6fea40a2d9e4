import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { QueueName, SEND_JOBS } from '@comeback/contracts';
import { CHANNELS, type Channel } from '@comeback/domain';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, REDIS } from '@comeback/platform';
import { CampaignsProcessor } from './campaigns.processor';
import { FanOutService } from './fan-out.service';
import { CAMPAIGNS_QUEUE, FAN_OUT_OPTIONS, type FanOutOptions, SEND_QUEUES } from './fan-out.tokens';

/** The fan-out: the campaigns queue's worker, and the send queues it fills. */
@Module({})
export class FanOutModule implements OnApplicationShutdown {
  constructor(
    @Inject(CAMPAIGNS_QUEUE) private readonly campaigns: Queue,
    @Inject(SEND_QUEUES) private readonly sends: Record<Channel, Queue>,
  ) {}

  static forRoot(options: FanOutOptions): DynamicModule {
    return {
      module: FanOutModule,
      // The queues and options are the app's: the templates and campaigns modules use them too.
      global: true,
      providers: [
        { provide: FAN_OUT_OPTIONS, useValue: options },
        {
          provide: CAMPAIGNS_QUEUE,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: Redis, infra: InfrastructureOptions) => new Queue(QueueName.Campaigns, { connection: redis, prefix: infra.redisPrefix }),
        },
        {
          provide: SEND_QUEUES,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: Redis, infra: InfrastructureOptions) =>
            Object.fromEntries(CHANNELS.map((c) => [c, new Queue(SEND_JOBS[c].queue, { connection: redis, prefix: infra.redisPrefix })])),
        },
        FanOutService,
        CampaignsProcessor,
      ],
      exports: [FanOutService, CAMPAIGNS_QUEUE, SEND_QUEUES, FAN_OUT_OPTIONS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.campaigns.close(), ...Object.values(this.sends).map((q) => q.close())]);
  }
}
