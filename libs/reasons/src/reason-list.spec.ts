import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import {
  acceptCandidate,
  addReasonAlias,
  addReasonLabel,
  createReason,
  dismissCandidate,
  listCandidates,
  listReasons,
  loadReasonBook,
  mapCandidate,
  MATCH_THRESHOLD,
  mergeReasons,
  recordReasonText,
  restoreReason,
  retireReason,
  suggestReasons,
  type ReasonListError,
} from './index';

let db: TestDatabase;
let make: ReturnType<typeof factories>;

beforeAll(async () => {
  db = await createTestDatabase();
  make = factories(db.pool);
});
afterAll(() => db.drop());

/** An organization with a small book: price (en, ru, ka, alias), moved (en, alias), time (en). */
async function organizationWithBook() {
  const org = (await make.organization()).id;
  const price = (await createReason(db.pool, { organizationId: org, label: 'Too expensive', locale: 'en' })).reason.id;
  await addReasonLabel(db.pool, { organizationId: org, reasonId: price, locale: 'ru', label: 'Слишком дорого' });
  await addReasonLabel(db.pool, { organizationId: org, reasonId: price, locale: 'ka', label: 'ძალიან ძვირია' });
  await addReasonAlias(db.pool, { organizationId: org, reasonId: price, text: 'prices went up' });
  const moved = (await createReason(db.pool, { organizationId: org, label: 'Moved away', locale: 'en' })).reason.id;
  await addReasonAlias(db.pool, { organizationId: org, reasonId: moved, text: 'moved to another city' });
  const time = (await createReason(db.pool, { organizationId: org, label: 'No time' })).reason.id;
  return { org, price, moved, time };
}

async function usage(reasonId: string): Promise<number> {
  return (await db.pool.query<{ usage_count: number }>(`SELECT usage_count FROM churn_reasons WHERE id = $1`, [reasonId])).rows[0].usage_count;
}

async function candidate(id: string) {
  return (
    await db.pool.query<{ normalized: string; sample_text: string; occurrences: number; status: string; reason_id: string | null; best_reason_id: string | null; best_score: number | null; resolved_at: Date | null }>(
      `SELECT normalized, sample_text, occurrences, status, reason_id::text, best_reason_id::text, best_score, resolved_at FROM reason_candidates WHERE id = $1`,
      [id],
    )
  ).rows[0];
}

/** A lapsed client's episode (with a reason or none); returns [clientId, episodeId]. */
async function episode(org: string, reasonId: string | null): Promise<[string, string]> {
  const clientId = await make.client(org);
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method, reason_id)
     VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence', $3) RETURNING id::text`,
    [org, clientId, reasonId],
  );
  return [clientId, rows[0].id];
}

