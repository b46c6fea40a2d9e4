import 'reflect-metadata';
import { EventConsumer } from '@comeback/contracts';
import { connectEventConsumer } from '@comeback/events';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { ClientActivityModule } from './client-activity/client-activity.module';
import { REPORT_ENV } from './config';
import { IngestionModule } from './ingestion/ingestion.module';

// Reports API, the ingestion API, the client timeline (churn events) and (later) the staff console.
const config = loadAppConfigOrExit('report', REPORT_ENV);
void bootstrapApp({
  app: 'report',
  spec: REPORT_ENV,
  config,
  imports: [IngestionModule, ClientActivityModule],
  jsonBodyLimit: '20mb',
  connectTransports: (app) => connectEventConsumer(app, EventConsumer.ClientActivity),
});
