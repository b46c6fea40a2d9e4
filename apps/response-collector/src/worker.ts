import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { RESPONSE_COLLECTOR_WORKER_ENV } from './config';
import { responseCollectorWorkerOptions } from './response-collector-app';

// The response collector's inbound worker: writes what the webhooks and the feedback page accepted
// (main.ts only checks and enqueues). Its HTTP port serves /health.
const config = loadAppConfigOrExit('response-collector-worker', RESPONSE_COLLECTOR_WORKER_ENV);
void bootstrapApp({ ...responseCollectorWorkerOptions(config), spec: RESPONSE_COLLECTOR_WORKER_ENV, config });