async function reply(org: string, clientId: string, episodeId: string, o: { reasonId?: string | null; candidateId?: string | null; text: string }): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO replies (organization_id, client_id, episode_id, channel, text, kind, reason_id, candidate_id, received_at)
     VALUES ($1, $2, $3, 'sms', $4, 'free_text', $5, $6, now()) RETURNING id::text`,
    [org, clientId, episodeId, o.text, o.reasonId ?? null, o.candidateId ?? null],
  );
  return rows[0].id;
}

async function rejection(promise: Promise<unknown>): Promise<ReasonListError> {
  try {
    await promise;
  } catch (err) {
    return err as ReasonListError;
  }
  throw new Error('expected a ReasonListError, the call succeeded');
}

describe('loadReasonBook', () => {
  it('holds the active reasons with their labels in every locale and their aliases', async () => {
    const { org, price, moved, time } = await organizationWithBook();
    await retireReason(db.pool, { organizationId: org, reasonId: time });
    const book = await loadReasonBook(db.pool, org);
    expect(book.reasons.map((r) => r.id).sort()).toEqual([price, moved].sort());
    const p = book.reasons.find((r) => r.id === price)!;
    expect(p.label).toBe('Too expensive');
    expect(p.labels).toEqual({ en: 'Too expensive', ru: 'Слишком дорого', ka: 'ძალიან ძვირია' });
    expect(p.aliases).toEqual(expect.arrayContaining(['too expensive', 'слишком дорого', 'ძალიან ძვირია', 'prices went up']));
  });

  it("counts the texts of merged reasons, along a chain of merges, as the target's", async () => {
    const org = (await make.organization()).id;
    const ids: string[] = [];
    for (const label of ['Pricey', 'Costs too much', 'Too expensive']) ids.push((await createReason(db.pool, { organizationId: org, label })).reason.id);
    await mergeReasons(db.pool, { organizationId: org, fromId: ids[0], intoId: ids[1] });
    await mergeReasons(db.pool, { organizationId: org, fromId: ids[1], intoId: ids[2] });
    const merged = await db.pool.query<{ id: string; merged_into_id: string }>(`SELECT id::text, merged_into_id::text FROM churn_reasons WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
    // The first merge's reason now points at the final target, not at a retired one.
    expect(merged.rows.map((r) => r.merged_into_id)).toEqual([ids[2], ids[2], null]);
    const book = await loadReasonBook(db.pool, org);
    expect(book.reasons.map((r) => r.id)).toEqual([ids[2]]);
    expect(book.reasons[0].aliases).toEqual(expect.arrayContaining(['pricey', 'costs too much']));
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'PRICEY!' })).toMatchObject({ reasonId: ids[2], matchedBy: 'alias' });
  });
});

describe('recordReasonText', () => {
  it('matches an alias or a label in any locale exactly and counts the use', async () => {
    const { org, price } = await organizationWithBook();
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'PRICES WENT UP!!' })).toEqual({
      reasonId: price,
      candidateId: null,
      score: 1,
      matchedBy: 'alias',
      bestReasonId: price,
    });
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'слишком  дорого.' })).toMatchObject({ reasonId: price, matchedBy: 'alias', score: 1 });
    expect(await usage(price)).toBe(2);
  });

  it('matches typos, word forms and other scripts fuzzily, keeping the score', async () => {
    const { org, price, moved } = await organizationWithBook();
    for (const [text, id] of [
      ['too expnsive 😡', price],
      ['ძალიან ძვირი', price],
      ['we moved to another city last year', moved],
    ] as const) {
      const r = await recordReasonText(db.pool, { organizationId: org, text });
      expect({ text, reasonId: r.reasonId, matchedBy: r.matchedBy, candidateId: r.candidateId }).toEqual({ text, reasonId: id, matchedBy: 'fuzzy', candidateId: null });
      expect(r.score).toBeGreaterThanOrEqual(MATCH_THRESHOLD);
      expect(r.score).toBeLessThan(1);
    }
    expect(await usage(price)).toBe(2);
    expect(await usage(moved)).toBe(1);
  });

  it('files a new reason as a candidate, one per normalised text, counting occurrences', async () => {
    const { org, price, moved, time } = await organizationWithBook();
    const first = await recordReasonText(db.pool, { organizationId: org, text: 'There is never any parking' });
    expect(first).toMatchObject({ reasonId: null, matchedBy: null });
    expect(first.candidateId).not.toBeNull();
    const again = await recordReasonText(db.pool, { organizationId: org, text: '  there is NEVER any parking!! 🚗' });
    expect(again.candidateId).toBe(first.candidateId);
    expect(await candidate(first.candidateId!)).toMatchObject({ normalized: 'there is never any parking', sample_text: 'There is never any parking', occurrences: 2, status: 'open' });
    // Nothing was counted for a reason.
    expect([await usage(price), await usage(moved), await usage(time)]).toEqual([0, 0, 0]);
  });

  it("keeps a candidate's closest reason and score", async () => {
    const { org, price } = await organizationWithBook();
    const r = await recordReasonText(db.pool, { organizationId: org, text: 'the prices are fine but the parking is a nightmare and the music is loud' });
    expect(r).toMatchObject({ reasonId: null, bestReasonId: price });
    const row = await candidate(r.candidateId!);
    expect(row.best_reason_id).toBe(price);
    expect(row.best_score).toBeGreaterThan(0);
    expect(row.best_score).toBeLessThan(MATCH_THRESHOLD);
    expect(r.score).toBeCloseTo(row.best_score!, 3);
  });

  it('records nothing for a text too short to judge', async () => {
    const { org } = await organizationWithBook();
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'ok' })).toEqual({ reasonId: null, candidateId: null, score: null, matchedBy: null, bestReasonId: null });
    expect((await db.pool.query(`SELECT 1 FROM reason_candidates WHERE organization_id = $1`, [org])).rowCount).toBe(0);
  });

  it("writes in the caller's transaction when given its client", async () => {
    const { org } = await organizationWithBook();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await recordReasonText(client, { organizationId: org, text: 'the coffee machine is always broken' });
      expect(r.candidateId).not.toBeNull();
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await db.pool.query(`SELECT 1 FROM reason_candidates WHERE organization_id = $1`, [org])).rowCount).toBe(0);
  });
});

