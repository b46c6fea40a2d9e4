import { CampaignManagementModule } from '@comeback/campaigns';
import { EventConsumer } from '@comeback/contracts';
import { connectEventConsumer, OutboxRelayModule } from '@comeback/events';
import { NulFreeInputModule, type AppOptions } from '@comeback/platform';
import { CallListPagesModule } from './call-list-pages/call-list-pages.module';
import { CampaignPagesModule } from './campaign-pages/campaign-pages.module';
import { ClientActivityModule } from './client-activity/client-activity.module';
import { ClientCardModule } from './client-card/client-card.module';
import type { ReportConfig } from './config';
import { ConsoleModule } from './console/console.module';
import { consoleCookiesSecure } from './console/console.options';
import { IngestionModule } from './ingestion/ingestion.module';
import { LostClientsModule } from './lost-clients/lost-clients.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { ReasonPagesModule } from './reason-pages/reason-pages.module';
import { ReportPagesModule } from './report-pages/report-pages.module';
import { ReportsModule } from './reports/reports.module';
import { StaffAccountsModule } from './staff-accounts/staff-accounts.module';

/**
 * The report app as it runs: the staff console (lost clients, client cards, campaigns, reports, accounts),
 * the reports and ingestion APIs, and the client timeline (churn events). It relays the events it
 * writes (a reason merge's reason.merged) itself. main.ts starts it; tests build exactly this.
 */
export function reportAppOptions(config: ReportConfig): Omit<AppOptions, 'config'> {
  return {
    app: 'report',
    imports: [
      NulFreeInputModule,
      OutboxRelayModule,
      IngestionModule,
      ClientActivityModule,
      ConsoleModule.forRoot({
        secureCookies: consoleCookiesSecure(config),
        loginLimits: { perIp: config.RATE_LIMIT_LOGIN_PER_IP, perEmail: config.RATE_LIMIT_LOGIN_PER_EMAIL },
        lockout: { threshold: config.LOGIN_LOCKOUT_THRESHOLD, maxLockMinutes: config.LOGIN_LOCKOUT_MAX_MINUTES },
        trustProxy: config.TRUST_PROXY,
        operatorOrganizations: config.QUEUE_DASHBOARD_ORGANIZATIONS,
      }),
      LostClientsModule,
      ClientCardModule,
      StaffAccountsModule,
      ReportsModule,
      ReportPagesModule,
      CampaignManagementModule.forRoot({ publicFeedbackUrl: config.PUBLIC_FEEDBACK_URL }),
      CampaignPagesModule,
      ReasonPagesModule,
      CallListPagesModule,
      QueueDashboardModule,
    ],
    jsonBodyLimit: '20mb',
    formBodyLimit: '100kb',
    connectTransports: (app) => connectEventConsumer(app, EventConsumer.ClientActivity),
  };
}
