import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { ApiKeyRequest } from '@comeback/platform';
import { from, mergeMap, type Observable } from 'rxjs';
import { AuditLog } from './audit-log.service';

/**
 * Records each successful GET of an API controller as an export in the audit log (the reports API:
 * the organization's figures, and the intensive-care list's clients, leave for another system).
 * Written after the handler produced its answer and before Nest sends it, so a refused request
 * (bad period: 400) records nothing and nothing leaves unrecorded. The organization and the actor
 * come from the API key (ApiKeyGuard), never from the path.
 */
@Injectable()
export class ApiExportAuditInterceptor implements NestInterceptor {
  constructor(private readonly audit: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<ApiKeyRequest>();
    if (req.method !== 'GET' || !req.apiKey) return next.handle();
    const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
    const action = `api:${route.replace(/^.*\/organizations\/:organizationId\//, '')}`;
    return next.handle().pipe(mergeMap((body) => from(this.audit.recordApiExport(req, action, { query: req.query }).then(() => body))));
  }
}
