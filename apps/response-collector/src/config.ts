import { z } from 'zod';
import { COMMON_ENV, type ConfigOf, envVar, portVar } from '@comeback/config';

/** Every environment variable the response-collector app reads; validated at start-up. */
export const RESPONSE_COLLECTOR_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3001),
  PUBLIC_BASE_URL: envVar(
    z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').default('http://127.0.0.1:3001'),
    'The public base URL this app is reached at (what clients and providers call): Twilio signs the full URL, so signatures are checked against it.',
  ),
  FEEDBACK_LINK_DAYS: envVar(
    z.coerce.number().int().min(1).max(3650).default(90),
    'How long a personal feedback link works after its message was sent; later it answers 410.',
  ),
};

export type ResponseCollectorConfig = ConfigOf<typeof RESPONSE_COLLECTOR_ENV>;
