import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { DISPATCHER_ENV } from './config';

// Channel workers consuming the per-channel BullMQ queues (a later issue).
const config = loadAppConfigOrExit('dispatcher', DISPATCHER_ENV);
void bootstrapApp({ app: 'dispatcher', spec: DISPATCHER_ENV, config, imports: [] });