describe('createReason', () => {
  it('refuses a label that already names a reason, in any locale, case or punctuation', async () => {
    const { org, price } = await organizationWithBook();
    for (const label of ['TOO EXPENSIVE', 'Слишком дорого!', 'Prices went up.']) {
      const err = await rejection(createReason(db.pool, { organizationId: org, label }));
      expect({ label, code: err.code, reasonId: err.reasonId }).toEqual({ label, code: 'DUPLICATE', reasonId: price });
    }
    expect((await listReasons(db.pool, org)).length).toBe(3);
  });

  it('creates a near-duplicate but names the reasons it is close to', async () => {
    const { org, price } = await organizationWithBook();
    const created = await createReason(db.pool, { organizationId: org, label: ' Expensive ', locale: 'en' });
    expect(created.reason.label).toBe('Expensive');
    expect(created.nearDuplicates.map((d) => d.id)).toEqual([price]);
    expect(created.nearDuplicates[0].nearDuplicate).toBe(true);
    const unrelated = await createReason(db.pool, { organizationId: org, label: 'Parking' });
    expect(unrelated.nearDuplicates).toEqual([]);
  });

  it('creates one reason when two staff members create the same label at once', async () => {
    const org = (await make.organization()).id;
    const outcomes = await Promise.allSettled([
      createReason(db.pool, { organizationId: org, label: 'Rude receptionist' }),
      createReason(db.pool, { organizationId: org, label: 'rude receptionist!' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as ReasonListError).code).toBe('DUPLICATE');
    expect((await listReasons(db.pool, org)).length).toBe(1);
  });

  it('refuses an empty label and a malformed locale', async () => {
    const org = (await make.organization()).id;
    expect((await rejection(createReason(db.pool, { organizationId: org, label: ' !!! 🙄 ' }))).code).toBe('INVALID_INPUT');
    expect((await rejection(createReason(db.pool, { organizationId: org, label: 'Parking', locale: 'English!' }))).code).toBe('INVALID_INPUT');
    expect((await rejection(createReason(db.pool, { organizationId: org, label: 'x'.repeat(201) }))).code).toBe('INVALID_INPUT');
  });
});

describe('mergeReasons', () => {
  it('moves the history, aliases and labels over, adds up usage and retires the merged reason', async () => {
    const org = (await make.organization()).id;
    const into = (await createReason(db.pool, { organizationId: org, label: 'Too expensive', locale: 'en' })).reason.id;
    const from = (await createReason(db.pool, { organizationId: org, label: 'Prices went up', locale: 'en' })).reason.id;
    await addReasonLabel(db.pool, { organizationId: org, reasonId: from, locale: 'ru', label: 'Цены выросли' });
    await addReasonAlias(db.pool, { organizationId: org, reasonId: from, text: 'got pricier' });
    await db.pool.query(`UPDATE churn_reasons SET usage_count = CASE WHEN id = $1 THEN 3 ELSE 2 END WHERE id IN ($1, $2)`, [from, into]);

    const [client, ep] = await episode(org, from);
    const [, keep] = await episode(org, into);
    const rep = await reply(org, client, ep, { reasonId: from, text: 'prices went up' });
    await db.pool.query(`INSERT INTO feedback_responses (message_id, organization_id, client_id, reason_id) VALUES (987654, $1, $2, $3)`, [org, client, from]);
    await db.pool.query(`INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, reason_id) VALUES ($1, $2, $3, current_date, 'managers', 'value', $4)`, [
      org,
      client,
      ep,
      from,
    ]);
    await db.pool.query(`INSERT INTO reason_candidates (organization_id, normalized, sample_text, best_reason_id, best_score) VALUES ($1, 'costly now', 'Costly now', $2, 0.4)`, [org, from]);

    const result = await mergeReasons(db.pool, { organizationId: org, fromId: from, intoId: into });
    expect(result).toEqual({ fromId: from, intoId: into, moved: { episodes: 1, replies: 1, feedbackResponses: 1, callTasks: 1, callOutcomes: 0, candidates: 1, aliases: 3, labels: 1 } });

    const pointing = await db.pool.query<{ t: string; reason_id: string }>(
      `SELECT 'episode' AS t, reason_id::text FROM churn_episodes WHERE id = ANY($1::bigint[])
       UNION ALL SELECT 'reply', reason_id::text FROM replies WHERE id = $2
       UNION ALL SELECT 'feedback', reason_id::text FROM feedback_responses WHERE message_id = 987654
       UNION ALL SELECT 'call', reason_id::text FROM call_tasks WHERE episode_id = $3
       UNION ALL SELECT 'candidate', best_reason_id::text FROM reason_candidates WHERE organization_id = $4`,
      [[ep, keep], rep, ep, org],
    );
    expect(pointing.rows.map((r) => r.reason_id)).toEqual([into, into, into, into, into, into]);

    const reasons = await listReasons(db.pool, org, { includeRetired: true });
    const i = reasons.find((r) => r.id === into)!;
    const f = reasons.find((r) => r.id === from)!;
    expect(i.usageCount).toBe(5);
    expect(i.labels).toEqual({ en: 'Too expensive', ru: 'Цены выросли' });
    expect(i.aliases.map((a) => a.text)).toEqual(expect.arrayContaining(['too expensive', 'prices went up', 'цены выросли', 'got pricier']));
    expect(f).toMatchObject({ usageCount: 0, mergedIntoId: into, aliases: [] });
    expect(f.retiredAt).toBeInstanceOf(Date);
    expect((await listReasons(db.pool, org)).map((r) => r.id)).toEqual([into]);

    // A text of the merged reason now names the target.
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'Prices went up!' })).toMatchObject({ reasonId: into, matchedBy: 'alias' });
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'ЦЕНЫ ВЫРОСЛИ' })).toMatchObject({ reasonId: into, matchedBy: 'alias' });
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'it got pricier' })).toMatchObject({ reasonId: into, matchedBy: 'fuzzy' });
  });

  it('refuses a merge into itself, of a merged reason, into a retired one, and of an unknown reason', async () => {
    const { org, price, moved, time } = await organizationWithBook();
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: price, intoId: price }))).code).toBe('INVALID_STATE');
    await retireReason(db.pool, { organizationId: org, reasonId: time });
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: price, intoId: time }))).code).toBe('INVALID_STATE');
    await mergeReasons(db.pool, { organizationId: org, fromId: moved, intoId: price });
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: moved, intoId: price }))).code).toBe('INVALID_STATE');
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: '999999999', intoId: price }))).code).toBe('NOT_FOUND');
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: 'abc', intoId: price }))).code).toBe('NOT_FOUND');
    // Nothing of the refused merges happened: price is still active and time still retired, unmerged.
    const reasons = await listReasons(db.pool, org, { includeRetired: true });
    expect(reasons.find((r) => r.id === price)).toMatchObject({ retiredAt: null, mergedIntoId: null });
    expect(reasons.find((r) => r.id === time)).toMatchObject({ mergedIntoId: null });
  });
});

