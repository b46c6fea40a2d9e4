import type { Pool } from 'pg';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { AUDIT_PAGE_SIZE, AuditLog } from './audit-log.service';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The audit page over a long consent history (real PostgreSQL): pages are right (newest first,
 * keyset, ties included), and each reads its organization's consent changes through the
 * partition's (changed_at) index from the cursor on, not the whole history.
 */
describe('audit log pages over consent_changes', () => {
  let db: TestDatabase;
  let orgId: string;
  let partition: string;
  const HISTORY = 20_000;

  beforeAll(async () => {
    db = await createTestDatabase();
    const make = factories(db.pool);
    orgId = (await make.organization()).id;
    const other = (await make.organization()).id;
    partition = `consent_changes_${orgId.replace(/-/g, '')}`;
    // One change a minute, with every tenth minute holding two (same time: the tie-breaker orders them).
    for (const org of [orgId, other]) {
      await db.pool.query(
        `INSERT INTO consent_changes (organization_id, client_id, channel, status, changed_at, source)
         SELECT $1, i, 'sms', 'revoked', timestamptz '2026-01-01' + ((i - (i % 10 = 1)::int) * interval '1 minute'), 'import:spec.csv'
           FROM generate_series(1, $2::int) i`,
        [org, HISTORY],
      );
    }
    await db.pool.query('ANALYZE consent_changes');
  });
  afterAll(async () => db?.drop());

  /** The SQL and parameters AuditLog.page sends, without running it. */
  async function pageQuery(cursor?: string): Promise<{ sql: string; params: unknown[] }> {
    let sent: { sql: string; params: unknown[] } | undefined;
    const recorder = { query: async (sql: string, params: unknown[]) => ((sent = { sql, params }), { rows: [] }) } as unknown as Pool;
    await new AuditLog(recorder).page(orgId, 'consent', cursor);
    return sent!;
  }

  async function plan(cursor?: string): Promise<PlanNode[]> {
    const { sql, params } = await pageQuery(cursor);
    const { rows } = await db.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
    return nodesOf(rows[0]['QUERY PLAN'][0].Plan);
  }

  it("pages through the organization's history newest first, each change once, ties included", async () => {
    const audit = new AuditLog(db.pool);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 3; i++) {
      const page = await audit.page(orgId, 'consent', cursor);
      expect(page.entries).toHaveLength(AUDIT_PAGE_SIZE);
      seen.push(...page.entries.map((e) => e.clientId!));
      cursor = page.next!;
    }
    const { rows } = await db.pool.query<{ client_id: string }>(
      `SELECT client_id::text FROM consent_changes WHERE organization_id = $1
        ORDER BY changed_at DESC, lpad(client_id::text, 20, '0') DESC LIMIT $2`,
      [orgId, 3 * AUDIT_PAGE_SIZE],
    );
    expect(seen).toEqual(rows.map((r) => r.client_id));
  });

  it("reads a page through the partition's (changed_at) index, a page's rows and not the whole history", async () => {
    const { rows } = await db.pool.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [`${partition}_time`]);
    expect(rows[0].indexdef).toContain('(changed_at)');

    const first = await plan();
    const deep = await plan((await new AuditLog(db.pool).page(orgId, 'consent', undefined)).next!);
    // A cursor deep in the history: ten thousand changes back.
    const { rows: mid } = await db.pool.query<{ at: string }>(
      `SELECT changed_at::text AS at FROM consent_changes WHERE organization_id = $1 ORDER BY changed_at DESC OFFSET 10000 LIMIT 1`,
      [orgId],
    );
    const far = await plan(Buffer.from(JSON.stringify([mid[0].at, 'c'.padEnd(21, '9')])).toString('base64url'));

    for (const nodes of [first, deep, far]) {
      const scans = nodes.filter((n) => n['Relation Name'] === partition);
      expect(scans.map((n) => [n['Node Type'], n['Index Name']])).toEqual([['Index Scan', `${partition}_time`]]);
      // Rows read: about a page (and the rows tied with its last), not the 20,000 of the history
      // nor the 10,000 newer than a deep cursor.
      expect(scans[0]['Actual Rows']! + (scans[0]['Rows Removed by Filter'] ?? 0)).toBeLessThanOrEqual(2 * (AUDIT_PAGE_SIZE + 1));
    }
  });
});
