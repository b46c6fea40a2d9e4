import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import type { RecordKind } from '@comeback/ingestion';
import { ApiKeyGuard, type ApiKeyRequest } from '@comeback/platform';
import { type BatchResult, parseBatchBody } from './dto/batch.dto';
import { IngestionErrorFilter } from './ingestion-error.filter';
import { IngestionService } from './ingestion.service';

/** The path segment of each collection, and what it holds. */
const COLLECTIONS: Record<string, RecordKind> = {
  staff: 'staff',
  services: 'services',
  clients: 'clients',
  visits: 'visits',
  'payment-events': 'payments',
};

/**
 * Batch upserts for a business's own systems: up to 10,000 records a request, idempotent on
 * external ids, all or nothing per request. Same fields and rules as the CSV import.
 * `POST /api/v1/organizations/:organizationId/{staff|services|clients|visits|payment-events}`
 */
@Controller('api/v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
@UseFilters(IngestionErrorFilter)
export class IngestionController {
  constructor(private readonly ingestion: IngestionService) {}

  // One route per collection (not a catch-all `:collection`), so other features can own their own
  // paths under the organization (report-rollups, lapse-sweeps ...).
  @Post(Object.keys(COLLECTIONS))
  @HttpCode(200)
  upsert(@Param('organizationId', ParseUUIDPipe) _organizationId: string, @Req() req: ApiKeyRequest, @Body() body: unknown): Promise<BatchResult> {
    const kind = COLLECTIONS[req.path.slice(req.path.lastIndexOf('/') + 1)];
    // The organization is the key's (checked against the path by the guard), never the path's.
    return this.ingestion.upsert(req.apiKey.organizationId, req.apiKey.keyId, kind, parseBatchBody(body).records);
  }
}