describe('candidates', () => {
  it('learns a mapped candidate as an alias: the same text next time matches exactly, and its history gets the reason', async () => {
    const { org, moved } = await organizationWithBook();
    const parking = (await createReason(db.pool, { organizationId: org, label: 'No parking' })).reason.id;
    const staleBook = await loadReasonBook(db.pool, org);
    const text = 'Impossible to leave the car anywhere near you';
    const { candidateId } = await recordReasonText(db.pool, { organizationId: org, text });
    await recordReasonText(db.pool, { organizationId: org, text });
    const [client, ep] = await episode(org, null);
    const rep = await reply(org, client, ep, { candidateId, text });

    expect(await mapCandidate(db.pool, { organizationId: org, candidateId: candidateId!, reasonId: parking })).toEqual({ id: parking, label: 'No parking' });
    expect(await candidate(candidateId!)).toMatchObject({ status: 'mapped', reason_id: parking });
    expect((await candidate(candidateId!)).resolved_at).toBeInstanceOf(Date);
    const alias = await db.pool.query(`SELECT reason_id::text, source FROM reason_aliases WHERE organization_id = $1 AND normalized = $2`, [
      org,
      'impossible to leave the car anywhere near you',
    ]);
    expect(alias.rows).toEqual([{ reason_id: parking, source: 'learned' }]);
    expect((await db.pool.query(`SELECT reason_id::text FROM replies WHERE id = $1`, [rep])).rows[0].reason_id).toBe(parking);
    expect((await db.pool.query(`SELECT reason_id::text FROM churn_episodes WHERE id = $1`, [ep])).rows[0].reason_id).toBe(parking);
    expect(await usage(parking)).toBe(2);

    expect(await recordReasonText(db.pool, { organizationId: org, text: 'impossible to leave the car anywhere near you!!' })).toMatchObject({
      reasonId: parking,
      matchedBy: 'alias',
      score: 1,
      candidateId: null,
    });
    // A book read before the mapping does not reopen the candidate: the text names its reason.
    expect(await recordReasonText(db.pool, { organizationId: org, text, book: staleBook })).toMatchObject({ reasonId: parking, candidateId: null });
    expect((await candidate(candidateId!)).status).toBe('mapped');
    expect(await usage(parking)).toBe(4);
    expect(await usage(moved)).toBe(0);
    // Resolved once is resolved.
    expect((await rejection(mapCandidate(db.pool, { organizationId: org, candidateId: candidateId!, reasonId: moved }))).code).toBe('INVALID_STATE');
  });

  it('accepts a candidate as a new reason, labelled as written or as staff word it', async () => {
    const { org, price } = await organizationWithBook();
    const a = await recordReasonText(db.pool, { organizationId: org, text: 'My kids grew up 🙂' });
    const kids = await acceptCandidate(db.pool, { organizationId: org, candidateId: a.candidateId! });
    expect(kids.label).toBe('My kids grew up');
    expect(await candidate(a.candidateId!)).toMatchObject({ status: 'accepted', reason_id: kids.id });
    expect(await usage(kids.id)).toBe(1);
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'my kids grew up.' })).toMatchObject({ reasonId: kids.id, matchedBy: 'alias' });

    const b = await recordReasonText(db.pool, { organizationId: org, text: 'no female doctor here at all, sorry' });
    const female = await acceptCandidate(db.pool, { organizationId: org, candidateId: b.candidateId!, label: 'No female doctor', locale: 'en' });
    expect((await listReasons(db.pool, org)).find((r) => r.id === female.id)).toMatchObject({ label: 'No female doctor', labels: { en: 'No female doctor' } });
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'No female doctor here at all, sorry!' })).toMatchObject({ reasonId: female.id, matchedBy: 'alias' });

    const c = await recordReasonText(db.pool, { organizationId: org, text: 'the dentist chair is uncomfortable' });
    const dup = await rejection(acceptCandidate(db.pool, { organizationId: org, candidateId: c.candidateId!, label: 'too expensive' }));
    expect({ code: dup.code, reasonId: dup.reasonId }).toEqual({ code: 'DUPLICATE', reasonId: price });
    expect((await candidate(c.candidateId!)).status).toBe('open');
    expect((await rejection(acceptCandidate(db.pool, { organizationId: org, candidateId: a.candidateId! }))).code).toBe('INVALID_STATE');
  });

  it('dismisses a candidate, which stays dismissed when the text comes again, and lists open ones with the best guess', async () => {
    const { org, price } = await organizationWithBook();
    const who = await recordReasonText(db.pool, { organizationId: org, text: 'who is this?' });
    await dismissCandidate(db.pool, { organizationId: org, candidateId: who.candidateId! });
    expect((await recordReasonText(db.pool, { organizationId: org, text: 'WHO IS THIS' })).candidateId).toBe(who.candidateId);
    expect(await candidate(who.candidateId!)).toMatchObject({ status: 'dismissed', occurrences: 2 });

    const near = await recordReasonText(db.pool, { organizationId: org, text: 'the prices are fine but the parking is a nightmare and the music is loud' });
    for (let i = 0; i < 2; i++) await recordReasonText(db.pool, { organizationId: org, text: 'nobody speaks English there' });
    const open = await listCandidates(db.pool, org);
    expect(open.map((c) => [c.sampleText, c.occurrences])).toEqual([
      ['nobody speaks English there', 2],
      ['the prices are fine but the parking is a nightmare and the music is loud', 1],
    ]);
    expect(open[1]).toMatchObject({ id: near.candidateId, status: 'open', bestReason: { id: price, label: 'Too expensive' } });
    expect(open[1].bestScore).toBeGreaterThan(0);
    expect((await listCandidates(db.pool, org, { status: 'dismissed' })).map((c) => c.id)).toEqual([who.candidateId]);
    expect((await rejection(dismissCandidate(db.pool, { organizationId: org, candidateId: '999999999' }))).code).toBe('NOT_FOUND');
  });
});

