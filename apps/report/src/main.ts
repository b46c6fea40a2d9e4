import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { REPORT_ENV } from './config';
import { reportAppOptions } from './report-app';

const config = loadAppConfigOrExit('report', REPORT_ENV);
void bootstrapApp({ ...reportAppOptions(config), spec: REPORT_ENV, config });
