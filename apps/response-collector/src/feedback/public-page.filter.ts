import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FeedbackError } from './feedback.errors';
import { visitorLanguage } from './i18n/translator';
import { PublicPages } from './public-pages';

/**
 * Errors on the public pages as a client should see them. An unknown link (404) and an expired or
 * revoked one (410) get the same generic, multilingual page, which names neither the client nor
 * the business. Anything unexpected is logged and answered with a short apology (500), never with
 * internals. (INVALID_ANSWER never gets here: the controller shows the form again.)
 */
@Catch()
@Injectable()
export class PublicPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('PublicPages');

  constructor(private readonly pages: PublicPages) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const language = visitorLanguage(req.headers['accept-language']);
    if (exception instanceof FeedbackError && (exception.code === 'LINK_UNKNOWN' || exception.code === 'LINK_GONE')) {
      res.status(exception.status).type('html').send(this.pages.linkGone(language));
      return;
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      res.status(status).type('html').send(status === 404 ? this.pages.linkGone(language) : this.pages.error(language));
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    res.status(500).type('html').send(this.pages.error(language));
  }
}
