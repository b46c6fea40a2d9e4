import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@comeback/platform';
import type { Pool } from 'pg';
import { ConsoleError } from '../console/auth/console.errors';
import type { LostClientSort, LostClientsFilter, LostClientsQuery } from './dto/lost-clients-query.dto';

export interface LostClientRow {
  episodeId: string;
  clientId: string;
  name: string;
  phone: string | null;
  email: string | null;
  status: 'at_risk' | 'lapsed';
  detectedAt: Date;
  lastVisitAt: Date;
  leftOn: string | null;
  usualGapDays: number | null;
  expectedNextVisitAt: Date | null;
  daysOverdue: number | null;
  pAlive: number | null;
  valueTier: number | null;
  revenue12m: number;
  churnType: string | null;
  gradual: boolean;
  reason: string | null;
  staffMember: string | null;
  service: string | null;
}

export interface LostClientsPage {
  rows: LostClientRow[];
  /** How many open episodes match the filters (all pages). */
  total: number;
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
}

export interface FilterOptions {
  reasons: { id: string; label: string }[];
  staff: { id: string; name: string }[];
  services: { id: string; name: string }[];
}

/** How each sort orders open episodes; each has a partial index (organization_id, key, id). */
const SORTS: Record<LostClientSort, { key: string; order: string; after: (p: string, q: string) => string; afterNull?: (q: string) => string }> = {
  // Most valuable first: revenue of the 12 months before leaving.
  value: { key: 'e.revenue_12m', order: 'e.revenue_12m DESC, e.id DESC', after: (p, q) => `(e.revenue_12m, e.id) < (${p}::numeric, ${q}::bigint)` },
  // Most overdue first: the earliest expected next visit. Episodes without one come last.
  overdue: {
    key: 'e.expected_next_visit_at',
    order: 'e.expected_next_visit_at ASC NULLS LAST, e.id ASC',
    after: (p, q) => `((e.expected_next_visit_at, e.id) > (${p}::timestamptz, ${q}::bigint) OR e.expected_next_visit_at IS NULL)`,
    afterNull: (q) => `(e.expected_next_visit_at IS NULL AND e.id > ${q}::bigint)`,
  },
  // Newest detections first.
  detected: { key: 'e.detected_at', order: 'e.detected_at DESC, e.id DESC', after: (p, q) => `(e.detected_at, e.id) < (${p}::timestamptz, ${q}::bigint)` },
};

