import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { RESPONSE_COLLECTOR_ENV } from './config';
import { responseCollectorAppOptions } from './response-collector-app';

// Public endpoints: feedback and unsubscribe pages, provider webhooks. They check and enqueue;
// the inbound worker (worker.ts, its own process) writes what they accepted.
const config = loadAppConfigOrExit('response-collector', RESPONSE_COLLECTOR_ENV);
void bootstrapApp({ ...responseCollectorAppOptions(config), spec: RESPONSE_COLLECTOR_ENV, config });
