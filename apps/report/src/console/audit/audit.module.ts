import { Module } from '@nestjs/common';
import { ApiExportAuditInterceptor } from './api-export-audit.interceptor';
import { AuditLog } from './audit-log.service';

/**
 * The audit log's writer (AuditLog) and the API's export recorder, for every module with export
 * routes: the console (re-exported, global) and the reports API (which also runs without the
 * console, e.g. in its own tests).
 */
@Module({ providers: [AuditLog, ApiExportAuditInterceptor], exports: [AuditLog, ApiExportAuditInterceptor] })
export class AuditModule {}
