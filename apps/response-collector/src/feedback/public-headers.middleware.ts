import type { ServerResponse } from 'node:http';
import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** The public pages' policy: our own stylesheet and form targets only, and no script at all (the pages have none). */
export const PUBLIC_CSP =
  "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; connect-src 'none'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/**
 * Headers on every feedback and unsubscribe response, as on the console's: a strict
 * Content-Security-Policy, no framing (clickjacking a one-click "stop" button), no MIME sniffing,
 * no Referer at all (the URL holds the personal token, which must not reach another site), not
 * indexed, and pages not cached (a shared device, a proxy: the page shows the client's answer).
 */
@Injectable()
export class PublicHeadersMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    setPublicHeaders(res, req.originalUrl);
    next();
  }
}

/** The public pages' headers (above), for a response to `path`; the lean path sets them with this too. */
export function setPublicHeaders(res: Pick<ServerResponse, 'setHeader'>, path: string): void {
  res.setHeader('Content-Security-Policy', PUBLIC_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  res.setHeader('Cache-Control', path.startsWith('/public-assets/') ? 'public, max-age=3600' : 'no-store');
}
