import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Pool } from 'pg';
import { findOrganization, OrganizationNotFoundError, type RecordKind, upsertBatch } from '@comeback/ingestion';
import { PG_POOL } from '@comeback/platform';
import type { BatchResult } from './dto/batch.dto';

@Injectable()
export class IngestionService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async upsert(organizationId: string, keyId: string, kind: RecordKind, records: unknown[]): Promise<BatchResult> {
    const org = await findOrganization(this.pool, organizationId).catch((err: unknown) => {
      throw err instanceof OrganizationNotFoundError ? new NotFoundException({ error: 'ORGANIZATION_NOT_FOUND' }) : err;
    });
    const c = await upsertBatch(this.pool, org, kind, records, `api:${keyId}`);
    return { kind, received: c.received, inserted: c.inserted, updated: c.updated, unchanged: c.received - c.inserted - c.updated };
  }
}
