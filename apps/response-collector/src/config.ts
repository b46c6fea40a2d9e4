import { COMMON_ENV, type ConfigOf, portVar } from '@comeback/config';

/** Every environment variable the response-collector app reads; validated at start-up. */
export const RESPONSE_COLLECTOR_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3001),
};

export type ResponseCollectorConfig = ConfigOf<typeof RESPONSE_COLLECTOR_ENV>;
