import type { AppOptions } from '@comeback/platform';
import { CollectorOptionsModule } from './collector-options.module';
import type { ResponseCollectorConfig } from './config';
import { FeedbackModule } from './feedback/feedback.module';
import { InboundProcessingModule } from './intake/inbound-processing.module';
import { TwilioModule } from './twilio/twilio.module';
import { ViberModule } from './viber/viber.module';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';

/**
 * The response collector as it runs: the public feedback and unsubscribe pages, and the
 * providers' webhooks (durable intake first, processing after). main.ts starts it; tests build
 * exactly this.
 */
export function responseCollectorAppOptions(config: ResponseCollectorConfig): Omit<AppOptions, 'config'> {
  return {
    app: 'response-collector',
    imports: [CollectorOptionsModule.forRoot({ publicBaseUrl: config.PUBLIC_BASE_URL }), TwilioModule, ViberModule, InboundProcessingModule, FeedbackModule.forRoot({ linkDays: config.FEEDBACK_LINK_DAYS }), UnsubscribeModule],
    jsonBodyLimit: '256kb',
    formBodyLimit: '64kb',
    rawBody: true,
  };
}
