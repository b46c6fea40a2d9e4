import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { DISPATCHER_ENV } from './config';
import { dispatcherAppOptions } from './dispatcher-app';

// The per-channel send workers (SMS, e-mail, Viber, voice).
const config = loadAppConfigOrExit('dispatcher', DISPATCHER_ENV);
void bootstrapApp({ ...dispatcherAppOptions(config), spec: DISPATCHER_ENV, config });
