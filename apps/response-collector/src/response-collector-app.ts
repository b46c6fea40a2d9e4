import type { AppOptions } from '@comeback/platform';
import { CollectorOptionsModule } from './collector-options.module';
import type { ResponseCollectorConfig, ResponseCollectorWorkerConfig } from './config';
import { FeedbackModule } from './feedback/feedback.module';
import { InboundProcessingModule } from './intake/inbound-processing.module';
import { LeanPathModule } from './lean-path/lean-path.module';
import { PublicRateLimitModule } from './rate-limits/public-rate-limits';
import { TwilioModule } from './twilio/twilio.module';
import { ViberModule } from './viber/viber.module';
import { UnsubscribeModule } from './unsubscribe/unsubscribe.module';
import { WebPerformanceModule } from './web-performance.module';

/**
 * The response collector's web process as it runs: the public feedback and unsubscribe pages, and
 * the providers' webhooks. Webhooks and feedback answers are checked and handed to the durable
 * intake (the inbound queue); the inbound worker (responseCollectorWorkerOptions, its own process)
 * writes them. main.ts starts it; tests build exactly this.
 */
export function responseCollectorAppOptions(config: ResponseCollectorConfig): Omit<AppOptions, 'config'> {
  return {
    app: 'response-collector',
    imports: [
      CollectorOptionsModule.forRoot({ publicBaseUrl: config.PUBLIC_BASE_URL }),
      PublicRateLimitModule.forRoot({ failuresPerIp: config.RATE_LIMIT_PUBLIC_FAILURES_PER_IP, trustProxy: config.TRUST_PROXY }),
      WebPerformanceModule,
      TwilioModule,
      ViberModule,
      FeedbackModule.forRoot({ linkDays: config.FEEDBACK_LINK_DAYS }),
      UnsubscribeModule,
      LeanPathModule,
    ],
    jsonBodyLimit: '256kb',
    formBodyLimit: '64kb',
    rawBody: true,
  };
}

/**
 * The response collector's inbound worker as it runs: the worker of the inbound queue (replies,
 * delivery reports, key presses, feedback answers), and /health. worker.ts starts it; tests build
 * exactly this beside the web process.
 */
export function responseCollectorWorkerOptions(config: ResponseCollectorWorkerConfig): Omit<AppOptions, 'config'> {
  return {
    app: 'response-collector-worker',
    imports: [InboundProcessingModule.forRoot({ concurrency: config.INBOUND_CONCURRENCY, feedback: { linkDays: config.FEEDBACK_LINK_DAYS } })],
  };
}
