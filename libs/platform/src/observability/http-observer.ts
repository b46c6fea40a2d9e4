import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { requestCorrelationId, runWithCorrelation } from './correlation';
import type { AppMetrics } from './app-metrics';
import type { JsonLogger } from './json-logger';

const OBSERVED = Symbol('comeback.observed');

type ObservedRequest = IncomingMessage & { [OBSERVED]?: true; route?: { path?: unknown }; baseUrl?: string };

/** Requests that matched no route are counted under one label: the raw URL would be a series per path tried. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * Per HTTP request, at the HTTP server (so requests answered before Express, like the response
 * collector's lean path, count too): a correlation id (the caller's X-Request-Id when
 * well-formed, else a new one), echoed in the response; everything the request does runs with it
 * (AsyncLocalStorage); when the response is done, one histogram observation and one access line.
 *
 * The access line is at debug level for answers below 400 (by the thousand on the public
 * endpoints: at the default LOG_LEVEL they cost one level check), info for 4xx, warn for 5xx: the
 * requests someone may need to look at are always there, the ordinary ones when asked for.
 */
export class HttpObserver {
  constructor(
    private readonly metrics: AppMetrics,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * Observes one request and runs `handle` in its context. `route` is the route template when the
   * caller knows it (the lean path); otherwise Express's matched route is read when the response
   * is done. A request observed already (handed on from the lean path to Express) is not counted twice.
   */
  observe(req: IncomingMessage, res: ServerResponse, route: string | undefined, handle: () => void): void {
    const observed = req as ObservedRequest;
    if (observed[OBSERVED]) return handle();
    observed[OBSERVED] = true;
    const correlationId = requestCorrelationId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', correlationId);
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A response closed before it was sent (the client went away) is 499, as nginx counts it.
      const status = res.writableFinished ? res.statusCode : 499;
      const template = route ?? routeTemplate(observed);
      const method = req.method ?? 'GET';
      this.metrics.httpDuration.observe({ method, route: template, status_code: String(status) }, seconds);
      const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
      if (!this.logger.isLevelEnabled(level)) return;
      this.logger.write(level, `${method} ${template} ${status}`, ['http'], {
        correlationId,
        method,
        route: template,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
      });
    });
    runWithCorrelation({ correlationId }, handle);
  }

  /** Puts the observer in front of the server's request listener (Express). */
  attach(server: Server): void {
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) throw new Error(`observability expects the HTTP server to have one request listener (Express), it has ${listeners.length}`);
    const express = listeners[0];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.observe(req, res, undefined, () => express(req, res)));
  }
}

/** Express's matched route as a template (`/console/clients/:id`), with its router's mount path. */
function routeTemplate(req: ObservedRequest): string {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}
