import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * Headers on every console response: scripts, styles and images from this app only (no inline
 * script can run, so an escaped-but-missed value still cannot execute), no framing
 * (clickjacking), no MIME sniffing, no referrer leaking client ids to other sites, and pages that
 * hold client data are not cached.
 */
@Injectable()
export class ConsoleHeadersMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    );
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    if (!req.path.startsWith('/console/assets/')) res.setHeader('Cache-Control', 'no-store');
    next();
  }
}
