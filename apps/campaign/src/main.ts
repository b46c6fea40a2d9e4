import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { CAMPAIGN_ENV } from './config';

// Templates, audiences and campaign fan-out (a later issue).
const config = loadAppConfigOrExit('campaign', CAMPAIGN_ENV);
void bootstrapApp({ app: 'campaign', spec: CAMPAIGN_ENV, config, imports: [] });
