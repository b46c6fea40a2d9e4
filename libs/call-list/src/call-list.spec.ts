import { createStaffAccount } from '@comeback/accounts';
import { createReason } from '@comeback/reasons';
import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import {
  assignCallTask,
  callListSummary,
  callTask,
  generateCallList,
  listCallTasks,
  recordCallOutcome,
  setCallListTopN,
  type CallListError,
} from './index';

let db: TestDatabase;
let make: ReturnType<typeof factories>;

beforeAll(async () => {
  db = await createTestDatabase();
  make = factories(db.pool);
});
afterAll(() => db.drop());

interface LostClient {
  revenue: number;
  phone?: string | null;
  email?: string | null;
  consent?: Partial<Record<'sms' | 'email' | 'viber' | 'voice', 'granted' | 'revoked' | 'unknown'>>;
  status?: 'lapsed' | 'at_risk' | 'returned';
}

/** A client with an episode (lapsed unless said); returns [clientId, episodeId]. */
async function lost(org: string, c: LostClient): Promise<[string, string]> {
  const phone = c.phone === undefined ? `+99559${Math.floor(1_000_000 + Math.random() * 8_999_999)}` : c.phone;
  const clientId = await make.client(org, { name: `Client ${c.revenue}`, ...(phone ? { phone } : {}) });
  const consent = { sms: 'unknown', email: 'unknown', viber: 'unknown', voice: 'unknown', ...c.consent };
  await db.pool.query(
    `UPDATE clients SET email = $3, consent_sms = $4, consent_email = $5, consent_viber = $6, consent_voice = $7 WHERE organization_id = $1 AND id = $2`,
    [org, clientId, c.email ?? null, consent.sms, consent.email, consent.viber, consent.voice],
  );
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method, revenue_12m)
     VALUES ($1, $2, $3, now() - interval '5 days', now() - interval '90 days', 'cadence', $4) RETURNING id::text`,
    [org, clientId, c.status ?? 'lapsed', c.revenue],
  );
  return [clientId, rows[0].id];
}

async function tasks(org: string) {
  return (
    await db.pool.query<{ client_id: string; queue: string; source: string; status: string; value: number | null }>(
      `SELECT client_id::text, queue, source, status, value_at_creation::float8 AS value FROM call_tasks WHERE organization_id = $1 ORDER BY value_at_creation DESC NULLS LAST`,
      [org],
    )
  ).rows;
}

async function rejection(promise: Promise<unknown>): Promise<CallListError> {
  try {
    await promise;
  } catch (err) {
    return err as CallListError;
  }
  throw new Error('expected a rejection');
}

async function account(org: string, role: 'caller' | 'admin' = 'caller') {
  return createStaffAccount(db.pool, { organizationId: org, email: `${role}-${Math.random().toString(36).slice(2)}@clinic.test`, displayName: `${role} person`, role, password: 'long enough passphrase' });
}

/** A task row for a client on the current cycle, as the feedback page writes one ("may we call you?"). */
async function askedTask(org: string, clientId: string, episodeId: string): Promise<void> {
  await db.pool.query(
    `INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, preferred_time)
     SELECT o.id, $2, $3, (date_trunc('month', now() AT TIME ZONE o.timezone))::date, 'retention', 'asked', 'evenings' FROM organizations o WHERE o.id = $1`,
    [org, clientId, episodeId],
  );
}

describe('generateCallList', () => {
  it('gives managers the top N lapsed clients a person can ring, by 12-month revenue, once per cycle', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 3);
    const [c900] = await lost(org, { revenue: 900 });
    const [c800] = await lost(org, { revenue: 800 });
    await lost(org, { revenue: 5000, phone: null, email: 'a@b.test' }); // nobody can ring them
    await lost(org, { revenue: 4000, consent: { voice: 'revoked' } }); // refused calls
    await lost(org, { revenue: 3000, status: 'at_risk' }); // not lost yet
    await lost(org, { revenue: 2000, status: 'returned' }); // came back
    const [c700] = await lost(org, { revenue: 700 });
    await lost(org, { revenue: 600 });

    const first = await generateCallList(db.pool, org);
    expect(first.managers).toBe(3);
    expect(first.cycle).toMatch(/^\d{4}-\d{2}-01$/);
    const managers = (await tasks(org)).filter((t) => t.queue === 'managers');
    expect(managers.map((t) => t.client_id)).toEqual([c900, c800, c700]);
    expect(managers.every((t) => t.source === 'top_value')).toBe(true);

    // Running again adds nobody: the cycle's top N are chosen; a richer client appearing later does not reshuffle them.
    await lost(org, { revenue: 10_000 });
    const again = await generateCallList(db.pool, org);
    expect(again.managers).toBe(0);
    expect((await tasks(org)).filter((t) => t.queue === 'managers')).toHaveLength(3);

    // Raising N tops the list up with the next most valuable.
    await setCallListTopN(db.pool, org, 4);
    expect((await generateCallList(db.pool, org)).managers).toBe(1);
    expect((await tasks(org)).filter((t) => t.queue === 'managers')[0].value).toBe(10_000);
  });

  it('moves a client who asked for a call to the managers when they are among the most valuable, but never a task already worked', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 1);
    const [rich, richEpisode] = await lost(org, { revenue: 1000 });
    await askedTask(org, rich, richEpisode);
    await generateCallList(db.pool, org);
    const [moved] = await tasks(org);
    expect(moved).toMatchObject({ client_id: rich, queue: 'managers', source: 'asked' });

    const org2 = (await make.organization()).id;
    await setCallListTopN(db.pool, org2, 1);
    const [worked, workedEpisode] = await lost(org2, { revenue: 1000 });
    const [other] = await lost(org2, { revenue: 10 });
    await askedTask(org2, worked, workedEpisode);
    const caller = await account(org2);
    const task = (await listCallTasks(db.pool, org2, { queue: 'retention', view: 'to_call' })).rows[0];
    await recordCallOutcome(db.pool, { organizationId: org2, taskId: task.id, recordedBy: caller.id, outcome: 'no_answer' });
    await generateCallList(db.pool, org2);
    const after = await tasks(org2);
    expect(after.find((t) => t.client_id === worked)).toMatchObject({ queue: 'retention', status: 'no_answer' });
    expect(after.find((t) => t.client_id === other)).toMatchObject({ queue: 'managers' });
  });

  it('gives the retention team the lost clients nothing written can reach', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 0);
    const [stopped] = await lost(org, { revenue: 50, consent: { sms: 'revoked' } }); // phone only, texts refused
    await lost(org, { revenue: 60, consent: { sms: 'revoked' }, email: 'still@reachable.test' }); // e-mail still works
    await lost(org, { revenue: 70 }); // texts still work
    const [bounced] = await lost(org, { revenue: 80, email: 'dead@mailbox.test' });
    const [partly] = await lost(org, { revenue: 90 });
    await lost(org, { revenue: 40, consent: { sms: 'revoked', voice: 'revoked' } }); // refused calls too
    const campaign = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels) VALUES ($1, 'c', 'running', 'ask', '{sms,email}') RETURNING id::text`,
        [org],
      )
    ).rows[0].id;
    const message = (clientId: string, channel: string, status: string) =>
      db.pool.query(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status) VALUES ($1, $2, $3, $4, 'address', 'ka', '{"text":"x"}', $5)`,
        [org, campaign, clientId, channel, status],
      );
    await message(bounced, 'sms', 'undelivered');
    await message(bounced, 'email', 'failed');
    await message(partly, 'sms', 'failed');
    await message(partly, 'email', 'delivered');

    const made = await generateCallList(db.pool, org);
    expect(made).toMatchObject({ managers: 0, retention: 2 });
    const retention = await tasks(org);
    expect(retention.map((t) => [t.client_id, t.queue, t.source]).sort()).toEqual(
      [
        [stopped, 'retention', 'unreachable'],
        [bounced, 'retention', 'unreachable'],
      ].sort(),
    );
  });

  it('adds exactly N when two runs race', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 5);
    for (let i = 0; i < 12; i++) await lost(org, { revenue: 100 + i });
    const runs = await Promise.all([generateCallList(db.pool, org), generateCallList(db.pool, org), generateCallList(db.pool, org)]);
    expect(runs.reduce((n, r) => n + r.managers, 0)).toBe(5);
    expect((await tasks(org)).filter((t) => t.queue === 'managers')).toHaveLength(5);
  });

  it("uses the organization's own month: the cycle is its local month, whatever UTC says", async () => {
    for (const timezone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Tbilisi']) {
      const org = (await make.organization({ timezone })).id;
      const local = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit' }).format(new Date());
      expect((await generateCallList(db.pool, org)).cycle).toBe(`${local}-01`);
    }
  });

  it('carries unfinished calls into the next cycle once, and closes what cannot be carried', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 3);
    const [a] = await lost(org, { revenue: 300 });
    const [b] = await lost(org, { revenue: 200 });
    const [c, cEpisode] = await lost(org, { revenue: 100 });
    await generateCallList(db.pool, org);
    const caller = await account(org);
    const ids = Object.fromEntries((await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows.map((r) => [r.clientId, r.id]));
    // a: a call-back next week; b: not answered three times; c: came back.
    await recordCallOutcome(db.pool, { organizationId: org, taskId: ids[a], recordedBy: caller.id, outcome: 'call_back', callBackAt: new Date(Date.now() + 7 * 86_400_000) });
    for (let i = 0; i < 3; i++) await recordCallOutcome(db.pool, { organizationId: org, taskId: ids[b], recordedBy: caller.id, outcome: 'no_answer' });
    await db.pool.query(`UPDATE churn_episodes SET status = 'returned', returned_at = now() WHERE id = $1`, [cEpisode]);
    // The month ends.
    await db.pool.query(`UPDATE call_tasks SET cycle = (cycle - interval '1 month')::date WHERE organization_id = $1`, [org]);

    const next = await generateCallList(db.pool, org);
    expect(next).toMatchObject({ carried: 1, closed: 2 });
    const rows = await db.pool.query<{ client_id: string; status: string; current: boolean }>(
      `SELECT t.client_id::text, t.status, t.cycle = (date_trunc('month', now() AT TIME ZONE o.timezone))::date AS current
         FROM call_tasks t JOIN organizations o ON o.id = t.organization_id WHERE t.organization_id = $1 AND t.client_id = ANY($2::bigint[])`,
      [org, [a, b, c]],
    );
    const byClient = Object.fromEntries(rows.rows.map((r) => [r.client_id, r]));
    expect(byClient[a]).toEqual({ client_id: a, status: 'call_back', current: true });
    expect(byClient[b]).toMatchObject({ status: 'closed', current: false });
    expect(byClient[c]).toMatchObject({ status: 'closed', current: false });
    // The carried call-back is one of this cycle's three: the list does not ring a (or b) twice.
    const managers = await db.pool.query(`SELECT client_id::text FROM call_tasks t JOIN organizations o ON o.id = t.organization_id
      WHERE t.organization_id = $1 AND t.queue = 'managers' AND t.cycle = (date_trunc('month', now() AT TIME ZONE o.timezone))::date`, [org]);
    expect(managers.rows.map((r) => r.client_id).filter((id) => id === a)).toHaveLength(1);
    expect((await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows.filter((r) => r.clientId === a)).toHaveLength(1);
    // A second run carries nothing more.
    expect(await generateCallList(db.pool, org)).toMatchObject({ carried: 0, closed: 0, managers: 0 });
  });

  it("folds an earlier cycle's call-back into the task a client already has this cycle", async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 0);
    const [clientId, episodeId] = await lost(org, { revenue: 100, consent: { sms: 'revoked' } });
    await generateCallList(db.pool, org);
    const caller = await account(org);
    const old = (await listCallTasks(db.pool, org, { queue: 'retention', view: 'to_call' })).rows[0].id;
    const at = new Date(Date.now() + 3 * 86_400_000);
    await recordCallOutcome(db.pool, { organizationId: org, taskId: old, recordedBy: caller.id, outcome: 'call_back', callBackAt: at });
    await db.pool.query(`UPDATE call_tasks SET cycle = (cycle - interval '1 month')::date WHERE id = $1`, [old]);
    // Before the sweep, the client asks for a call on the feedback page: a new task this cycle.
    await askedTask(org, clientId, episodeId);
    await generateCallList(db.pool, org);
    const rows = (await listCallTasks(db.pool, org, { queue: 'retention', view: 'to_call' })).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'asked', status: 'call_back', preferredTime: 'evenings' });
    expect(new Date(rows[0].callBackAt!).getTime()).toBe(at.getTime());
    // The earlier call is in the client's history on the new task's card.
    expect((await callTask(db.pool, org, rows[0].id)).calls).toMatchObject([{ outcome: 'call_back', thisTask: false }]);
  });

  it('does not list again for 90 days a client a call settled (reached, do not call, wrong number)', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 3);
    const [reached] = await lost(org, { revenue: 300 });
    const [stop] = await lost(org, { revenue: 200 });
    const [wrong] = await lost(org, { revenue: 100 });
    await generateCallList(db.pool, org);
    const caller = await account(org);
    const ids = Object.fromEntries((await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows.map((r) => [r.clientId, r.id]));
    await recordCallOutcome(db.pool, { organizationId: org, taskId: ids[reached], recordedBy: caller.id, outcome: 'reached', agreedToReturn: false });
    await recordCallOutcome(db.pool, { organizationId: org, taskId: ids[stop], recordedBy: caller.id, outcome: 'do_not_call' });
    await recordCallOutcome(db.pool, { organizationId: org, taskId: ids[wrong], recordedBy: caller.id, outcome: 'wrong_number', note: 'a bakery answered' });
    expect((await db.pool.query(`SELECT consent_voice FROM clients WHERE organization_id = $1 AND id = $2`, [org, stop])).rows[0].consent_voice).toBe('revoked');
    expect((await listCallTasks(db.pool, org, { queue: 'managers', view: 'closed' })).rows.map((r) => r.clientId).sort()).toEqual([stop, wrong].sort());
    await db.pool.query(`UPDATE call_tasks SET cycle = (cycle - interval '1 month')::date WHERE organization_id = $1`, [org]);
    const [fresh] = await lost(org, { revenue: 50 });
    await generateCallList(db.pool, org);
    const listed = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows.map((r) => r.clientId);
    expect(listed).toEqual([fresh]);
  });

  it('refuses a top N outside 0–500', async () => {
    const org = (await make.organization()).id;
    expect((await rejection(setCallListTopN(db.pool, org, 501))).code).toBe('INVALID_INPUT');
    expect((await rejection(setCallListTopN(db.pool, org, 2.5))).code).toBe('INVALID_INPUT');
  });
});

describe('recording a call', () => {
  async function listed(revenue = 500) {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 1);
    const [clientId, episodeId] = await lost(org, { revenue });
    await generateCallList(db.pool, org);
    const task = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows[0];
    const caller = await account(org);
    return { org, clientId, episodeId, taskId: task.id, caller };
  }

  it('reached: writes the call, closes the task, puts the reason on the episode (a new reason once) and the call on the timeline', async () => {
    const { org, clientId, episodeId, taskId, caller } = await listed();
    const result = await recordCallOutcome(db.pool, {
      organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached',
      reasonLabel: 'Moved to another city', confirmNewReason: true, clientWords: 'Мы переехали в Батуми', offerMade: 'Video consultation', agreedToReturn: true, note: 'Call in spring',
    });
    expect(result).toMatchObject({ saved: true, status: 'done', newReason: true });
    const episode = (await db.pool.query(`SELECT reason_id::text, reason_note, reason_set_by::text FROM churn_episodes WHERE id = $1`, [episodeId])).rows[0];
    expect(episode).toEqual({ reason_id: result.saved ? result.reasonId : null, reason_note: 'Мы переехали в Батуми', reason_set_by: caller.id });
    const card = await callTask(db.pool, org, taskId);
    expect(card).toMatchObject({ status: 'done', attempts: 1, agreedToReturn: true, reason: 'Moved to another city', offerMade: 'Video consultation', assignedTo: caller.id });
    expect(card.calls).toHaveLength(1);
    expect(card.calls[0]).toMatchObject({ outcome: 'reached', clientWords: 'Мы переехали в Батуми', by: 'caller person' });
    const timeline = (await db.pool.query<{ kind: string }>(`SELECT kind FROM client_activities WHERE organization_id = $1 AND client_id = $2 ORDER BY id`, [org, clientId])).rows.map((r) => r.kind);
    expect(timeline).toEqual(['reason.recorded', 'call.agreed']);
    // Done calls leave the to-call view and appear under reached, counted in the summary.
    expect((await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows).toHaveLength(0);
    expect((await listCallTasks(db.pool, org, { queue: 'managers', view: 'done' })).rows.map((r) => r.id)).toEqual([taskId]);
    expect((await callListSummary(db.pool, org)).queues.managers).toMatchObject({ total: 1, toCall: 0, done: 1, agreed: 1 });
    // A later call that confirms the reason without new words keeps the words on the episode.
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonLabel: 'moved to another CITY' });
    expect((await db.pool.query(`SELECT reason_note FROM churn_episodes WHERE id = $1`, [episodeId])).rows[0].reason_note).toBe('Мы переехали в Батуми');
    expect((await callTask(db.pool, org, taskId)).attempts).toBe(2);
  });

  it('a typed reason close to an existing one saves nothing and offers the existing one', async () => {
    const { org, episodeId, taskId, caller } = await listed();
    const price = (await createReason(db.pool, { organizationId: org, label: 'Too expensive' })).reason.id;
    const result = await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonLabel: 'Too expensiv' });
    expect(result.saved).toBe(false);
    if (!result.saved) expect(result.nearDuplicates.map((r) => r.id)).toContain(price);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM call_outcomes WHERE task_id = $1`, [taskId])).rows[0].n).toBe(0);
    expect((await db.pool.query(`SELECT reason_id FROM churn_episodes WHERE id = $1`, [episodeId])).rows[0].reason_id).toBeNull();
    // Picking the existing reason by id saves it.
    const picked = await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonId: price });
    expect(picked).toMatchObject({ saved: true, reasonId: price, newReason: false });
  });

  it('call back later and no answer keep the task on the list, in calling order', async () => {
    const { org, taskId, caller } = await listed();
    const soon = new Date(Date.now() + 3_600_000);
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'call_back', callBackAt: soon });
    let row = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows[0];
    expect(row).toMatchObject({ id: taskId, status: 'call_back', due: false, attempts: 1 });
    expect(new Date(row.callBackAt!).getTime()).toBe(soon.getTime());
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'no_answer' });
    row = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows[0];
    expect(row).toMatchObject({ status: 'no_answer', callBackAt: null, attempts: 2 });
    expect((await callTask(db.pool, org, taskId)).calls.map((c) => c.outcome)).toEqual(['no_answer', 'call_back']);
  });

  it('lists due call-backs first, then new calls by value, then unanswered', async () => {
    const org = (await make.organization()).id;
    await setCallListTopN(db.pool, org, 4);
    for (const revenue of [400, 300, 200, 100]) await lost(org, { revenue });
    await generateCallList(db.pool, org);
    const caller = await account(org);
    const [t400, t300, t200, t100] = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows.map((r) => r.id);
    await recordCallOutcome(db.pool, { organizationId: org, taskId: t400, recordedBy: caller.id, outcome: 'no_answer' });
    await recordCallOutcome(db.pool, { organizationId: org, taskId: t100, recordedBy: caller.id, outcome: 'call_back', callBackAt: new Date(Date.now() + 30_000) });
    // The call-back's time comes.
    await db.pool.query(`UPDATE call_tasks SET call_back_at = now() - interval '1 minute' WHERE id = $1`, [t100]);
    const order = (await listCallTasks(db.pool, org, { queue: 'managers', view: 'to_call' })).rows;
    expect(order.map((r) => r.id)).toEqual([t100, t300, t200, t400]);
    expect(order[0].due).toBe(true);
    expect((await callListSummary(db.pool, org)).queues.managers).toMatchObject({ toCall: 4, due: 1 });
  });

  it('refuses what does not fit the outcome, by field, and changes nothing', async () => {
    const { org, taskId, caller } = await listed();
    const base = { organizationId: org, taskId, recordedBy: caller.id };
    const cases: [Parameters<typeof recordCallOutcome>[1], string][] = [
      [{ ...base, outcome: 'no_answer', reasonLabel: 'Too far' }, 'reason'],
      [{ ...base, outcome: 'call_back', agreedToReturn: true, callBackAt: new Date(Date.now() + 60_000) }, 'agreedToReturn'],
      [{ ...base, outcome: 'call_back' }, 'callBackAt'],
      [{ ...base, outcome: 'call_back', callBackAt: new Date(Date.now() - 3_600_000) }, 'callBackAt'],
      [{ ...base, outcome: 'call_back', callBackAt: new Date(Date.now() + 400 * 86_400_000) }, 'callBackAt'],
      [{ ...base, outcome: 'reached', callBackAt: new Date(Date.now() + 60_000) }, 'callBackAt'],
      [{ ...base, outcome: 'reached', reasonId: '1', reasonLabel: 'Too far' }, 'reason'],
      [{ ...base, outcome: 'reached', note: 'x'.repeat(2001) }, 'note'],
    ];
    for (const [input, field] of cases) {
      const err = await rejection(recordCallOutcome(db.pool, input));
      expect({ code: err.code, field: err.field }).toEqual({ code: 'INVALID_INPUT', field });
    }
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM call_outcomes WHERE task_id = $1`, [taskId])).rows[0].n).toBe(0);
    expect((await callTask(db.pool, org, taskId)).status).toBe('open');
  });

  it('refuses a call on a task another caller holds, on a closed or reached task, and a stale form', async () => {
    const { org, taskId, caller } = await listed();
    const second = await account(org);
    await assignCallTask(db.pool, org, taskId, caller.id, true);
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: second.id, outcome: 'no_answer' }))).toMatchObject({ code: 'INVALID_STATE' });
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'no_answer', expectedAttempts: 0 });
    // A form opened before that call (attempts 0) is stale now.
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'no_answer', expectedAttempts: 0 }))).toMatchObject({ code: 'INVALID_STATE' });
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', agreedToReturn: true, expectedAttempts: 1 });
    // Reached: only another "reached" corrects it; "no answer" now would undo the agreement.
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'no_answer' }))).toMatchObject({ code: 'INVALID_STATE', field: 'outcome' });
    await recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', agreedToReturn: false });
    expect(await callTask(db.pool, org, taskId)).toMatchObject({ status: 'done', agreedToReturn: false, attempts: 3 });
    // Give-back by someone else needs the override (whoever runs the list).
    expect(await rejection(assignCallTask(db.pool, org, taskId, second.id, false))).toMatchObject({ code: 'INVALID_STATE' });
    await assignCallTask(db.pool, org, taskId, second.id, false, true);
    expect((await callTask(db.pool, org, taskId)).assignedTo).toBeNull();
  });

  it("turns the reason list's refusals into the reason field's, and saves nothing", async () => {
    const { org, taskId, caller } = await listed();
    const other = (await make.organization()).id;
    const foreign = (await createReason(db.pool, { organizationId: other, label: 'Too far' })).reason.id;
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonId: foreign }))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonLabel: '!!!' }))).toMatchObject({ code: 'INVALID_INPUT', field: 'reason' });
    const retired = (await createReason(db.pool, { organizationId: org, label: 'Rude receptionist' })).reason.id;
    await db.pool.query(`UPDATE churn_reasons SET retired_at = now() WHERE id = $1`, [retired]);
    expect(await rejection(recordCallOutcome(db.pool, { organizationId: org, taskId, recordedBy: caller.id, outcome: 'reached', reasonLabel: 'rude receptionist' }))).toMatchObject({ code: 'INVALID_STATE', field: 'reason' });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM call_outcomes WHERE task_id = $1`, [taskId])).rows[0].n).toBe(0);
  });

  it("never touches another organization's task", async () => {
    const { taskId } = await listed();
    const other = (await make.organization()).id;
    const intruder = await account(other, 'admin');
    expect((await rejection(recordCallOutcome(db.pool, { organizationId: other, taskId, recordedBy: intruder.id, outcome: 'no_answer' }))).code).toBe('NOT_FOUND');
    expect((await rejection(callTask(db.pool, other, taskId))).code).toBe('NOT_FOUND');
    expect((await rejection(assignCallTask(db.pool, other, taskId, intruder.id, true))).code).toBe('NOT_FOUND');
  });

  it('one caller at a time: a task someone took cannot be taken or given back by another', async () => {
    const { org, taskId, caller } = await listed();
    const second = await account(org);
    await assignCallTask(db.pool, org, taskId, caller.id, true);
    expect((await rejection(assignCallTask(db.pool, org, taskId, second.id, true))).code).toBe('INVALID_STATE');
    expect((await rejection(assignCallTask(db.pool, org, taskId, second.id, false))).code).toBe('INVALID_STATE');
    expect((await callTask(db.pool, org, taskId)).assignedTo).toBe(caller.id);
    await assignCallTask(db.pool, org, taskId, caller.id, false);
    await assignCallTask(db.pool, org, taskId, second.id, true);
    expect((await callTask(db.pool, org, taskId)).assignee).toBe('caller person');
  });
});
