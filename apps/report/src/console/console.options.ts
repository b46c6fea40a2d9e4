import type { LockoutPolicy } from '@comeback/accounts';

export const CONSOLE_OPTIONS = Symbol('CONSOLE_OPTIONS');

export interface ConsoleOptions {
  /** Mark cookies Secure (HTTPS only): see consoleCookiesSecure. */
  secureCookies: boolean;
  /** Failed sign-ins allowed per address and per e-mail in LOGIN_WINDOW_SECONDS (RATE_LIMIT_LOGIN_PER_IP / _PER_EMAIL). */
  loginLimits?: { perIp: number; perEmail: number };
  /** Lockout of an account after wrong passwords in a row (LOGIN_LOCKOUT_THRESHOLD / _MAX_MINUTES). */
  lockout?: LockoutPolicy;
  /** Reverse proxies in front of the app (TRUST_PROXY), to find the client's address. */
  trustProxy?: number;
  /** The organizations that run the deployment (QUEUE_DASHBOARD_ORGANIZATIONS, lower-case UUIDs): see DeploymentOperators. */
  operatorOrganizations?: readonly string[];
}

/**
 * Whether the console's cookies are Secure: when the console's public URL is https, else when
 * running in production (behind TLS). Off on a developer's http://127.0.0.1, where a Secure cookie
 * would not come back over plain http and nobody could sign in.
 */
export function consoleCookiesSecure(config: { NODE_ENV: string; CONSOLE_PUBLIC_URL?: string }): boolean {
  return config.CONSOLE_PUBLIC_URL ? config.CONSOLE_PUBLIC_URL.startsWith('https:') : config.NODE_ENV === 'production';
}
