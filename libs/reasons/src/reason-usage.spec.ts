import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { createReason, listReasons, mapCandidate, mergeReasons, recordReasonText } from './index';

let db: TestDatabase;
let make: ReturnType<typeof factories>;

beforeAll(async () => {
  db = await createTestDatabase();
  make = factories(db.pool);
});
afterAll(() => db.drop());

/** A reply of a new client of the organization, as the reply intake writes it. */
async function reply(org: string, o: { reasonId: string | null; matchedBy: string | null; candidateId?: string | null; channel?: string }): Promise<string> {
  const clientId = await make.client(org);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO replies (organization_id, client_id, channel, text, kind, reason_id, matched_by, candidate_id, received_at)
     VALUES ($1, $2, $3, 'words', 'reason', $4, $5, $6, now()) RETURNING id::text`,
    [org, clientId, o.channel ?? 'sms', o.reasonId, o.matchedBy, o.candidateId ?? null],
  );
  return rows[0].id;
}

const usage = async (org: string) => Object.fromEntries((await listReasons(db.pool, org, { includeRetired: true })).map((r) => [r.id, r.usageCount]));
const column = async (id: string) => (await db.pool.query<{ usage_count: number }>(`SELECT usage_count FROM churn_reasons WHERE id = $1`, [id])).rows[0].usage_count;

/**
 * How often a reason was given, as listReasons counts it: the reason's own usage_count (what the
 * list counts itself) plus the replies the intake matched to it, counted when read, so that the
 * intake never writes the reason's row (replies naming one reason used to queue on its lock).
 */
describe('reason usage', () => {
  it('counts the replies the intake matched to a reason, on top of the reason\'s own count, without writing its row', async () => {
    const org = (await make.organization()).id;
    const price = (await createReason(db.pool, { organizationId: org, label: 'Too expensive' })).reason.id;
    const moved = (await createReason(db.pool, { organizationId: org, label: 'Moved away' })).reason.id;
    await db.pool.query(`UPDATE churn_reasons SET usage_count = 5 WHERE id = $1`, [price]);
    for (const matchedBy of ['digit', 'keypad', 'form', 'alias', 'fuzzy']) await reply(org, { reasonId: price, matchedBy });
    await reply(org, { reasonId: moved, matchedBy: 'digit' });
    // A reply with no reason, and another organization's reply, count for nothing here.
    await reply(org, { reasonId: null, matchedBy: null });
    const other = (await make.organization()).id;
    const otherPrice = (await createReason(db.pool, { organizationId: other, label: 'Too expensive' })).reason.id;
    await reply(other, { reasonId: otherPrice, matchedBy: 'digit' });

    expect(await usage(org)).toEqual({ [price]: 10, [moved]: 1 });
    expect(await usage(other)).toEqual({ [otherPrice]: 1 });
    // Most used first.
    expect((await listReasons(db.pool, org)).map((r) => r.id)).toEqual([price, moved]);
    expect([await column(price), await column(moved)]).toEqual([5, 0]);
  });

  it('leaves the row alone when the intake records a text (countUsage: false), and counts it as the list always has otherwise', async () => {
    const org = (await make.organization()).id;
    const price = (await createReason(db.pool, { organizationId: org, label: 'Too expensive' })).reason.id;
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'TOO EXPENSIVE!', countUsage: false })).toMatchObject({ reasonId: price, matchedBy: 'alias' });
    expect(await column(price)).toBe(0);
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'too expensive' })).toMatchObject({ reasonId: price });
    expect(await column(price)).toBe(1);
  });

  it('does not count twice a reply that got its reason from a resolved candidate (the candidate\'s occurrences counted it)', async () => {
    const org = (await make.organization()).id;
    const parking = (await createReason(db.pool, { organizationId: org, label: 'No parking' })).reason.id;
    const text = 'there is never anywhere to leave the car';
    const { candidateId } = await recordReasonText(db.pool, { organizationId: org, text, countUsage: false });
    expect(candidateId).not.toBeNull();
    await reply(org, { reasonId: null, matchedBy: null, candidateId });
    await mapCandidate(db.pool, { organizationId: org, candidateId: candidateId!, reasonId: parking });
    expect(await usage(org)).toEqual({ [parking]: 1 });
  });

  it('follows the replies when reasons are merged: the target counts both, the merged reason none', async () => {
    const org = (await make.organization()).id;
    const into = (await createReason(db.pool, { organizationId: org, label: 'Too expensive' })).reason.id;
    const from = (await createReason(db.pool, { organizationId: org, label: 'Prices went up' })).reason.id;
    await db.pool.query(`UPDATE churn_reasons SET usage_count = 2 WHERE id = ANY($1::bigint[])`, [[into, from]]);
    await reply(org, { reasonId: from, matchedBy: 'digit' });
    await reply(org, { reasonId: from, matchedBy: 'form', channel: 'feedback' });
    await reply(org, { reasonId: into, matchedBy: 'fuzzy' });
    expect(await usage(org)).toEqual({ [into]: 3, [from]: 4 });
    await mergeReasons(db.pool, { organizationId: org, fromId: from, intoId: into });
    expect(await usage(org)).toEqual({ [into]: 7, [from]: 0 });
  });
});
