import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { RecordKind } from '@comeback/ingestion';
import { ApiKeyGuard, type ApiKeyRequest } from './api-key.guard';
import { type BatchResult, parseBatchBody } from './dto/batch.dto';
import { IngestionErrorFilter } from './ingestion-error.filter';
import { IngestionService } from './ingestion.service';

/**
 * Batch upserts for a business's own systems: up to 10,000 records a request, idempotent on
 * external ids, all or nothing per request. Same fields and rules as the CSV import.
 */
@Controller('api/v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
@UseFilters(IngestionErrorFilter)
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  private run(req: ApiKeyRequest, kind: RecordKind, body: unknown): Promise<BatchResult> {
    return this.ingestion.upsert(req.apiKey.organizationId, req.apiKey.keyId, kind, parseBatchBody(body).records);
  }

  @Post('staff')
  @HttpCode(200)
  staff(@Param('organizationId', ParseUUIDPipe) _org: string, @Req() req: ApiKeyRequest, @Body() body: unknown) {
    return this.run(req, 'staff', body);
  }

  @Post('services')
  @HttpCode(200)
  services(@Param('organizationId', ParseUUIDPipe) _org: string, @Req() req: ApiKeyRequest, @Body() body: unknown) {
    return this.run(req, 'services', body);
  }

  @Post('clients')
  @HttpCode(200)
  clients(@Param('organizationId', ParseUUIDPipe) _org: string, @Req() req: ApiKeyRequest, @Body() body: unknown) {
    return this.run(req, 'clients', body);
  }

  @Post('visits')
  @HttpCode(200)
  visits(@Param('organizationId', ParseUUIDPipe) _org: string, @Req() req: ApiKeyRequest, @Body() body: unknown) {
    return this.run(req, 'visits', body);
  }

  @Post('payment-events')
  @HttpCode(200)
  payments(@Param('organizationId', ParseUUIDPipe) _org: string, @Req() req: ApiKeyRequest, @Body() body: unknown) {
    return this.run(req, 'payments', body);
  }
}
