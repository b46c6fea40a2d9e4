import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@comeback/contracts';
import { OutboxRelayModule } from '@comeback/events';
import { ApiKeyGuard, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { LapseSweepProcessor } from './lapse-sweep.processor';
import { ModelFitService } from './model-fit.service';
import { NightlySweepScheduler } from './nightly-sweep.scheduler';
import { SweepChunkService } from './sweep-chunk.service';
import { SweepPlannerService } from './sweep-planner.service';
import { SweepsController } from './sweeps.controller';
import { LAPSE_CONFIG, LAPSE_QUEUE, type SweepConfig } from './sweep.tokens';

/** The lapse sweep: nightly schedulers, the on-demand API, planning, chunk scoring, the outbox relay. */
@Module({})
export class SweepModule implements OnApplicationShutdown {
  constructor(@Inject(LAPSE_QUEUE) private readonly queue: Queue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }

  static forRoot(config: SweepConfig): DynamicModule {
    return {
      module: SweepModule,
      imports: [OutboxRelayModule],
      controllers: [SweepsController],
      providers: [
        { provide: LAPSE_CONFIG, useValue: config },
        {
          provide: LAPSE_QUEUE,
          inject: [REDIS, INFRASTRUCTURE_OPTIONS],
          useFactory: (redis: RedisClient, infrastructure: InfrastructureOptions) =>
            logBullmqErrors(new Queue(QueueName.LapseSweep, { connection: redis, prefix: infrastructure.redisPrefix })),
        },
        ApiKeyGuard,
        ModelFitService,
        SweepPlannerService,
        SweepChunkService,
        LapseSweepProcessor,
        NightlySweepScheduler,
      ],
      exports: [SweepPlannerService, SweepChunkService, NightlySweepScheduler, LAPSE_QUEUE],
    };
  }
}
