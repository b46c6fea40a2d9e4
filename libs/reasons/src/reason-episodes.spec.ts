import { createStaffAccount } from '@comeback/accounts';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { addReasonAlias, addReasonLabel, createReason, mergeReasons, retireReason, setEpisodeReason, type EpisodeReasonInput, type ReasonListError } from './index';

let db: TestDatabase;
let make: ReturnType<typeof factories>;
let org: string;
let staff: string;
const reason: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  make = factories(db.pool);
  org = (await make.organization({ timezone: 'Asia/Tbilisi' })).id;
  staff = (await createStaffAccount(db.pool, { organizationId: org, email: 'caller@reasons.test', displayName: 'Caller', role: 'caller', password: 'long enough passphrase' })).id;
  reason.price = (await createReason(db.pool, { organizationId: org, label: 'Too expensive', locale: 'en' })).reason.id;
  await addReasonLabel(db.pool, { organizationId: org, reasonId: reason.price, locale: 'ru', label: 'Слишком дорого' });
  await addReasonAlias(db.pool, { organizationId: org, reasonId: reason.price, text: 'prices went up' });
  reason.moved = (await createReason(db.pool, { organizationId: org, label: 'Moved away' })).reason.id;
  reason.rude = (await createReason(db.pool, { organizationId: org, label: 'Rude receptionist' })).reason.id;
  await retireReason(db.pool, { organizationId: org, reasonId: reason.rude });
  // "Relocated" was merged into "Moved away": its id and words name "Moved away" now.
  reason.relocated = (await createReason(db.pool, { organizationId: org, label: 'Relocated' })).reason.id;
  await mergeReasons(db.pool, { organizationId: org, fromId: reason.relocated, intoId: reason.moved });
});
afterAll(() => db.drop());

/** A client with a passive lapsed episode; returns both ids. */
async function lostClient(o: { organizationId?: string; churnType?: string; reasonId?: string | null; channel?: string | null } = {}) {
  const organizationId = o.organizationId ?? org;
  const clientId = await make.client(organizationId);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, left_on, method, churn_type, reason_id, reason_channel)
     VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', '2026-01-01', 'cadence', $3, $4, $5) RETURNING id::text`,
    [organizationId, clientId, o.churnType ?? 'passive', o.reasonId ?? null, o.channel ?? null],
  );
  return { organizationId, clientId, episodeId: rows[0].id };
}

async function episodeRow(id: string) {
  return (
    await db.pool.query(
      `SELECT reason_id::text, reason_note, left_on::text, churn_type, reason_channel, reason_set_by::text, reason_set_at IS NOT NULL AS set
         FROM churn_episodes WHERE id = $1`,
      [id],
    )
  ).rows[0];
}

