import { z } from 'zod';
import { envVar } from './env-var';

const count = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The security settings of the apps that take outside traffic (report: the console; response
 * collector: the public pages and the webhooks). Limits are counts per fixed window; the windows
 * are in the descriptions (and in README's "Security" section).
 */
export const SECURITY_ENV = {
  TRUST_PROXY: envVar(
    count(0, 10, 0),
    'How many reverse proxies (Ingress, load balancer) stand in front of the app: the client\'s address for rate limits is read that many hops from the right of X-Forwarded-For; 0 uses the socket\'s peer.',
  ),
  RATE_LIMIT_LOGIN_PER_IP: envVar(count(1, 100_000, 30), 'Failed console sign-ins allowed from one address per 15 minutes; then 429 with Retry-After until the window ends.'),
  RATE_LIMIT_LOGIN_PER_EMAIL: envVar(
    count(1, 100_000, 10),
    'Failed console sign-ins allowed for one e-mail address (known or not) per 15 minutes, from anywhere; then 429 with Retry-After.',
  ),
  LOGIN_LOCKOUT_THRESHOLD: envVar(count(1, 1_000, 5), 'Wrong passwords in a row that lock a console account (1 minute, then 2, 4 ... up to LOGIN_LOCKOUT_MAX_MINUTES).'),
  LOGIN_LOCKOUT_MAX_MINUTES: envVar(count(1, 10_080, 60), 'Longest lock of a console account after repeated wrong passwords, in minutes.'),
  CONSOLE_PUBLIC_URL: envVar(
    z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').optional(),
    'The address staff open the console at: with https://, the session cookie is marked Secure; unset, it is Secure when NODE_ENV=production.',
  ),
  RATE_LIMIT_PUBLIC_FAILURES_PER_IP: envVar(
    count(1, 1_000_000, 30),
    'Failed public requests allowed from one address per 10 minutes (feedback / unsubscribe links that do not exist, webhooks whose signature does not match); then every public page and webhook answers it 429.',
  ),
};
