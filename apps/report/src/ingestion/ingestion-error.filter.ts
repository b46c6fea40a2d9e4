import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { IngestionRejectedError } from '@comeback/ingestion';

/** A refused batch is 422 with every problem located by record index and field. */
@Catch(IngestionRejectedError)
export class IngestionErrorFilter implements ExceptionFilter {
  catch(err: IngestionRejectedError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(422)
      .json({
        error: err.code,
        message: `nothing was written: ${err.total} problem${err.total === 1 ? '' : 's'}`,
        problemCount: err.total,
        problems: err.problems.map((p) => ({ index: p.position, field: p.field ?? null, message: p.message })),
      });
  }
}
