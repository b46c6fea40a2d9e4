import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { REPORT_ENV } from './config';
import { IngestionModule } from './ingestion/ingestion.module';

// Reports API, the ingestion API and (later) the staff console.
const config = loadAppConfigOrExit('report', REPORT_ENV);
void bootstrapApp({ app: 'report', spec: REPORT_ENV, config, imports: [IngestionModule], jsonBodyLimit: '20mb' });
