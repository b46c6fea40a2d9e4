import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName, SEND_JOBS } from '@comeback/contracts';
import { CHANNELS, type Channel } from '@comeback/domain';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { CampaignsService } from './campaigns.service';
import { TemplatesService } from './templates.service';
import { CAMPAIGN_OPTIONS, CAMPAIGNS_QUEUE, type CampaignOptions, INBOUND_QUEUE, SEND_QUEUES } from './tokens';

/**
 * Templates and campaigns as staff manage them, shared by the campaign app's API and the
 * console's pages (apps never import each other): the services, the campaigns queue a schedule
 * adds its start job to, and the send queues a resume or a retry enqueues into.
 */
@Module({})
export class CampaignManagementModule implements OnApplicationShutdown {
  constructor(
    @Inject(CAMPAIGNS_QUEUE) private readonly campaigns: Queue,
    @Inject(SEND_QUEUES) private readonly sends: Record<Channel, Queue>,
    @Inject(INBOUND_QUEUE) private readonly inbound: Queue,
  ) {}

  static forRoot(options: CampaignOptions): DynamicModule {
    return {
      module: CampaignManagementModule,
      global: true,
      providers: [
        { provide: CAMPAIGN_OPTIONS, useValue: options },
        {
          provide: CAMPAIGNS_QUEUE,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: RedisClient, infra: InfrastructureOptions) => logBullmqErrors(new Queue(QueueName.Campaigns, { connection: redis, prefix: infra.redisPrefix })),
        },
        {
          provide: SEND_QUEUES,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: RedisClient, infra: InfrastructureOptions) =>
            Object.fromEntries(CHANNELS.map((c) => [c, logBullmqErrors(new Queue(SEND_JOBS[c].queue, { connection: redis, prefix: infra.redisPrefix }))])),
        },
        {
          provide: INBOUND_QUEUE,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: RedisClient, infra: InfrastructureOptions) => logBullmqErrors(new Queue(QueueName.Inbound, { connection: redis, prefix: infra.redisPrefix })),
        },
        TemplatesService,
        CampaignsService,
      ],
      exports: [CAMPAIGN_OPTIONS, CAMPAIGNS_QUEUE, SEND_QUEUES, TemplatesService, CampaignsService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.campaigns.close(), this.inbound.close(), ...Object.values(this.sends).map((q) => q.close())]);
  }
}
