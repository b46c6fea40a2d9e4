import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { campaignAppOptions } from './campaign-app';
import { CAMPAIGN_ENV } from './config';

// Templates, audiences, campaigns and their fan-out.
const config = loadAppConfigOrExit('campaign', CAMPAIGN_ENV);
void bootstrapApp({ ...campaignAppOptions(config), spec: CAMPAIGN_ENV, config });
