import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { RESPONSE_COLLECTOR_ENV } from './config';

// Public endpoints: feedback pages and provider webhooks (later issues).
const config = loadAppConfigOrExit('response-collector', RESPONSE_COLLECTOR_ENV);
void bootstrapApp({ app: 'response-collector', spec: RESPONSE_COLLECTOR_ENV, config, imports: [] });
