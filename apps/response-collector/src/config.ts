import { z } from 'zod';
import { COMMON_ENV, type ConfigOf, envVar, pgPoolSizeVar, portVar, SECURITY_ENV } from '@comeback/config';

const FEEDBACK_LINK_DAYS = envVar(
  z.coerce.number().int().min(1).max(3650).default(90),
  'How long a personal feedback link works after its message was sent; later it answers 410.',
);

/**
 * Every environment variable the response-collector app reads (main.ts: the public pages and the
 * webhooks, which check and enqueue); validated at start-up.
 */
export const RESPONSE_COLLECTOR_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3001),
  PUBLIC_BASE_URL: envVar(
    z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').default('http://127.0.0.1:3001'),
    'The public base URL this app is reached at (what clients and providers call): Twilio signs the full URL, so signatures are checked against it.',
  ),
  FEEDBACK_LINK_DAYS,
  PG_POOL_SIZE: pgPoolSizeVar(20),
  // Rate limits of the public pages and webhooks (README "Security").
  TRUST_PROXY: SECURITY_ENV.TRUST_PROXY,
  RATE_LIMIT_PUBLIC_FAILURES_PER_IP: SECURITY_ENV.RATE_LIMIT_PUBLIC_FAILURES_PER_IP,
};

export type ResponseCollectorConfig = ConfigOf<typeof RESPONSE_COLLECTOR_ENV>;

/**
 * Every environment variable the response collector's inbound worker reads (worker.ts: the
 * process that records and handles what the webhooks and the feedback page accepted). Its HTTP
 * port serves /health only.
 */
export const RESPONSE_COLLECTOR_WORKER_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3005),
  // A feedback answer accepted while PostgreSQL was unreachable has its link checked by the worker, as of when it was sent.
  FEEDBACK_LINK_DAYS,
  PG_POOL_SIZE: pgPoolSizeVar(20),
  INBOUND_CONCURRENCY: envVar(
    z.coerce.number().int().min(1).max(100).default(2),
    'Inbound requests one worker process handles at once (each holds one PostgreSQL connection for its transaction: keep PG_POOL_SIZE above it).',
  ),
};

export type ResponseCollectorWorkerConfig = ConfigOf<typeof RESPONSE_COLLECTOR_WORKER_ENV>;
