import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName } from '@comeback/contracts';
import { ApiKeyGuard, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, logBullmqErrors, REDIS, type RedisClient } from '@comeback/platform';
import { AuditModule } from '../console/audit/audit.module';
import { ReportQueriesService } from './report-queries.service';
import { ReportRollupsProcessor } from './report-rollups.processor';
import { ReportRollupsScheduler } from './report-rollups.scheduler';
import { ReportRollupsService } from './report-rollups.service';
import { REPORT_ROLLUPS_QUEUE } from './report-rollups.tokens';
import { ReportsApiController } from './reports-api.controller';

/**
 * The reports: their queries (ReportQueriesService, exported for the console's pages), the JSON
 * API, and the rollups they read with their refresh queue (worker, nightly schedulers, on-demand
 * API). A plain module (no configuration), so the console's module can import it too.
 */
@Module({
  // The API's reads are exports: recorded in the audit log (ApiExportAuditInterceptor).
  imports: [AuditModule],
  controllers: [ReportsApiController],
  providers: [
    {
      provide: REPORT_ROLLUPS_QUEUE,
      inject: [REDIS, INFRASTRUCTURE_OPTIONS],
      useFactory: (redis: RedisClient, infrastructure: InfrastructureOptions) =>
        logBullmqErrors(new Queue(QueueName.ReportRollups, { connection: redis, prefix: infrastructure.redisPrefix })),
    },
    ApiKeyGuard,
    ReportQueriesService,
    ReportRollupsService,
    ReportRollupsProcessor,
    ReportRollupsScheduler,
  ],
  exports: [ReportQueriesService, ReportRollupsService, ReportRollupsProcessor],
})
export class ReportsModule implements OnApplicationShutdown {
  constructor(@Inject(REPORT_ROLLUPS_QUEUE) private readonly queue: Queue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
