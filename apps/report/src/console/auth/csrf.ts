import { timingSafeEqual } from 'node:crypto';

/**
 * Synchronizer-token CSRF: every form carries the session's secret in `_csrf` (scripts send it as
 * `X-CSRF-Token`), and it is compared in constant time. Another site can make a browser post,
 * but cannot read the token out of our pages.
 */
export function csrfMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || !expected) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
