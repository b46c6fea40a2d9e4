import { z } from 'zod';
import { PUBLIC_FEEDBACK_URL_VAR } from '@comeback/campaigns';
import { COMMON_ENV, type ConfigOf, envVar, pgPoolSizeVar, portVar, SECURITY_ENV } from '@comeback/config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A comma-separated list of organization ids (spaces around the commas allowed), as lower-case
 * UUIDs without duplicates; unset or empty is an empty list. An entry that is not a UUID stops
 * start-up, named, rather than being dropped (a typo would otherwise close the dashboard quietly).
 */
const organizationIds = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const ids = value
      .split(',')
      .map((id) => id.trim().toLowerCase())
      .filter(Boolean);
    const bad = ids.filter((id) => !UUID.test(id));
    if (bad.length) {
      ctx.addIssue({ code: 'custom', message: `not an organization id (a UUID such as 0b6f2c1e-5d4a-4f3b-9c2d-1e0f9a8b7c6d): ${bad.map((id) => JSON.stringify(id)).join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(ids)];
  });

/** Every environment variable the report app reads; validated at start-up. */
export const REPORT_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3000),
  PUBLIC_FEEDBACK_URL: PUBLIC_FEEDBACK_URL_VAR,
  PG_POOL_SIZE: pgPoolSizeVar(),
  // The console's sign-in: rate limits, lockout, cookie flags (README "Security").
  TRUST_PROXY: SECURITY_ENV.TRUST_PROXY,
  RATE_LIMIT_LOGIN_PER_IP: SECURITY_ENV.RATE_LIMIT_LOGIN_PER_IP,
  RATE_LIMIT_LOGIN_PER_EMAIL: SECURITY_ENV.RATE_LIMIT_LOGIN_PER_EMAIL,
  LOGIN_LOCKOUT_THRESHOLD: SECURITY_ENV.LOGIN_LOCKOUT_THRESHOLD,
  LOGIN_LOCKOUT_MAX_MINUTES: SECURITY_ENV.LOGIN_LOCKOUT_MAX_MINUTES,
  CONSOLE_PUBLIC_URL: SECURITY_ENV.CONSOLE_PUBLIC_URL,
  // Who may open the queue dashboard, which shows every organization's jobs (README "Observability").
  QUEUE_DASHBOARD_ORGANIZATIONS: envVar(
    organizationIds,
    'Comma-separated ids of the organizations whose admins run the deployment and may open the queue dashboard (/console/queues), which shows every organization\'s jobs. Empty: only while the deployment has exactly one organization.',
  ),
};

export type ReportConfig = ConfigOf<typeof REPORT_ENV>;
