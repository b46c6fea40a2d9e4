import { CONSENT_COLUMNS, type KindSpec, type RecordKind } from './record-kinds';

/**
 * The set-based SQL of an import, one statement per chunk of staged rows. Each statement upserts
 * the chunk into its table by (organization_id, external_id) (visits and payments: into the
 * organization's partition, by external_id) and returns
 * `{ inserted, updated, problems }`, where problems are staged rows whose references (client,
 * staff member, service) do not exist; those rows are left out and the import rolls back.
 *
 * Idempotency: an update happens only when a value differs (`IS DISTINCT FROM`), so sending the
 * same rows again writes nothing at all. Columns absent from a file are left as they are.
 *
 * Parameters: $1 organization id; for visits and payments $2, the organization's currency (the
 * default for rows without one).
 */

export function stagingTable(kind: RecordKind): string {
  return `stage_${kind}`;
}

export function stagingDdl(spec: KindSpec): string {
  const cols = spec.columns.map((c) => `"${c.name}" ${c.sqlType}`).join(', ');
  return `CREATE TEMP TABLE ${stagingTable(spec.kind)} (line bigint NOT NULL, ${cols}) ON COMMIT DROP`;
}

/** The staged rows, or (when the chunk repeats an external id) the last row of each id. */
function source(kind: RecordKind, dedupe: boolean): string {
  const t = stagingTable(kind);
  return dedupe ? `(SELECT DISTINCT ON (external_id) * FROM ${t} ORDER BY external_id, line DESC)` : t;
}

interface Assignment {
  /** Column of the target table. */
  column: string;
  /** Staging column it comes from: the update only touches columns the file has. */
  from: string;
}

function updateClause(assignments: Assignment[], present: ReadonlySet<string>, touch: boolean): string {
  const used = assignments.filter((a) => present.has(a.from));
  if (!used.length) return 'DO NOTHING';
  const set = used.map((a) => `${a.column} = EXCLUDED.${a.column}`);
  if (touch) set.push('updated_at = now()');
  const old = used.map((a) => `t.${a.column}`).join(', ');
  const neu = used.map((a) => `EXCLUDED.${a.column}`).join(', ');
  return `DO UPDATE SET ${set.join(', ')} WHERE (${old}, NULL) IS DISTINCT FROM (${neu}, NULL)`;
}

const COUNTS = `
  (SELECT count(*) FILTER (WHERE inserted) FROM up)::int AS inserted,
  (SELECT count(*) FILTER (WHERE NOT inserted) FROM up)::int AS updated`;

function simpleUpsert(kind: 'staff' | 'services', table: string, extra: string, present: ReadonlySet<string>, dedupe: boolean): string {
  const assignments: Assignment[] = [
    { column: 'name', from: 'name' },
    { column: extra, from: extra },
  ];
  return `
WITH up AS (
  INSERT INTO ${table} AS t (organization_id, external_id, name, ${extra})
  SELECT $1, s.external_id, s.name, s.${extra} FROM ${source(kind, dedupe)} s
  ON CONFLICT (organization_id, external_id) ${updateClause(assignments, present, true)}
  RETURNING (xmax = 0) AS inserted
)
SELECT ${COUNTS}, '[]'::json AS problems`;
}

function clientsUpsert(present: ReadonlySet<string>, dedupe: boolean): string {
  const cols = ['name', 'phone', 'email', 'viber_id', 'locale', 'timezone'];
  const assignments = cols.map((c) => ({ column: c, from: c }));
  return `
WITH up AS (
  INSERT INTO clients AS t (organization_id, external_id, ${cols.join(', ')})
  SELECT $1, s.external_id, ${cols.map((c) => `s.${c}`).join(', ')} FROM ${source('clients', dedupe)} s
  ON CONFLICT (organization_id, external_id) ${updateClause(assignments, present, true)}
  RETURNING (xmax = 0) AS inserted
)
SELECT ${COUNTS}, '[]'::json AS problems`;
}

/**
 * Consent changes of the staged clients: the current value changes only where the file states
 * one and it differs, and each change is appended to `consent_changes` with its source ($3).
 */
export function consentStatement(present: ReadonlySet<string>, dedupe: boolean): string | null {
  const cols = CONSENT_COLUMNS.filter((c) => present.has(c));
  if (!cols.length) return null;
  const values = cols.map((c) => `('${c.slice('consent_'.length)}', s.${c}, c.${c})`).join(', ');
  const sets = cols.map((c) => `${c} = coalesce(p.${c}, c.${c})`).join(', ');
  const pivots = cols.map((c) => `max(status) FILTER (WHERE channel = '${c.slice('consent_'.length)}') AS ${c}`).join(', ');
  return `
WITH ch AS MATERIALIZED (
  SELECT c.id AS client_id, x.channel, x.status
  FROM ${source('clients', dedupe)} s
  JOIN clients c ON c.organization_id = $1 AND c.external_id = s.external_id
  CROSS JOIN LATERAL (VALUES ${values}) AS x(channel, status, current)
  WHERE x.status IS NOT NULL AND x.status <> x.current
), history AS (
  INSERT INTO consent_changes (organization_id, client_id, channel, status, source)
  SELECT $1, client_id, channel, status, $2 FROM ch
)
UPDATE clients c SET ${sets}, updated_at = now()
FROM (SELECT client_id, ${pivots} FROM ch GROUP BY client_id) p
WHERE c.id = p.client_id`;
}

