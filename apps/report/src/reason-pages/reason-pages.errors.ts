import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ReasonListError, type ReasonListErrorCode } from '@comeback/reasons';
import type { ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';

/** The reason list's refusals as HTTP statuses, in one place (see ReasonListError). */
export const REASON_ERROR_STATUS: Record<ReasonListErrorCode, number> = {
  NOT_FOUND: 404,
  DUPLICATE: 409,
  INVALID_INPUT: 400,
  INVALID_STATE: 409,
};

/**
 * The reason pages' errors: a ReasonListError becomes a page with its status (400 / 404 / 409)
 * and the library's message, which says what to do instead; everything else is the console's.
 */
@Catch()
export class ReasonPagesExceptionFilter implements ExceptionFilter {
  private readonly console: ConsoleExceptionFilter;

  constructor(private readonly views: ViewRenderer) {
    this.console = new ConsoleExceptionFilter(views);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    if (!(exception instanceof ReasonListError)) return this.console.catch(exception, host);
    const req = host.switchToHttp().getRequest<ConsoleRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    const status = REASON_ERROR_STATUS[exception.code];
    const code = `REASON_${exception.code}`;
    const { t } = req.console;
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('reason-error', t, { title: t.t(`error.${code}.title`), nav: 'reasons', console: req.console }, {
          status, code, detail: exception.message, existingReasonId: exception.reasonId ?? null,
        }),
      );
  }
}
