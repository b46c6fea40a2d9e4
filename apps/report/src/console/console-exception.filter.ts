import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ConsoleError, type ConsoleMessage } from './auth/console.errors';
import type { ConsoleRequest } from './auth/console-request';
import { LOCALE_COOKIE, readCookie } from './auth/cookies';
import { type Translator, visitorTranslator } from './i18n/translator';
import { ViewRenderer } from './view-renderer';

/** Scripts (fetch) and exports ask for JSON or CSV; people get pages. */
function wantsPage(req: ConsoleRequest): boolean {
  return !req.path.endsWith('.json') && !req.path.endsWith('.csv') && !(req.headers.accept ?? '').startsWith('application/json');
}

/** A ConsoleError's detail in the viewer's language, the field's name included. */
export function translate(t: Translator, message: ConsoleMessage): string {
  return t.t(message.key, { ...message.params, ...(message.fieldName ? { field: t.t(message.fieldName) } : {}) });
}

/**
 * Console errors as a person should see them: not signed in → the sign-in page (then back here);
 * forbidden, expired form, not found, bad input → a page in their language with the status code
 * the server means (403, 404, 400). Scripts get the same as JSON. Anything unexpected is logged
 * and shown as a plain 500 page without internals.
 */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  constructor(private readonly views: ViewRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<ConsoleRequest>();
    const res = http.getResponse<Response>();
    let status = 500;
    let code = 'INTERNAL';
    let detail: string | undefined;
    let field: string | undefined;
    if (exception instanceof ConsoleError) {
      ({ status, code, detail, field } = exception);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = status === 404 ? 'NOT_FOUND' : status === 413 ? 'TOO_LARGE' : 'INVALID_INPUT';
      const body = exception.getResponse();
      detail = typeof body === 'string' ? body : ((body as { message?: string }).message ?? undefined);
    } else {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    if (code === 'SIGN_IN_REQUIRED' && req.method === 'GET' && wantsPage(req)) {
      res.redirect(303, `/console/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (!wantsPage(req)) {
      res.status(status).json({ error: code, message: detail ?? code, ...(field ? { field } : {}) });
      return;
    }
    const t = req.console?.t ?? visitorTranslator(readCookie(req, LOCALE_COOKIE), req.headers['accept-language']);
    if (exception instanceof ConsoleError && exception.translated) detail = translate(t, exception.translated);
    res
      .status(status)
      .type('html')
      .send(this.views.render('error', t, { title: t.t(`error.${code}.title`), console: req.console }, { status, code, detail, field }));
  }
}
