import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { LAPSE_DETECTOR_ENV } from './config';

// The nightly sweep that finds lost and at-risk clients (a later issue).
const config = loadAppConfigOrExit('lapse-detector', LAPSE_DETECTOR_ENV);
void bootstrapApp({ app: 'lapse-detector', spec: LAPSE_DETECTOR_ENV, config, imports: [] });
