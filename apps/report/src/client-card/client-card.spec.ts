import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { addReasonLabel, createReason, mergeReasons, retireReason } from '@comeback/reasons';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { ClientActivityService } from '../client-activity/client-activity.service';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { consoleSession } from '../testing/console-session';

const PASSWORD = 'long enough passphrase';

/**
 * The card's reason field on the organization's reason list (libs/reasons), over HTTP with real
 * PostgreSQL: only live reasons are offered, in the staff member's language; a near-duplicate
 * warns; a confirmed new reason is created once however many ask at once; a stale page's merged
 * reason resolves to its target; a retired reason cannot be chosen.
 */
describe('client card: the reason field and the reason list', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  /** The client timeline's event queue, where the report app's own outbox relay publishes (no consumer runs here). */
  let timeline: Queue;
  let orgId: string;
  let cookie: string;
  let csrf: string;
  const reason: Record<string, string> = {};
  const http = () => request(app.getHttpServer());

  /** A client with an open, passive episode and no reason yet. */
  async function lostClient(): Promise<{ client: string; episode: string }> {
    const client = await factories(db.pool).client(orgId);
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, usual_gap_days, lifetime_visits, lifetime_revenue, revenue_12m)
       VALUES ($1, $2, 'lapsed', now(), now(), now() - interval '60 days', (now() - interval '59 days')::date, 'passive', 'cadence', 14, 10, 100, 100) RETURNING id::text`,
      [orgId, client],
    );
    return { client, episode: rows[0].id };
  }

  const post = (c: { client: string; episode: string }, fields: Record<string, string>) =>
    http().post(`/console/clients/${c.client}/episodes/${c.episode}/reason`).set('Cookie', cookie).type('form').send({ _csrf: csrf, ...fields });
  const reasonOf = async (c: { episode: string }): Promise<string | null> =>
    (await db.pool.query<{ reason_id: string | null }>(`SELECT reason_id::text FROM churn_episodes WHERE id = $1`, [c.episode])).rows[0].reason_id;
  const suggest = async (q: string, language = 'en') =>
    (await http().get(`/console/reasons/suggest?q=${encodeURIComponent(q)}`).set('Cookie', cookie).set('Accept-Language', language).set('Accept', 'application/json').expect(200)).body as {
      suggestions: { id: string; label: string }[];
      nearDuplicates: { id: string; label: string }[];
      exact: { id: string } | null;
    };

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    timeline = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix: config.REDIS_PREFIX });
    orgId = (await factories(db.pool).organization({ name: 'Batumi Dental' })).id;
    for (const label of ['Too expensive', 'Moved away', 'Relocated', 'Rude receptionist', 'Opening hours']) {
      reason[label] = (await createReason(db.pool, { organizationId: orgId, label, locale: 'en' })).reason.id;
    }
    await addReasonLabel(db.pool, { organizationId: orgId, reasonId: reason['Too expensive'], locale: 'ru', label: 'Слишком дорого' });
    await mergeReasons(db.pool, { organizationId: orgId, fromId: reason.Relocated, intoId: reason['Moved away'] });
    await retireReason(db.pool, { organizationId: orgId, reasonId: reason['Rude receptionist'] });

    await createStaffAccount(db.pool, { organizationId: orgId, email: 'caller@batumi.test', displayName: 'Caller', role: 'caller', password: PASSWORD });
    ({ cookie, csrf } = await consoleSession(app, 'caller@batumi.test', PASSWORD));
  });

  afterAll(async () => {
    await app.close();
    await timeline.close();
    await redis.quit();
    await db.drop();
  });

  it('suggests only live reasons, ranked by the reason list, labelled in the staff member\'s language', async () => {
    // "Rude receptionist" is retired, "Relocated" merged into "Moved away": neither is offered.
    expect((await suggest('r')).suggestions.map((s) => s.label)).not.toContain('Rude receptionist');
    expect((await suggest('rude')).suggestions).toEqual([]);
    const relocated = await suggest('relocated');
    expect(relocated.suggestions.map((s) => s.id)).toEqual([reason['Moved away']]);
    expect(relocated.exact).toMatchObject({ id: reason['Moved away'], label: 'Moved away' });
    // Words, not just prefixes: the suggester knows the labels in every locale.
    expect((await suggest('дорого')).suggestions[0]).toMatchObject({ id: reason['Too expensive'], label: 'Too expensive' });
    expect((await suggest('too exp', 'ru')).suggestions[0]).toMatchObject({ id: reason['Too expensive'], label: 'Слишком дорого' });
    expect((await suggest('expensiv')).nearDuplicates.map((s) => s.label)).toEqual(['Too expensive']);

    // Without script, the page's list holds the live reasons only, in the staff member's language.
    const c = await lostClient();
    const page = await http().get(`/console/clients/${c.client}`).set('Cookie', cookie).set('Accept-Language', 'ru').expect(200);
    const datalist = /<datalist id="reason-list">(.*?)<\/datalist>/s.exec(page.text)![1];
    const options = [...datalist.matchAll(/<option value="([^"]*)">/g)].map((m) => m[1]);
    expect(options.sort()).toEqual(['Moved away', 'Opening hours', 'Слишком дорого'].sort());
  });

  it('warns on a near-duplicate and saves nothing; "use the existing one" and "create it" both work without script', async () => {
    const c = await lostClient();
    const warned = await post(c, { reason: 'expensive' }).expect(409);
    expect(warned.text).toContain('looks like a reason you already have');
    expect(warned.text).toContain(`name="useReason" value="${reason['Too expensive']}"`);
    expect(await reasonOf(c)).toBeNull();
    await post(c, { reason: 'expensive', useReason: reason['Too expensive'] }).expect(303);
    expect(await reasonOf(c)).toBe(reason['Too expensive']);

    const d = await lostClient();
    await post(d, { reason: 'Opening hours are too short' }).expect(409);
    await post(d, { reason: 'Opening hours are too short', confirmNew: '1' }).expect(303);
    const created = await db.pool.query<{ id: string }>(`SELECT id::text FROM churn_reasons WHERE organization_id = $1 AND label = 'Opening hours are too short'`, [orgId]);
    expect(created.rows).toHaveLength(1);
    expect(await reasonOf(d)).toBe(created.rows[0].id);
    // The timeline says so, naming the new reason.
    const activity = await db.pool.query(`SELECT kind, details FROM client_activities WHERE client_id = $1`, [d.client]);
    expect(activity.rows).toEqual([{ kind: 'reason.recorded', details: expect.objectContaining({ reasonId: created.rows[0].id, reason: 'Opening hours are too short', newReason: true }) }]);
  });

  it('creates a confirmed new reason once when two people save it at the same time', async () => {
    const [a, b] = [await lostClient(), await lostClient()];
    const answers = await Promise.all([
      post(a, { reason: 'The new dentist is too rough', confirmNew: '1' }),
      post(b, { reason: 'the new dentist is TOO rough!', confirmNew: '1' }),
    ]);
    expect(answers.map((r) => r.status)).toEqual([303, 303]);
    const rows = (await db.pool.query<{ id: string }>(`SELECT id::text FROM churn_reasons WHERE organization_id = $1 AND lower(label) LIKE 'the new dentist is too rough%'`, [orgId])).rows;
    expect(rows).toHaveLength(1);
    expect([await reasonOf(a), await reasonOf(b)]).toEqual([rows[0].id, rows[0].id]);
  });

  it("resolves a stale page's merged reason to the reason it was merged into", async () => {
    const hours = (await createReason(db.pool, { organizationId: orgId, label: 'Inconvenient hours' })).reason.id;
    const before = await lostClient();
    await post(before, { reason: 'opening hours' }).expect(303);
    const c = await lostClient();
    // The warning page offers "Opening hours" by its id...
    const page = await post(c, { reason: 'Opening hourz' }).expect(409);
    expect(page.text).toContain(`name="useReason" value="${reason['Opening hours']}"`);
    // ...and before staff click it, someone merges it into another reason.
    await mergeReasons(db.pool, { organizationId: orgId, fromId: reason['Opening hours'], intoId: hours });
    await post(c, { reason: 'Opening hourz', useReason: reason['Opening hours'] }).expect(303);
    expect(await reasonOf(c)).toBe(hours);
    // The merge's event, as the report app's relay published it, handled as the client-activity
    // consumer does: the timeline entry recorded before names the reason it is now, and says what
    // it was recorded as.
    const [event] = await publishedEvents(db.pool, timeline, EventName.ReasonMerged, { fromReasonId: reason['Opening hours'] });
    expect(event.payload).toMatchObject({ organizationId: orgId, fromReasonId: reason['Opening hours'], intoReasonId: hours });
    await app.get(ClientActivityService).recordMerge(event);
    const card = await http().get(`/console/clients/${before.client}`).set('Cookie', cookie).expect(200);
    expect(card.text).toContain('Reason recorded: Inconvenient hours. <small>(recorded as “Opening hours”, since merged into this reason)</small>');
  });

  it('refuses a retired reason, picked by id or typed, with the form again (409) and nothing saved; another organization\'s reason is not found', async () => {
    const c = await lostClient();
    const byId = await post(c, { reason: 'rude', useReason: reason['Rude receptionist'] }).expect(409);
    expect(byId.text).toContain('“Rude receptionist” is a retired reason and can no longer be chosen');
    expect(byId.text).toContain('value="rude"');
    const typed = await post(c, { reason: 'Rude receptionist', confirmNew: '1' }).expect(409);
    expect(typed.text).toContain('is a retired reason');
    expect(await reasonOf(c)).toBeNull();
    expect((await db.pool.query(`SELECT 1 FROM churn_reasons WHERE organization_id = $1 AND lower(label) = 'rude receptionist'`, [orgId])).rowCount).toBe(1);

    const other = await factories(db.pool).organization();
    const foreign = (await createReason(db.pool, { organizationId: other.id, label: 'Parking' })).reason.id;
    await post(c, { reason: 'Parking', useReason: foreign }).expect(404);
    await post(c, { reason: 'Parking', useReason: 'not-an-id' }).expect(400);
    expect(await reasonOf(c)).toBeNull();
  });
});
