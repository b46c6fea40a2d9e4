import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HttpObserver, NOT_UTF8_MESSAGE, sendTooManyRequests, setSecurityHeaders } from '@comeback/platform';
import { FeedbackPages } from '../feedback/feedback-pages';
import { FeedbackService } from '../feedback/feedback.service';
import { visitorLanguage } from '../feedback/i18n/translator';
import { setPublicHeaders } from '../feedback/public-headers.middleware';
import { PublicRateLimits } from '../rate-limits/public-rate-limits';
import { TwilioSmsIntake } from '../twilio/twilio-sms-intake.service';
import { isPlainForm, readForm, type ReadForm } from './form-request';

const SMS_PATH = '/webhooks/twilio/sms';
const FEEDBACK_PATH = /^\/f\/([A-Za-z0-9_-]{1,128})$/;
/** The feedback route's template in metrics and logs (the token must not become a label). */
const FEEDBACK_ROUTE = '/f/:token';

/** Which of the lean path's requests this is, or null for any other request. */
type LeanRoute = { kind: 'sms' } | { kind: 'feedback'; token: string } | { kind: 'feedback-page'; token: string };

/**
 * The web process's lean path for the requests that come by the thousand: an inbound text
 * (`POST /webhooks/twilio/sms`), a feedback answer (`POST /f/:token`) and the feedback page
 * (`GET /f/:token`: a campaign's clients open their links within minutes). Measured under load, the
 * work they need (a signature or a link check, a job queued in Redis, a short answer) was about a
 * quarter of the CPU they cost: Express, its body parser and Nest's router took the rest, and one
 * process topped out near 2,000 requests/s, with a p99 near 60 ms at 50 connections. So, at the
 * HTTP server, before Express: a plain form post to one of those routes is read and parsed here
 * (flat, as the app's body parser does) and answered with the very services the controllers use
 * (TwilioSmsIntake; FeedbackService and FeedbackPages, with the public pages' headers). Whatever
 * does not go the usual way (a refused signature or answer, a bad link, an error, a request that
 * is not a plain form) goes on to Express with the body already parsed, and the controllers answer
 * it exactly as before (they call the same services: one behaviour, two doors). The page was
 * added after the load bench (issue 7) held it at 1,000 views/s: through Express its p99 was
 * 360–700 ms, the process out of CPU.
 */
@Injectable()
export class LeanPathServer implements OnApplicationBootstrap {
  /** Requests answered here, and requests of the lean routes handed on to Express (tests and debugging). */
  readonly served = { lean: 0, handedOn: 0 };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly sms: TwilioSmsIntake,
    private readonly feedback: FeedbackService,
    private readonly pages: FeedbackPages,
    private readonly observer: HttpObserver,
    private readonly limits: PublicRateLimits,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const listeners = server.listeners('request') as RequestListener[];
    if (listeners.length !== 1) throw new Error(`the lean path expects the HTTP server to have one request listener (Express), it has ${listeners.length}`);
    const express = listeners[0];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const route = this.route(req);
      // Observed here (correlation id, latency, access line) since these requests never reach the
      // observer in front of Express unless handed on, where it sees them observed already.
      if (route) this.observer.observe(req, res, route.kind === 'sms' ? SMS_PATH : FEEDBACK_ROUTE, () => void this.serve(route, req, res, express));
      else express(req, res);
    });
  }

  private route(req: IncomingMessage): LeanRoute | null {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (req.method === 'GET') {
      // Only a plain page view: a conditional or ranged GET goes the usual way (Express's ETag).
      const headers = req.headers;
      if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined || headers.range !== undefined) return null;
      const page = FEEDBACK_PATH.exec(path);
      return page ? { kind: 'feedback-page', token: page[1] } : null;
    }
    if (req.method !== 'POST' || !isPlainForm(req)) return null;
    if (path === SMS_PATH) return { kind: 'sms' };
    const feedback = FEEDBACK_PATH.exec(path);
    return feedback ? { kind: 'feedback', token: feedback[1] } : null;
  }

  private async serve(route: LeanRoute, req: IncomingMessage, res: ServerResponse, express: RequestListener): Promise<void> {
    // The public rate limit (PublicRateLimits), decided in memory: an address that used up its
    // failures is refused before its body is read. Failures are counted where they are answered
    // (Express's PublicRateLimitMiddleware), since everything that fails here is handed on.
    const refusal = this.limits.refusal(this.limits.clientIp(req));
    if (!refusal.allowed) {
      if (route.kind === 'feedback') setPublicHeaders(res, req.url ?? '');
      setSecurityHeaders(res);
      return sendTooManyRequests(res, refusal.retryAfterSeconds, 'too many failed requests from your address');
    }
    if (route.kind === 'feedback-page') return this.servePage(route.token, req, res, express);
    const form = await readForm(req);
    if (form === null) return; // the client went away
    if (form === 'too-many') return send(res, 413, 'text/plain; charset=utf-8', 'too many parameters');
    if (form === 'not-utf8') return send(res, 400, 'text/plain; charset=utf-8', NOT_UTF8_MESSAGE);
    const url = req.url ?? '';
    let answer: { type: string; body: string };
    try {
      if (route.kind === 'sms') {
        const org = parseQuery(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '').org;
        answer = { type: 'text/xml; charset=utf-8', body: await this.sms.take(url, org, req.headers['x-twilio-signature'], form.fields) };
      } else {
        const done = await this.feedback.submit(route.token, form.fields, visitorLanguage(req.headers['accept-language']));
        answer = { type: 'text/html; charset=utf-8', body: this.pages.thanks(done) };
        setPublicHeaders(res, url);
      }
    } catch {
      // Not the usual way: the controller answers (refusal, page, error), as it did before this path.
      this.served.handedOn++;
      return handOn(req, res, form, express);
    }
    this.served.lean++;
    send(res, 200, answer.type, answer.body);
  }

  /** The feedback page of a link; a bad link or an error goes on to the controller (404 / 410 page). */
  private async servePage(token: string, req: IncomingMessage, res: ServerResponse, express: RequestListener): Promise<void> {
    let body: string;
    try {
      body = this.pages.form(await this.feedback.page(token), []);
    } catch {
      this.served.handedOn++;
      return express(req, res);
    }
    this.served.lean++;
    setPublicHeaders(res, req.url ?? '');
    send(res, 200, 'text/html; charset=utf-8', body);
  }
}

/** An answer of the lean path, with the headers every Express answer gets from helmet (SECURITY_HEADERS). */
function send(res: ServerResponse, status: number, type: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  setSecurityHeaders(res);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length });
  res.end(bytes);
}

/**
 * Passes a request whose body was read here on to Express: its body parsers see a finished
 * request and leave `body` (and Nest's `rawBody`) as set here.
 */
function handOn(req: IncomingMessage, res: ServerResponse, form: ReadForm, express: RequestListener): void {
  Object.assign(req, { body: form.fields, rawBody: form.raw });
  express(req, res);
}