describe('retireReason', () => {
  it('stops matching and suggesting a retired reason; restoring brings it back', async () => {
    const { org, moved } = await organizationWithBook();
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'moved away' })).toMatchObject({ reasonId: moved });
    await retireReason(db.pool, { organizationId: org, reasonId: moved });
    const after = await recordReasonText(db.pool, { organizationId: org, text: 'moved away' });
    expect(after).toMatchObject({ reasonId: null, matchedBy: null });
    expect(after.candidateId).not.toBeNull();
    expect((await listReasons(db.pool, org)).map((r) => r.id)).not.toContain(moved);
    expect((await listReasons(db.pool, org, { includeRetired: true })).map((r) => r.id)).toContain(moved);
    expect((await suggestReasons(db.pool, org, 'mov')).map((s) => s.id)).not.toContain(moved);

    await restoreReason(db.pool, { organizationId: org, reasonId: moved });
    expect(await recordReasonText(db.pool, { organizationId: org, text: 'Moved away!' })).toMatchObject({ reasonId: moved, matchedBy: 'alias' });
  });

  it('reopens a mapped candidate whose reason was retired', async () => {
    const { org, time } = await organizationWithBook();
    const text = 'I work night shifts now';
    const { candidateId } = await recordReasonText(db.pool, { organizationId: org, text });
    await mapCandidate(db.pool, { organizationId: org, candidateId: candidateId!, reasonId: time });
    await retireReason(db.pool, { organizationId: org, reasonId: time });
    expect((await recordReasonText(db.pool, { organizationId: org, text })).candidateId).toBe(candidateId);
    expect(await candidate(candidateId!)).toMatchObject({ status: 'open', reason_id: null, resolved_at: null, occurrences: 2 });
  });
});

