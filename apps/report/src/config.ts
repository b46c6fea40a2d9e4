import { PUBLIC_FEEDBACK_URL_VAR } from '@comeback/campaigns';
import { COMMON_ENV, type ConfigOf, portVar, SECURITY_ENV } from '@comeback/config';

/** Every environment variable the report app reads; validated at start-up. */
export const REPORT_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3000),
  PUBLIC_FEEDBACK_URL: PUBLIC_FEEDBACK_URL_VAR,
  // The console's sign-in: rate limits, lockout, cookie flags (README "Security").
  TRUST_PROXY: SECURITY_ENV.TRUST_PROXY,
  RATE_LIMIT_LOGIN_PER_IP: SECURITY_ENV.RATE_LIMIT_LOGIN_PER_IP,
  RATE_LIMIT_LOGIN_PER_EMAIL: SECURITY_ENV.RATE_LIMIT_LOGIN_PER_EMAIL,
  LOGIN_LOCKOUT_THRESHOLD: SECURITY_ENV.LOGIN_LOCKOUT_THRESHOLD,
  LOGIN_LOCKOUT_MAX_MINUTES: SECURITY_ENV.LOGIN_LOCKOUT_MAX_MINUTES,
  CONSOLE_PUBLIC_URL: SECURITY_ENV.CONSOLE_PUBLIC_URL,
};

export type ReportConfig = ConfigOf<typeof REPORT_ENV>;
