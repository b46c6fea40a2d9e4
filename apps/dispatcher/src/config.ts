import { z } from 'zod';
import { COMMON_ENV, type ConfigOf, envVar, pgPoolSizeVar, portVar } from '@comeback/config';

const rate = (channel: string, perSecond: number) =>
  envVar(z.coerce.number().int().min(1).max(100_000).default(perSecond), `Most ${channel} messages sent per second, across every dispatcher replica.`);

/** Every environment variable the dispatcher app reads; validated at start-up. */
export const DISPATCHER_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3004),
  PG_POOL_SIZE: pgPoolSizeVar(),
  DISPATCH_CONCURRENCY: envVar(
    z.coerce.number().int().min(1).max(500).default(50),
    'Messages one replica sends at once per channel (provider calls are network waits, so many at a time).',
  ),
  DISPATCH_RATE_SMS: rate('SMS', 100),
  DISPATCH_RATE_EMAIL: rate('e-mail', 50),
  DISPATCH_RATE_VIBER: rate('Viber', 100),
  DISPATCH_RATE_VOICE: rate('voice', 5),
  DISPATCH_LOCK_SECONDS: envVar(
    z.coerce.number().int().min(2).max(600).default(30),
    'How long a send job stays locked to its worker; a dead worker\'s jobs are taken over after this, and its messages left sending are settled with the provider.',
  ),
  PUBLIC_CALLBACK_URL: envVar(
    z.string().url().optional(),
    'Public base URL of the response collector, for provider status callbacks (<url>/webhooks/...); without it, no callbacks are requested.',
  ),
};

export type DispatcherConfig = ConfigOf<typeof DISPATCHER_ENV>;
