import type { AppOptions } from '@comeback/platform';
import type { ResponseCollectorConfig } from './config';

/**
 * The response collector as it runs: the public feedback and unsubscribe pages, and the
 * providers' webhooks (durable intake first, processing after). main.ts starts it; tests build
 * exactly this.
 */
export function responseCollectorAppOptions(config: ResponseCollectorConfig): Omit<AppOptions, 'config'> {
  void config;
  return {
    app: 'response-collector',
    imports: [],
    jsonBodyLimit: '256kb',
    formBodyLimit: '64kb',
    rawBody: true,
  };
}