const reasonCount = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM churn_reasons WHERE organization_id = $1`, [org])).rows[0].n;

async function rejection(promise: Promise<unknown>): Promise<ReasonListError> {
  try {
    await promise;
  } catch (err) {
    return err as ReasonListError;
  }
  throw new Error('expected a ReasonListError, the call succeeded');
}

const set = (ep: { organizationId: string; clientId: string; episodeId: string }, o: Partial<EpisodeReasonInput>) => setEpisodeReason(db.pool, { ...ep, setBy: staff, ...o });

describe('setEpisodeReason', () => {
  it("records an existing reason named in any locale or by an alias, with the note and date of leaving, as staff's (no channel); passive becomes voluntary", async () => {
    const ep = await lostClient({ channel: 'sms' });
    const before = await reasonCount();
    expect(await set(ep, { label: 'слишком  ДОРОГО!', note: 'Цены', leftOn: '2026-01-15', locale: 'ru' })).toEqual({ saved: true, reasonId: reason.price, created: false });
    expect(await episodeRow(ep.episodeId)).toEqual({
      reason_id: reason.price, reason_note: 'Цены', left_on: '2026-01-15', churn_type: 'voluntary', reason_channel: null, reason_set_by: staff, set: true,
    });
    expect(await set(ep, { label: 'Prices went up.' })).toMatchObject({ saved: true, reasonId: reason.price, created: false });
    // No date keeps the episode's; an involuntary episode stays involuntary.
    expect((await episodeRow(ep.episodeId)).left_on).toBe('2026-01-15');
    const involuntary = await lostClient({ churnType: 'involuntary' });
    await set(involuntary, { reasonId: reason.moved });
    expect(await episodeRow(involuntary.episodeId)).toMatchObject({ reason_id: reason.moved, churn_type: 'involuntary', reason_note: null });
    expect(await reasonCount()).toBe(before);
  });

  it('warns about a near-duplicate, in the asked locale, and writes nothing until confirmed; then creates it once with its words as an alias', async () => {
    const ep = await lostClient();
    const warned = await set(ep, { label: 'expensive', locale: 'ru' });
    expect(warned.saved).toBe(false);
    if (warned.saved) return;
    expect(warned.nearDuplicates.map((d) => [d.id, d.label, d.nearDuplicate])).toEqual([[reason.price, 'Слишком дорого', true]]);
    expect(await episodeRow(ep.episodeId)).toMatchObject({ reason_id: null, set: false, churn_type: 'passive' });
    expect((await db.pool.query(`SELECT 1 FROM churn_reasons WHERE organization_id = $1 AND label = 'expensive'`, [org])).rowCount).toBe(0);

    const created = await set(ep, { label: ' Expensive   parking ', confirmNew: true });
    expect(created).toMatchObject({ saved: true, created: true });
    const id = (created as { reasonId: string }).reasonId;
    const { rows } = await db.pool.query(`SELECT r.label, a.normalized, a.source FROM churn_reasons r JOIN reason_aliases a ON a.reason_id = r.id WHERE r.id = $1`, [id]);
    expect(rows).toEqual([{ label: 'Expensive parking', normalized: 'expensive parking', source: 'label' }]);
    // The list learned it: the same words on another episode are that reason, no warning.
    const other = await lostClient();
    expect(await set(other, { label: 'EXPENSIVE PARKING!' })).toEqual({ saved: true, reasonId: id, created: false });
  });

  it('creates one reason when two people confirm the same new reason at once', async () => {
    const [a, b] = [await lostClient(), await lostClient()];
    const outcomes = await Promise.all([set(a, { label: 'Dentist left the clinic', confirmNew: true }), set(b, { label: 'dentist left the clinic', confirmNew: true })]);
    expect(outcomes.map((o) => o.saved)).toEqual([true, true]);
    const ids = outcomes.map((o) => (o as { reasonId: string }).reasonId);
    expect(ids[0]).toBe(ids[1]);
    expect(outcomes.filter((o) => (o as { created: boolean }).created)).toHaveLength(1);
    expect((await db.pool.query(`SELECT 1 FROM churn_reasons WHERE organization_id = $1 AND lower(label) = 'dentist left the clinic'`, [org])).rowCount).toBe(1);
  });

  it("resolves a merged reason's id or words to the reason it was merged into", async () => {
    const ep = await lostClient();
    expect(await set(ep, { reasonId: reason.relocated })).toEqual({ saved: true, reasonId: reason.moved, created: false });
    expect((await episodeRow(ep.episodeId)).reason_id).toBe(reason.moved);
    expect(await set(ep, { label: 'relocated' })).toEqual({ saved: true, reasonId: reason.moved, created: false });
  });

  it('refuses a retired reason, by id or by its words, writing nothing; an episode that already has it keeps it', async () => {
    const ep = await lostClient();
    const byId = await rejection(set(ep, { reasonId: reason.rude }));
    expect([byId.name, byId.code, byId.reasonId]).toEqual(['ReasonListError', 'INVALID_STATE', reason.rude]);
    const byWords = await rejection(set(ep, { label: 'RUDE receptionist', confirmNew: true }));
    expect([byWords.code, byWords.reasonId]).toEqual(['INVALID_STATE', reason.rude]);
    expect(await episodeRow(ep.episodeId)).toMatchObject({ reason_id: null, set: false });
    expect((await db.pool.query(`SELECT 1 FROM churn_reasons WHERE organization_id = $1 AND label ILIKE 'rude receptionist'`, [org])).rowCount).toBe(1);

    const had = await lostClient({ reasonId: reason.rude });
    expect(await set(had, { reasonId: reason.rude, note: 'she said so twice' })).toEqual({ saved: true, reasonId: reason.rude, created: false });
    expect(await set(had, { label: 'Rude receptionist', note: 'edited' })).toEqual({ saved: true, reasonId: reason.rude, created: false });
    expect(await episodeRow(had.episodeId)).toMatchObject({ reason_id: reason.rude, reason_note: 'edited' });
  });

  it("refuses another client's or organization's episode, another organization's reason, and bad input, writing nothing", async () => {
    const ep = await lostClient();
    const other = await lostClient();
    const elsewhere = await lostClient({ organizationId: (await make.organization()).id });
    const foreignReason = (await createReason(db.pool, { organizationId: elsewhere.organizationId, label: 'Parking' })).reason.id;
    const cases: [string, Partial<EpisodeReasonInput>, string][] = [
      ["another client's episode", { clientId: other.clientId, reasonId: reason.price }, 'NOT_FOUND'],
      ["another organization's episode", { clientId: elsewhere.clientId, episodeId: elsewhere.episodeId, reasonId: reason.price }, 'NOT_FOUND'],
      ["another organization's reason", { reasonId: foreignReason }, 'NOT_FOUND'],
      ['an unknown reason', { reasonId: '999999999' }, 'NOT_FOUND'],
      ['a malformed episode id', { episodeId: '1; DROP TABLE churn_episodes', reasonId: reason.price }, 'NOT_FOUND'],
      ['both a reason and a label', { reasonId: reason.price, label: 'Too expensive' }, 'INVALID_INPUT'],
      ['neither', {}, 'INVALID_INPUT'],
      ['a label without a letter', { label: ' !!! ' }, 'INVALID_INPUT'],
      ['a date that is not one', { reasonId: reason.price, leftOn: '2026-02-30' }, 'INVALID_INPUT'],
      ['a date of leaving in the future', { reasonId: reason.price, leftOn: '2999-01-01' }, 'INVALID_INPUT'],
      ['a note too long', { reasonId: reason.price, note: 'x'.repeat(2001) }, 'INVALID_INPUT'],
    ];
    for (const [what, o, code] of cases) {
      expect([what, (await rejection(set(ep, o))).code]).toEqual([what, code]);
    }
    expect(await episodeRow(ep.episodeId)).toMatchObject({ reason_id: null, set: false });
    expect(await episodeRow(elsewhere.episodeId)).toMatchObject({ reason_id: null, set: false });
  });

  it("writes in the caller's transaction: rolled back with it, reason and all", async () => {
    const ep = await lostClient();
    const before = await reasonCount();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const outcome = await setEpisodeReason(client, { ...ep, label: 'Found a clinic nearer home', confirmNew: true, setBy: null });
      expect(outcome).toMatchObject({ saved: true, created: true });
      expect((await client.query(`SELECT reason_id FROM churn_episodes WHERE id = $1`, [ep.episodeId])).rows[0].reason_id).not.toBeNull();
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await episodeRow(ep.episodeId)).toMatchObject({ reason_id: null, set: false });
    expect(await reasonCount()).toBe(before);
  });
});