describe('tenant isolation', () => {
  it("never matches, suggests, merges into, maps to or retires another organization's reasons", async () => {
    const other = await organizationWithBook();
    const org = (await make.organization()).id;
    const own = (await createReason(db.pool, { organizationId: org, label: 'No time' })).reason.id;

    const r = await recordReasonText(db.pool, { organizationId: org, text: 'Too expensive' });
    expect(r.reasonId).toBeNull();
    expect(r.bestReasonId === null || r.bestReasonId === own).toBe(true);
    expect(await usage(other.price)).toBe(0);
    expect((await loadReasonBook(db.pool, org)).reasons.map((x) => x.id)).toEqual([own]);
    expect((await listReasons(db.pool, org)).map((x) => x.id)).toEqual([own]);
    expect(await suggestReasons(db.pool, org, 'too exp')).toEqual([]);

    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: own, intoId: other.price }))).code).toBe('NOT_FOUND');
    expect((await rejection(mergeReasons(db.pool, { organizationId: org, fromId: other.price, intoId: own }))).code).toBe('NOT_FOUND');
    expect((await rejection(mapCandidate(db.pool, { organizationId: org, candidateId: r.candidateId!, reasonId: other.price }))).code).toBe('NOT_FOUND');
    expect((await rejection(mapCandidate(db.pool, { organizationId: other.org, candidateId: r.candidateId!, reasonId: other.price }))).code).toBe('NOT_FOUND');
    expect((await rejection(retireReason(db.pool, { organizationId: org, reasonId: other.price }))).code).toBe('NOT_FOUND');
    expect((await rejection(addReasonAlias(db.pool, { organizationId: org, reasonId: other.price, text: 'pricey' }))).code).toBe('NOT_FOUND');
    // The other organization's label does not block this one's.
    expect((await createReason(db.pool, { organizationId: org, label: 'Too expensive' })).reason.id).not.toBe(other.price);
    expect((await listReasons(db.pool, other.org)).find((x) => x.id === other.price)).toMatchObject({ retiredAt: null, usageCount: 0 });
    expect((await listCandidates(db.pool, other.org)).length).toBe(0);
  });
});

