import { Inject, Injectable, Optional } from '@nestjs/common';
import { type ApiKeyRequest, clientIp, PG_POOL } from '@comeback/platform';
import type { Pool } from 'pg';
import { ConsoleError } from '../auth/console.errors';
import type { ConsoleRequest } from '../auth/console-request';
import { CONSOLE_OPTIONS, type ConsoleOptions } from '../console.options';

export const AUDIT_FILTERS = ['all', 'export', 'consent'] as const;
export type AuditFilter = (typeof AUDIT_FILTERS)[number];

export interface AuditEntry {
  at: Date;
  kind: 'export' | 'consent';
  /** An export's actor (e-mail, api-key:<id>); a consent change's source (import:<file>, api:<key>, unsubscribe-link ...). */
  who: string;
  /** An export's action (lost-clients.csv ...); a consent change's channel. */
  what: string;
  details: Record<string, unknown>;
  clientId: string | null;
  status: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** The cursor of the next (older) page, or null on the last page. */
  next: string | null;
}

/** Rows per audit page. */
export const AUDIT_PAGE_SIZE = 100;

/**
 * The audit log: exports are written here (audit_log) by the routes that send data out, before the
 * first byte leaves (a failed write fails the export: nothing leaves unrecorded). Consent changes
 * are not copied into it: consent_changes already records every one (imports, the API, STOP
 * replies, unsubscribe links, staff) in the same transaction as the change, written by several
 * apps and by bulk COPY (millions of rows on a first import); a second copy would double those
 * writes and could disagree with the first. The audit page reads both, merged by time.
 */
@Injectable()
export class AuditLog {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    // Absent when the reports API runs without the console (its own tests): no proxies trusted then.
    @Optional() @Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions = { secureCookies: true },
  ) {}

  /** Records an export by the signed-in account (organization and actor from the session, never from the request). */
  async recordExport(req: ConsoleRequest, action: string, details: Record<string, unknown>): Promise<void> {
    const { account, organization } = req.console;
    await this.pool.query(
      `INSERT INTO audit_log (organization_id, kind, action, account_id, actor, ip, details) VALUES ($1, 'export', $2, $3, $4, $5, $6)`,
      [organization.id, action, account.id, account.email, clientIp(req, this.options.trustProxy ?? 0), JSON.stringify(details)],
    );
  }

  /** A query whose parameters came from a cursor: a time PostgreSQL cannot read (month 13) is the caller's mistake (400). */
  private async query(sql: string, params: unknown[]) {
    try {
      return await this.pool.query(sql, params);
    } catch (err) {
      if (['22007', '22008'].includes((err as { code?: string }).code ?? '')) throw new ConsoleError('INVALID_INPUT', 'before: not a page of the audit log', 'before');
      throw err;
    }
  }

  /** Records an export through the API: the organization and the actor (`api-key:<id>`) from the verified key. */
  async recordApiExport(req: ApiKeyRequest, action: string, details: Record<string, unknown>): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit_log (organization_id, kind, action, account_id, actor, ip, details) VALUES ($1, 'export', $2, NULL, $3, $4, $5)`,
      [req.apiKey.organizationId, action, `api-key:${req.apiKey.keyId}`, clientIp(req, this.options.trustProxy ?? 0), JSON.stringify(details)],
    );
  }

  /**
   * One page, newest first; keyset paging on (time, tie-breaker) over both sources, so an entry
   * written while someone pages never shifts a page or shows twice. Each source yields at most a
   * page's rows, read newest first through its time index (audit_log's (organization, time);
   * consent_changes' (changed_at) in the organization's partition) from the cursor on: the
   * `<= $3` bound, implied by the keyset condition, is what the index scan can start from.
   */
  async page(organizationId: string, filter: AuditFilter, cursor?: string): Promise<AuditPage> {
    const after = cursor ? parseCursor(cursor) : null;
    const { rows } = await this.query(
      `WITH exports AS (
         SELECT occurred_at AS at, 'a' || lpad(id::text, 20, '0') AS tie, 'export' AS kind, actor AS who, action AS what, details,
                NULL::text AS client_id, NULL::text AS status
           FROM audit_log
          WHERE organization_id = $1 AND $2 IN ('all', 'export')
            AND ($3::timestamptz IS NULL OR occurred_at <= $3)
            AND ($3::timestamptz IS NULL OR occurred_at < $3 OR (occurred_at = $3 AND 'a' || lpad(id::text, 20, '0') < $4))
          ORDER BY occurred_at DESC, id DESC LIMIT $5
       ), consents AS (
         SELECT changed_at AS at, 'c' || lpad(client_id::text, 20, '0') || channel || status || source AS tie, 'consent' AS kind, source AS who,
                channel AS what, '{}'::jsonb AS details, client_id::text AS client_id, status
           FROM consent_changes
          WHERE organization_id = $1 AND $2 IN ('all', 'consent')
            AND ($3::timestamptz IS NULL OR changed_at <= $3)
            AND ($3::timestamptz IS NULL OR changed_at < $3
                 OR (changed_at = $3 AND 'c' || lpad(client_id::text, 20, '0') || channel || status || source < $4))
          ORDER BY 1 DESC, 2 DESC LIMIT $5
       )
       SELECT at, at::text AS at_text, tie, kind, who, what, details, client_id AS "clientId", status
         FROM (SELECT * FROM exports UNION ALL SELECT * FROM consents) e
        ORDER BY at DESC, tie DESC LIMIT $5`,
      [organizationId, filter, after?.at ?? null, after?.tie ?? null, AUDIT_PAGE_SIZE + 1],
    );
    const more = rows.length > AUDIT_PAGE_SIZE;
    const page = rows.slice(0, AUDIT_PAGE_SIZE);
    const last = page[page.length - 1];
    return {
      entries: page.map(({ at, kind, who, what, details, clientId, status }) => ({ at, kind, who, what, details, clientId, status })),
      next: more && last ? Buffer.from(JSON.stringify([last.at_text, last.tie])).toString('base64url') : null,
    };
  }
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const CURSOR_TIE = /^[ac][0-9]{20}[\x20-\x7e\u00a0-\uffff]{0,500}$/;

/** A cursor from a link: it must be what page() made, or the request is refused (400), never guessed at. */
function parseCursor(cursor: string): { at: string; tie: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = null;
  }
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && CURSOR_TIME.test(value[0]) && CURSOR_TIE.test(value[1])) {
    return { at: value[0], tie: value[1] };
  }
  throw new ConsoleError('INVALID_INPUT', 'before: not a page of the audit log', 'before');
}
