import { CONSENT_COLUMNS, type KindSpec, type RecordKind } from './record-kinds';

/**
 * The set-based SQL of an import, one statement per chunk of staged rows. Each statement upserts
 * the chunk into its table by (organization_id, external_id) (clients, visits and payments: into
 * the organization's partition, by external_id) and returns
 * `{ inserted, updated, problems }`, where problems are staged rows whose references (client,
 * staff member, service) do not exist; those rows are left out and the import rolls back.
 *
 * Idempotency: an update happens only when a value differs (`IS DISTINCT FROM`), so sending the
 * same rows again writes nothing at all. Columns absent from a file are left as they are.
 *
 * Parameters: see upsertStatement.
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

/**
 * Clients, with their consent: a consent cell states granted or revoked, an empty one states
 * nothing and keeps what is stored. Each change is appended to consent_changes with its source
 * ($2), in the same statement: `old` reads the stored values in the statement's snapshot, before
 * the upsert changes them.
 */
function clientsUpsert(present: ReadonlySet<string>, dedupe: boolean, partition: string): string {
  const cols = ['name', 'phone', 'email', 'viber_id', 'locale', 'timezone'];
  const consent = CONSENT_COLUMNS.filter((c) => present.has(c));
  const channel = (c: string) => c.slice('consent_'.length);
  const used = cols.filter((c) => present.has(c));
  // EXCLUDED holds 'unknown' where the file stated nothing: keep the stored value then.
  const consentValue = (c: string) => `CASE WHEN EXCLUDED.${c} = 'unknown' THEN t.${c} ELSE EXCLUDED.${c} END`;
  const set = [...used.map((c) => `${c} = EXCLUDED.${c}`), ...consent.map((c) => `${c} = ${consentValue(c)}`)];
  const old = [...used.map((c) => `t.${c}`), ...consent.map((c) => `t.${c}`)];
  const neu = [...used.map((c) => `EXCLUDED.${c}`), ...consent.map(consentValue)];
  const conflict = set.length
    ? `DO UPDATE SET ${set.join(', ')}, updated_at = now() WHERE (${old.join(', ')}, NULL) IS DISTINCT FROM (${neu.join(', ')}, NULL)`
    : 'DO NOTHING';
  const history = consent.length
    ? `, old AS MATERIALIZED (
  SELECT c.external_id, ${consent.map((c) => `c.${c}`).join(', ')}
  FROM ${source('clients', dedupe)} s JOIN ${partition} c ON c.external_id = s.external_id
), history AS (
  INSERT INTO consent_changes (organization_id, client_id, channel, status, source)
  SELECT $1, up.id, x.channel, x.status, $2
  FROM up LEFT JOIN old ON old.external_id = up.external_id
  CROSS JOIN LATERAL (VALUES ${consent.map((c) => `('${channel(c)}', up.${c}, old.${c})`).join(', ')}) AS x(channel, status, previous)
  WHERE x.status <> coalesce(x.previous, 'unknown')
)`
    : '';
  return `
WITH up AS (
  INSERT INTO ${partition} AS t (organization_id, external_id, ${cols.join(', ')}${consent.map((c) => `, ${c}`).join('')})
  SELECT $1, s.external_id, ${cols.map((c) => `s.${c}`).join(', ')}${consent.map((c) => `, coalesce(s.${c}, 'unknown')`).join('')}
  FROM ${source('clients', dedupe)} s
  ON CONFLICT (external_id) ${conflict}
  RETURNING t.id, t.external_id, ${consent.map((c) => `t.${c}, `).join('')}(xmax = 0) AS inserted
)${history}
SELECT ${COUNTS}, '[]'::json AS problems`;
}

/** A reference that did not resolve, as a problem row. */
function missing(field: string, what: string): string {
  return `format('no %s with external_id %s in this organization', '${what}', to_json(s.${field})::text)`;
}

/** The partition of a per-organization table (see the foundation migration). */
export function orgPartition(table: 'clients' | 'consent_changes' | 'visits' | 'payment_events', organizationId: string): string {
  return `${table}_${organizationId.replace(/-/g, '')}`;
}

function visitsUpsert(present: ReadonlySet<string>, dedupe: boolean, org: string): string {
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
  LEFT JOIN ${orgPartition('clients', org)} c ON c.external_id = s.client_external_id
  LEFT JOIN staff_members st ON st.organization_id = $1 AND st.external_id = s.staff_external_id
  LEFT JOIN services sv ON sv.organization_id = $1 AND sv.external_id = s.service_external_id
), up AS (
  INSERT INTO ${orgPartition('visits', org)} AS t (organization_id, external_id, client_id, staff_member_id, service_id, visited_at, amount, currency)
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

function paymentsUpsert(present: ReadonlySet<string>, dedupe: boolean, org: string): string {
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
  LEFT JOIN ${orgPartition('clients', org)} c ON c.external_id = s.client_external_id
), up AS (
  INSERT INTO ${orgPartition('payment_events', org)} AS t (organization_id, external_id, client_id, occurred_at, status, amount, currency, failure_code)
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

export interface UpsertContext {
  organizationId: string;
  /** Default for visits and payments without a currency. */
  currency: string;
  /** Recorded with each consent change, e.g. `import:clients.csv` or `api:<key id>`. */
  consentSource: string;
}

/**
 * The statement for one staged chunk and its parameters: $1 is always the organization; $2 is
 * the default currency for visits and payments, and the consent source for clients that state
 * consent.
 */
export function upsertStatement(kind: RecordKind, present: ReadonlySet<string>, dedupe: boolean, ctx: UpsertContext): { text: string; values: string[] } {
  const org = ctx.organizationId;
  switch (kind) {
    case 'staff':
      return { text: simpleUpsert('staff', 'staff_members', 'role', present, dedupe), values: [org] };
    case 'services':
      return { text: simpleUpsert('services', 'services', 'category', present, dedupe), values: [org] };
    case 'clients': {
      const consent = CONSENT_COLUMNS.some((c) => present.has(c));
      return { text: clientsUpsert(present, dedupe, orgPartition('clients', org)), values: consent ? [org, ctx.consentSource] : [org] };
    }
    case 'visits':
      return { text: visitsUpsert(present, dedupe, org), values: [org, ctx.currency] };
    case 'payments':
      return { text: paymentsUpsert(present, dedupe, org), values: [org, ctx.currency] };
  }
}