/** A page position: the last row's sort key and id, opaque to the browser. */
function encodeCursor(key: unknown, id: string): string {
  return Buffer.from(JSON.stringify([key instanceof Date ? key.toISOString() : key, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string | null, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && (value[0] === null || typeof value[0] === 'string' || typeof value[0] === 'number') && /^[0-9]{1,18}$/.test(String(value[1]))) {
      return [value[0] === null ? null : String(value[0]), String(value[1])];
    }
  } catch {
    // fall through
  }
  throw new ConsoleError('INVALID_INPUT', 'after: not a page position of this list', 'after');
}

/**
 * The lost-clients list: open episodes (at risk or lapsed) of one organization, filtered, sorted
 * by value, days overdue or detection, and paged by keyset (the last row's sort key and id), so
 * page 1,000 costs what page 1 does on a million clients. The organization always comes from the
 * signed-in account.
 */
@Injectable()
export class LostClientsService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** WHERE conditions and parameters shared by the page, the count and the export. */
  private where(orgId: string, timezone: string, filter: LostClientsFilter, params: unknown[]): string {
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const conditions = [`e.organization_id = ${p(orgId)}`, `e.status IN ('at_risk', 'lapsed')`];
    if (filter.status) conditions.push(`e.status = ${p(filter.status)}`);
    // Detection dates are the organization's local days.
    if (filter.detectedFrom) conditions.push(`e.detected_at >= (${p(filter.detectedFrom)}::date::timestamp AT TIME ZONE ${p(timezone)})`);
    if (filter.detectedTo) conditions.push(`e.detected_at < ((${p(filter.detectedTo)}::date + 1)::timestamp AT TIME ZONE ${p(timezone)})`);
    if (filter.churnType) conditions.push(`e.churn_type = ${p(filter.churnType)}`);
    if (filter.reason === 'none') conditions.push(`e.reason_id IS NULL`);
    else if (filter.reason) conditions.push(`e.reason_id = ${p(filter.reason)}::bigint`);
    if (filter.tier) conditions.push(`e.value_tier = ${p(filter.tier)}`);
    if (filter.staff) conditions.push(`e.staff_member_id = ${p(filter.staff)}::bigint`);
    if (filter.service) conditions.push(`e.service_id = ${p(filter.service)}::bigint`);
    return conditions.join(' AND ');
  }

  private select(where: string, order: string, limit: string): string {
    return `
      SELECT e.id AS "episodeId", e.client_id AS "clientId", c.name, c.phone, c.email, e.status, e.detected_at AS "detectedAt",
             e.last_visit_at AS "lastVisitAt", e.left_on::text AS "leftOn", e.usual_gap_days AS "usualGapDays",
             e.expected_next_visit_at AS "expectedNextVisitAt",
             CASE WHEN e.expected_next_visit_at IS NULL THEN NULL
                  ELSE greatest(0, floor(extract(epoch FROM now() - e.expected_next_visit_at) / 86400))::int END AS "daysOverdue",
             e.p_alive AS "pAlive", e.value_tier AS "valueTier", e.revenue_12m::float8 AS "revenue12m", e.churn_type AS "churnType",
             e.gradual, r.label AS reason, st.name AS "staffMember", sv.name AS service,
             -- Sort keys for the next page's cursor, as text: exact to the microsecond (a JS Date
             -- keeps milliseconds, and a truncated key would repeat rows on the next page).
             e.revenue_12m::text AS "_value", e.expected_next_visit_at::text AS "_overdue", e.detected_at::text AS "_detected"
        FROM churn_episodes e
        JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
        LEFT JOIN churn_reasons r ON r.id = e.reason_id
        LEFT JOIN staff_members st ON st.id = e.staff_member_id
        LEFT JOIN services sv ON sv.id = e.service_id
       WHERE ${where}
       ORDER BY ${order}
       LIMIT ${limit}`;
  }

  async page(orgId: string, timezone: string, query: LostClientsQuery): Promise<LostClientsPage> {
    const params: unknown[] = [];
    const where = this.where(orgId, timezone, query, params);
    const [page, count] = await Promise.all([
      this.pageWhere(where, params, query.sort, query.after, query.limit),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM churn_episodes e WHERE ${where}`, params),
    ]);
    return { ...page, total: count.rows[0].n };
  }

  /**
   * Every matching row in list order, in keyset batches: an export of 300,000 clients streams
   * with the memory of one batch. `episodeIds` narrows it to a selection.
   */
  async *rows(orgId: string, timezone: string, filter: LostClientsFilter, sortName: LostClientSort, episodeIds?: string[]): AsyncGenerator<LostClientRow[]> {
    let after: string | undefined;
    for (;;) {
      const params: unknown[] = [];
      let where = this.where(orgId, timezone, filter, params);
      if (episodeIds) {
        params.push(episodeIds);
        where += ` AND e.id = ANY($${params.length}::bigint[])`;
      }
      const page = await this.pageWhere(where, params, sortName, after, 5000);
      if (page.rows.length) yield page.rows;
      if (!page.next) return;
      after = page.next;
    }
  }

  private async pageWhere(where: string, params: unknown[], sortName: LostClientSort, after: string | undefined, limit: number): Promise<{ rows: LostClientRow[]; next: string | null }> {
    const sort = SORTS[sortName];
    const all = [...params];
    const p = (value: unknown) => {
      all.push(value);
      return `$${all.length}`;
    };
    if (after) {
      const [key, id] = decodeCursor(after);
      if (key !== null) where += ` AND ${sort.after(p(key), p(id))}`;
      else if (sort.afterNull) where += ` AND ${sort.afterNull(p(id))}`;
      else throw new ConsoleError('INVALID_INPUT', 'after: not a page position of this list', 'after');
    }
    all.push(limit + 1);
    const { rows } = await this.pool.query(this.select(where, sort.order, `$${all.length}`), all);
    const more = rows.length > limit;
    const kept = rows.slice(0, limit);
    const last = kept[kept.length - 1];
    const keyColumn = sortName === 'value' ? '_value' : sortName === 'overdue' ? '_overdue' : '_detected';
    return { rows: kept.map(strip), next: more && last ? encodeCursor(last[keyColumn], last.episodeId) : null };
  }

  /**
   * Reasons, staff members and services of the organization, for the filter menus. A reason merged
   * into another is left out (its episodes moved to the other: it would find nothing); a retired one
   * stays, after the current ones, since the episodes given it keep it.
   */
  async filterOptions(orgId: string): Promise<FilterOptions> {
    const [reasons, staff, services] = await Promise.all([
      this.pool.query(`SELECT id, label FROM churn_reasons WHERE organization_id = $1 AND merged_into_id IS NULL ORDER BY retired_at IS NOT NULL, label`, [orgId]),
      this.pool.query(`SELECT id, name FROM staff_members WHERE organization_id = $1 ORDER BY name`, [orgId]),
      this.pool.query(`SELECT id, name FROM services WHERE organization_id = $1 ORDER BY name`, [orgId]),
    ]);
    return { reasons: reasons.rows, staff: staff.rows, services: services.rows };
  }

  /**
   * Closes open episodes staff decided not to pursue: the ticked ones (`episodeIds`) or every one
   * matching the filters, in one statement. Only this organization's; returns how many.
   */
  async dismiss(orgId: string, timezone: string, filter: LostClientsFilter, episodeIds?: string[]): Promise<number> {
    const params: unknown[] = [];
    let where = this.where(orgId, timezone, filter, params);
    if (episodeIds) {
      params.push(episodeIds);
      where += ` AND e.id = ANY($${params.length}::bigint[])`;
    }
    const { rowCount } = await this.pool.query(`UPDATE churn_episodes e SET status = 'dismissed', updated_at = now() WHERE ${where}`, params);
    return rowCount ?? 0;
  }
}

function strip(row: Record<string, unknown>): LostClientRow {
  const { _value, _overdue, _detected, ...rest } = row;
  void _value;
  void _overdue;
  void _detected;
  return rest as unknown as LostClientRow;
}
