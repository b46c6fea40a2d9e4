import {
  BadRequestException, Controller, Get, HttpCode, type HttpException, NotFoundException, Param, ParseUUIDPipe, Post, Query, UseGuards, UseInterceptors,
} from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { ApiExportAuditInterceptor } from '../console/audit/api-export-audit.interceptor';
import { ReportError } from './report.errors';
import { parseGrain, parsePage, parseReportPeriod, parseWindowDays, type ReportPeriod, ReportPeriodError } from './report-period';
import { ReportQueriesService } from './report-queries.service';
import { ReportRollupsProcessor } from './report-rollups.processor';
import type {
  AverageCheckReport, ChurnTypesReport, GoneReport, IntensiveCareReport, LostBusinessReport, ReasonsByRevenueReport, RetentionByStaffReport,
} from './report.types';

type PeriodQuery = { period?: string; from?: string; to?: string };

/**
 * The reports as JSON, for a business's own systems (API key), with the same figures the
 * console's pages show: `GET /api/v1/organizations/:organizationId/reports/<report>?period=2026-Q3`
 * (or from=&to=; grain=month|quarter; windowDays=; limit=&offset=). A bad parameter is 400 with
 * {error, field, message}. `POST .../report-rollups` rebuilds the rollups now (202, job id).
 */
@Controller('api/v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
// Each report read through the API is an export: recorded in the audit log (who: the key).
@UseInterceptors(ApiExportAuditInterceptor)
export class ReportsApiController {
  constructor(
    private readonly reports: ReportQueriesService,
    private readonly rollups: ReportRollupsProcessor,
  ) {}

  @Get('reports/gone')
  gone(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery): Promise<GoneReport> {
    return this.run(orgId, q, (period) => this.reports.gone(orgId, period));
  }

  @Get('reports/lost-business')
  lostBusiness(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery & { grain?: string }): Promise<LostBusinessReport> {
    return this.run(orgId, q, (period) => this.reports.lostBusiness(orgId, period, parseGrain(q.grain)));
  }

  @Get('reports/reasons-by-revenue')
  reasonsByRevenue(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery): Promise<ReasonsByRevenueReport> {
    return this.run(orgId, q, (period) => this.reports.reasonsByRevenue(orgId, period));
  }

  @Get('reports/retention-by-staff')
  retentionByStaff(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery & { windowDays?: string }): Promise<RetentionByStaffReport> {
    return this.run(orgId, q, (period) => this.reports.retentionByStaff(orgId, period, parseWindowDays(q.windowDays)));
  }

  @Get('reports/average-check')
  averageCheck(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery & { grain?: string }): Promise<AverageCheckReport> {
    return this.run(orgId, q, (period) => this.reports.averageCheck(orgId, period, parseGrain(q.grain)));
  }

  @Get('reports/churn-types')
  churnTypes(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery): Promise<ChurnTypesReport> {
    return this.run(orgId, q, (period) => this.reports.churnTypes(orgId, period));
  }

  /** Without period, from or to: every returned client (not the default twelve months). */
  @Get('reports/intensive-care')
  intensiveCare(@Param('organizationId', ParseUUIDPipe) orgId: string, @Query() q: PeriodQuery & { limit?: string; offset?: string }): Promise<IntensiveCareReport> {
    const all = !q.period && !q.from && !q.to;
    return this.run(orgId, q, (period) => this.reports.intensiveCare(orgId, all ? null : period, parsePage(q)));
  }

  @Post('report-rollups')
  @HttpCode(202)
  async refresh(@Param('organizationId', ParseUUIDPipe) orgId: string): Promise<{ jobId: string; status: 'queued' }> {
    return { jobId: await this.rollups.request(orgId), status: 'queued' };
  }

  /** Parses the period in the organization's today, runs the report, maps feature errors to HTTP in one place. */
  private async run<T>(orgId: string, q: PeriodQuery, report: (period: ReportPeriod) => Promise<T>): Promise<T> {
    try {
      const { today } = await this.reports.organizationToday(orgId);
      return await report(parseReportPeriod(q, today));
    } catch (err) {
      throw toHttp(err);
    }
  }
}

function toHttp(err: unknown): HttpException | unknown {
  if (err instanceof ReportPeriodError) return new BadRequestException({ error: 'INVALID_PARAMETER', field: err.field, message: err.message });
  if (err instanceof ReportError) return new NotFoundException({ error: err.code, message: err.message });
  return err;
}
