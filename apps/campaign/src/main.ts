import 'reflect-metadata';
import { bootstrapApp, loadAppConfigOrExit } from '@comeback/platform';
import { CAMPAIGN_ENV } from './config';
import { FanOutModule } from './fan-out/fan-out.module';

// Templates, audiences and campaign fan-out (API and console pages follow).
const config = loadAppConfigOrExit('campaign', CAMPAIGN_ENV);
void bootstrapApp({ app: 'campaign', spec: CAMPAIGN_ENV, config, imports: [FanOutModule.forRoot({ publicFeedbackUrl: config.PUBLIC_FEEDBACK_URL })] });