/** A reference that did not resolve, as a problem row. */
function missing(field: string, what: string): string {
  return `format('no %s with external_id %s in this organization', '${what}', to_json(s.${field})::text)`;
}

/** The partition of a per-organization table (see the foundation migration). */
export function orgPartition(table: 'visits' | 'payment_events', organizationId: string): string {
  return `${table}_${organizationId.replace(/-/g, '')}`;
}

function visitsUpsert(present: ReadonlySet<string>, dedupe: boolean, partition: string): string {
  const assignments: Assignment[] = [
    { column: 'client_id', from: 'client_external_id' },
    { column: 'visited_at', from: 'visited_at' },
    { column: 'amount', from: 'amount' },
    { column: 'currency', from: 'currency' },
    { column: 'staff_member_id', from: 'staff_external_id' },
    { column: 'service_id', from: 'service_external_id' },
  ];
  return `
WITH s AS MATERIALIZED (
  SELECT s.*, c.id AS client_id, st.id AS staff_member_id, sv.id AS service_id
  FROM ${source('visits', dedupe)} s
  LEFT JOIN clients c ON c.organization_id = $1 AND c.external_id = s.client_external_id
  LEFT JOIN staff_members st ON st.organization_id = $1 AND st.external_id = s.staff_external_id
  LEFT JOIN services sv ON sv.organization_id = $1 AND sv.external_id = s.service_external_id
), up AS (
  INSERT INTO ${partition} AS t (organization_id, external_id, client_id, staff_member_id, service_id, visited_at, amount, currency)
  SELECT $1, s.external_id, s.client_id, s.staff_member_id, s.service_id, s.visited_at, s.amount, coalesce(s.currency, $2)
  FROM s
  WHERE s.client_id IS NOT NULL
    AND (s.staff_external_id IS NULL OR s.staff_member_id IS NOT NULL)
    AND (s.service_external_id IS NULL OR s.service_id IS NOT NULL)
  ON CONFLICT (external_id) ${updateClause(assignments, present, false)}
  RETURNING (xmax = 0) AS inserted
)
SELECT ${COUNTS},
  coalesce((SELECT json_agg(x ORDER BY x.line) FROM (
    SELECT s.line, 'client_external_id' AS field, ${missing('client_external_id', 'client')} AS message FROM s WHERE s.client_id IS NULL
    UNION ALL
    SELECT s.line, 'staff_external_id', ${missing('staff_external_id', 'staff member')} FROM s WHERE s.staff_external_id IS NOT NULL AND s.staff_member_id IS NULL
    UNION ALL
    SELECT s.line, 'service_external_id', ${missing('service_external_id', 'service')} FROM s WHERE s.service_external_id IS NOT NULL AND s.service_id IS NULL
    ORDER BY 1 LIMIT 100) x), '[]'::json) AS problems`;
}

function paymentsUpsert(present: ReadonlySet<string>, dedupe: boolean, partition: string): string {
  const assignments: Assignment[] = [
    { column: 'client_id', from: 'client_external_id' },
    { column: 'occurred_at', from: 'occurred_at' },
    { column: 'status', from: 'status' },
    { column: 'amount', from: 'amount' },
    { column: 'currency', from: 'currency' },
    { column: 'failure_code', from: 'failure_code' },
  ];
  return `
WITH s AS MATERIALIZED (
  SELECT s.*, c.id AS client_id
  FROM ${source('payments', dedupe)} s
  LEFT JOIN clients c ON c.organization_id = $1 AND c.external_id = s.client_external_id
), up AS (
  INSERT INTO ${partition} AS t (organization_id, external_id, client_id, occurred_at, status, amount, currency, failure_code)
  SELECT $1, s.external_id, s.client_id, s.occurred_at, s.status, s.amount, coalesce(s.currency, $2), s.failure_code
  FROM s WHERE s.client_id IS NOT NULL
  ON CONFLICT (external_id) ${updateClause(assignments, present, false)}
  RETURNING (xmax = 0) AS inserted
)
SELECT ${COUNTS},
  coalesce((SELECT json_agg(x ORDER BY x.line) FROM (
    SELECT s.line, 'client_external_id' AS field, ${missing('client_external_id', 'client')} AS message FROM s WHERE s.client_id IS NULL
    ORDER BY 1 LIMIT 100) x), '[]'::json) AS problems`;
}

export function upsertStatement(kind: RecordKind, present: ReadonlySet<string>, dedupe: boolean, organizationId: string): string {
  switch (kind) {
    case 'staff':
      return simpleUpsert('staff', 'staff_members', 'role', present, dedupe);
    case 'services':
      return simpleUpsert('services', 'services', 'category', present, dedupe);
    case 'clients':
      return clientsUpsert(present, dedupe);
    case 'visits':
      return visitsUpsert(present, dedupe, orgPartition('visits', organizationId));
    case 'payments':
      return paymentsUpsert(present, dedupe, orgPartition('payment_events', organizationId));
  }
}

/** Parameters of `upsertStatement`: $1 always, $2 where rows carry money. */
export function upsertParams(kind: RecordKind, org: { id: string; currency: string }): string[] {
  return kind === 'visits' || kind === 'payments' ? [org.id, org.currency] : [org.id];
}
