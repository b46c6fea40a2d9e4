import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The default Content-Security-Policy of every response: this app's own scripts, styles, images and
 * fonts only, no plugins, no framing, no <base> rewrites, forms posted back here only. JSON and
 * health answers need no more; pages that need a different policy set their own after this
 * (the console's ConsoleHeadersMiddleware, the public pages' PublicHeadersMiddleware).
 */
const DEFAULT_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
};

/**
 * helmet, as every app uses it (createNestApp applies it before any route): the CSP above,
 * X-Frame-Options DENY, no Referer, HSTS (ignored by browsers over plain http, so harmless on a
 * developer's machine), nosniff, same-origin opener and resource policies, no X-Powered-By.
 */
export function securityHeaders(): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: DEFAULT_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/**
 * The headers helmet sets, computed once by running it on a stand-in response: they do not depend
 * on the request. For answers written before Express (the response collector's lean path), which
 * must carry the same headers without paying for the middleware on every request.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = (() => {
  const headers: [string, string][] = [];
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  } as unknown as ServerResponse;
  securityHeaders()({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, res, (err) => {
    if (err) throw err;
  });
  return headers;
})();

/**
 * Sets SECURITY_HEADERS on a response (before its head is written), except those it has already:
 * a page's own policy (the public pages' stricter CSP) wins, as it does behind Express, where the
 * page's middleware runs after helmet.
 */
export function setSecurityHeaders(res: Pick<ServerResponse, 'setHeader' | 'hasHeader'>): void {
  for (const [name, value] of SECURITY_HEADERS) if (!res.hasHeader(name)) res.setHeader(name, value);
}
