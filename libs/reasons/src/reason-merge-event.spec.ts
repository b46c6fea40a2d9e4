import { consumersOf, EventConsumer, EventName } from '@comeback/contracts';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { createReason, mergeReasons, retireReason, type ReasonListError } from './index';

let db: TestDatabase;
let make: ReturnType<typeof factories>;

beforeAll(async () => {
  db = await createTestDatabase();
  make = factories(db.pool);
});
afterAll(() => db.drop());

async function organizationWithReasons(...labels: string[]): Promise<{ org: string; ids: string[] }> {
  const org = (await make.organization()).id;
  const ids: string[] = [];
  for (const label of labels) ids.push((await createReason(db.pool, { organizationId: org, label })).reason.id);
  return { org, ids };
}

/** The organization's reason.merged events in the outbox, with the id of the transaction that wrote each. */
async function mergedEvents(org: string) {
  return (
    await db.pool.query<{ payload: Record<string, unknown>; xid: string }>(
      `SELECT payload, xmin::text AS xid FROM outbox_events WHERE organization_id = $1 AND name = $2 ORDER BY id`,
      [org, EventName.ReasonMerged],
    )
  ).rows;
}

describe('mergeReasons: the reason.merged event', () => {
  it('writes one reason.merged event with the merge, in its transaction', async () => {
    const { org, ids } = await organizationWithReasons('Too expensive', 'Prices went up');
    const [into, from] = ids;
    const clientId = await make.client(org);
    await db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method, reason_id) VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence', $3)`,
      [org, clientId, from],
    );

    const result = await mergeReasons(db.pool, { organizationId: org, fromId: from, intoId: into });
    const events = await mergedEvents(org);
    expect(events.map((e) => e.payload)).toEqual([{ organizationId: org, fromReasonId: from, intoReasonId: into, moved: result.moved }]);
    expect(result.moved.episodes).toBe(1);
    // Written by the same transaction as the merged reason's row.
    const merged = (await db.pool.query<{ xid: string }>(`SELECT xmin::text AS xid FROM churn_reasons WHERE id = $1`, [from])).rows[0];
    expect(events[0].xid).toBe(merged.xid);
    // The relay delivers it to the client timeline's consumer.
    expect(consumersOf(EventName.ReasonMerged)).toEqual([EventConsumer.ClientActivity]);
  });

  it("is part of the caller's transaction: invisible to others until it commits, gone when it rolls back", async () => {
    const { org, ids } = await organizationWithReasons('No time', 'Too busy', 'Works late');
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await mergeReasons(client, { organizationId: org, fromId: ids[1], intoId: ids[0] });
      expect((await client.query(`SELECT 1 FROM outbox_events WHERE organization_id = $1 AND name = $2`, [org, EventName.ReasonMerged])).rowCount).toBe(1);
      expect(await mergedEvents(org)).toEqual([]);
      await client.query('ROLLBACK');
      expect(await mergedEvents(org)).toEqual([]);
      expect((await db.pool.query(`SELECT merged_into_id FROM churn_reasons WHERE id = $1`, [ids[1]])).rows[0].merged_into_id).toBeNull();

      await client.query('BEGIN');
      await mergeReasons(client, { organizationId: org, fromId: ids[2], intoId: ids[0] });
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await mergedEvents(org)).map((e) => e.payload.fromReasonId)).toEqual([ids[2]]);
  });

  it('writes no event when the merge is refused', async () => {
    const { org, ids } = await organizationWithReasons('Moved away', 'Relocated', 'Rude receptionist');
    const [moved, relocated, rude] = ids;
    await retireReason(db.pool, { organizationId: org, reasonId: rude });
    const refusals: [string, string, string][] = [
      ['into itself', moved, moved],
      ['into a retired reason', relocated, rude],
      ['an unknown reason', '999999999', moved],
    ];
    for (const [what, fromId, intoId] of refusals) {
      const code = await mergeReasons(db.pool, { organizationId: org, fromId, intoId }).then(
        () => 'merged',
        (err: ReasonListError) => err.code,
      );
      expect([what, code]).toEqual([what, expect.stringMatching(/^(INVALID_STATE|NOT_FOUND)$/)]);
    }
    expect(await mergedEvents(org)).toEqual([]);
    // Merging again a reason already merged is refused too, and the first merge's event stays the only one.
    await mergeReasons(db.pool, { organizationId: org, fromId: relocated, intoId: moved });
    const again = await mergeReasons(db.pool, { organizationId: org, fromId: relocated, intoId: moved }).then(
      () => 'merged',
      (err: ReasonListError) => err.code,
    );
    expect(again).toBe('INVALID_STATE');
    expect((await mergedEvents(org)).map((e) => [e.payload.fromReasonId, e.payload.intoReasonId])).toEqual([[relocated, moved]]);
  });
});