describe('suggestReasons', () => {
  it('offers existing reasons while staff type, flags the exact one and near-duplicates, in the asked locale', async () => {
    const { org, price, moved, time } = await organizationWithBook();
    const typed = await suggestReasons(db.pool, org, 'too exp');
    expect(typed[0]).toMatchObject({ id: price, label: 'Too expensive', exact: false });
    expect((await suggestReasons(db.pool, org, 'mov')).map((s) => s.id)).toEqual([moved]);
    expect((await suggestReasons(db.pool, org, 'TOO EXPENSIVE!'))[0]).toMatchObject({ id: price, exact: true, nearDuplicate: false, score: 1 });
    expect((await suggestReasons(db.pool, org, 'expensive'))[0]).toMatchObject({ id: price, exact: false, nearDuplicate: true });
    const georgian = await suggestReasons(db.pool, org, 'ძვირი', { locale: 'ka' });
    expect(georgian[0]).toMatchObject({ id: price, label: 'ძალიან ძვირია', matchedText: 'ძალიან ძვირია' });
    expect((await suggestReasons(db.pool, org, 'no time at all'))[0]).toMatchObject({ id: time, nearDuplicate: true });
    expect(await suggestReasons(db.pool, org, '  ')).toEqual([]);
    expect(await suggestReasons(db.pool, org, 'parking')).toEqual([]);
  });
});

it('refuses a new reason whose label differs from a retired one only in case, naming the retired one to restore', async () => {
  const org = (await make.organization()).id;
  const far = (await createReason(db.pool, { organizationId: org, label: 'Too far away', locale: 'en' })).reason.id;
  const cyrillic = (await createReason(db.pool, { organizationId: org, label: 'Дорого', locale: 'ru' })).reason.id;
  await retireReason(db.pool, { organizationId: org, reasonId: far });
  await retireReason(db.pool, { organizationId: org, reasonId: cyrillic });
  for (const [label, reasonId] of [['TOO FAR AWAY', far], ['too far away', far], ['ДОРОГО', cyrillic]]) {
    const err = await createReason(db.pool, { organizationId: org, label }).then(
      () => undefined,
      (e: unknown) => e as ReasonListError,
    );
    expect({ label, code: err?.code, reasonId: err?.reasonId }).toEqual({ label, code: 'DUPLICATE', reasonId });
  }
});
