import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { verifyApiKey } from '@comeback/ingestion';
import { PG_POOL } from '../infrastructure.module';

/** The request after the guard: the organization comes from the key, never from the client. */
export interface ApiKeyRequest extends Request {
  apiKey: { keyId: string; organizationId: string };
}

/**
 * API routes take `Authorization: Bearer cbk_...` (or `X-Api-Key`). A missing, malformed,
 * unknown or revoked key is 401; a valid key of another organization than the one in the path is
 * 403, so a key can never write into someone else's data.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ApiKeyRequest>();
    const header = req.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['x-api-key'] as string | undefined)?.trim();
    if (!presented) throw new UnauthorizedException({ error: 'API_KEY_MISSING', message: 'send the API key as "Authorization: Bearer <key>"' });
    const key = await verifyApiKey(this.pool, presented);
    if (!key) throw new UnauthorizedException({ error: 'API_KEY_INVALID', message: 'the API key is not valid (unknown, revoked or malformed)' });
    if (key.organizationId !== req.params.organizationId) {
      throw new ForbiddenException({ error: 'API_KEY_WRONG_ORGANIZATION', message: 'this API key belongs to another organization' });
    }
    req.apiKey = key;
    return true;
  }
}
