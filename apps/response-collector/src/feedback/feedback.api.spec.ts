import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { EventConsumer, EventName, eventQueueName, type InboundPayload } from '@comeback/contracts';
import { createStaffAccount } from '@comeback/accounts';
import { assignCallTask, recordCallOutcome } from '@comeback/call-list';
import { listReasons } from '@comeback/reasons';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { InboundProcessor } from '../intake/inbound.processor';
import { startTestCollector, type TestCollector } from '../testing/test-collector';
import { linkedMessage, type LinkedMessage, reason } from './testing/personal-link.fixture';

const LINK_DAYS = 30;
const ORG_NAME = 'Kutaisi Dental & Co';
const CLIENT_NAME = 'Ирина Секретова';

/**
 * The feedback page through the real app (HTTP, real PostgreSQL, the durable intake on the real
 * Redis and the inbound worker): the page in the client's language with the organization's main
 * reasons; unknown, expired and revoked links answered with one page that names no one; an answer
 * thanked at once and written by the worker in one transaction (response, reply, episode, reason
 * usage, call task, reason.recorded event, which the worker's own outbox relay publishes to the
 * client timeline's queue), updated, never duplicated, by a second submission; refused answers are
 * never queued and write nothing.
 */
describe('feedback page (GET|POST /f/:token)', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let redis: Redis;
  /** The client timeline's event queue (events.client-activity), where the worker's relay publishes; nothing consumes it here. */
  let timeline: Queue;
  let orgId: string;
  let otherOrgId: string;
  const reasons: Record<string, string> = {};

  const http = () => request(app.getHttpServer());
  const post = (token: string, fields: Record<string, string> | string) => http().post(`/f/${token}`).type('form').send(fields);
  /** A submission the page takes (200, thanked at once), once the inbound worker has written it. */
  const answer = async (token: string, fields: Record<string, string>) => {
    const res = await post(token, fields).expect(200);
    await collector.settled();
    return res;
  };
  const one = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params)).rows[0] as T;
  const count = async (sql: string, params: unknown[] = []) => (await one<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, params)).n;
  /** A reason's usage as the reason list counts it (its row's count and the replies naming it). */
  const usage = async (id: string) => {
    const { organization_id: org } = await one<{ organization_id: string }>(`SELECT organization_id FROM churn_reasons WHERE id = $1`, [id]);
    return (await listReasons(db.pool, org, { includeRetired: true })).find((r) => r.id === id)!.usageCount;
  };
  /** The reason.recorded events published for the client (none left in the outbox). */
  const recorded = (clientId: string) => publishedEvents(db.pool, timeline, EventName.ReasonRecorded, { clientId });
  /** Everything an answer writes, once whatever was queued is handled, for "nothing was written" checks. */
  const written = async (m: LinkedMessage) => ({
    queued: await collector.settled().then(() => count(`SELECT 1 FROM inbound_requests WHERE source = 'feedback' AND payload->>'messageId' = $1`, [m.messageId])),
    responses: await count(`SELECT 1 FROM feedback_responses WHERE message_id = $1`, [m.messageId]),
    replies: await count(`SELECT 1 FROM replies WHERE message_id = $1`, [m.messageId]),
    callTasks: await count(`SELECT 1 FROM call_tasks WHERE client_id = $1`, [m.clientId]),
    events: (await recorded(m.clientId)).length,
    repliedAt: (await one<{ replied_at: Date | null }>(`SELECT replied_at FROM messages WHERE id = $1`, [m.messageId])).replied_at,
    episode: m.episodeId ? await one(`SELECT reason_id, reason_note, reason_channel, reason_set_at FROM churn_episodes WHERE id = $1`, [m.episodeId]) : null,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = testRedisPrefix();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: prefix, FEEDBACK_LINK_DAYS: String(LINK_DAYS) });
    app = collector.app;
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    timeline = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix });
    const make = factories(db.pool);
    orgId = (await make.organization({ name: ORG_NAME, defaultLocale: 'ka', timezone: 'Asia/Tbilisi' })).id;
    otherOrgId = (await make.organization({ name: 'Other Clinic' })).id;
    // Seven current reasons (six are offered, by usage), a retired one used most, and a label with markup.
    reasons.price = await reason(db.pool, orgId, 'Too expensive', { usage: 40, labels: { ru: 'Слишком дорого', 'ru-ru': 'Дорого (RU)', ka: 'ძალიან ძვირია', ar: 'السعر مرتفع جداً' } });
    reasons.moved = await reason(db.pool, orgId, 'Moved away', { usage: 30, labels: { ru: 'Переехал(а)', ka: 'საცხოვრებლად გადავედი', ar: 'انتقلت إلى مكان آخر' } });
    reasons.wait = await reason(db.pool, orgId, 'Waited too long', { usage: 20 });
    reasons.staff = await reason(db.pool, orgId, 'My doctor left', { usage: 10 });
    reasons.markup = await reason(db.pool, orgId, '<img src=x onerror=alert(1)>', { usage: 5 });
    reasons.hours = await reason(db.pool, orgId, 'Opening hours', { usage: 3 });
    reasons.rare = await reason(db.pool, orgId, 'Parking', { usage: 1 });
    reasons.retired = await reason(db.pool, orgId, 'Old building', { usage: 99, retired: true });
    reasons.foreign = await reason(db.pool, otherOrgId, 'Other clinic reason', { usage: 50 });
  });

  afterAll(async () => {
    await collector?.close();
    await timeline?.close();
    await redis?.quit();
    await db?.drop();
  });

  it('opens in the client\'s language with the organization\'s six main current reasons (labels in that language), behind strict headers, and writes nothing', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ru-RU', messageLocale: 'ka', clientName: CLIENT_NAME });
    const res = await http().get(`/f/${m.token}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<html lang="ru" dir="ltr">');
    expect(res.text).toContain('Почему вы перестали к нам приходить?');
    expect(res.text).toContain('Kutaisi Dental &amp; Co');
    // Six reasons by usage; the retired and the other organization's are not offered; labels by region, then language, then the default.
    const offered = [...res.text.matchAll(/name="reason" value="(\d+)"/g)].map((x) => x[1]);
    expect(offered).toEqual([reasons.price, reasons.moved, reasons.wait, reasons.staff, reasons.markup, reasons.hours]);
    expect(res.text).toContain('Дорого (RU)');
    expect(res.text).toContain('Переехал(а)');
    expect(res.text).toContain('Waited too long');
    // Every value is escaped; no script at all; the client's name is not on the page.
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toContain(CLIENT_NAME);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("script-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['set-cookie']).toBeUndefined();
    const css = await http().get('/public-assets/public.css').expect(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=3600');
    expect(css.headers['content-security-policy']).toContain("default-src 'self'");
    await http().get('/public-assets/../feedback.service.ts').expect(404);
    expect(await written(m)).toMatchObject({ queued: 0, responses: 0, replies: 0, callTasks: 0, events: 0, repliedAt: null });
  });

  it('falls back from a language without a catalog to the message\'s, then the organization\'s, and lays Arabic out right to left', async () => {
    const german = await linkedMessage(db.pool, orgId, { clientLocale: 'de', messageLocale: 'ka' });
    const ka = await http().get(`/f/${german.token}`).expect(200);
    expect(ka.text).toContain('<html lang="ka" dir="ltr">');
    expect(ka.text).toContain('ძალიან ძვირია');
    const nobody = await linkedMessage(db.pool, orgId, { clientLocale: null, messageLocale: 'xx' });
    expect((await http().get(`/f/${nobody.token}`).expect(200)).text).toContain('<html lang="ka" dir="ltr">');
    const arabic = await linkedMessage(db.pool, orgId, { clientLocale: 'ar-EG' });
    const ar = await http().get(`/f/${arabic.token}`).expect(200);
    expect(ar.text).toContain('<html lang="ar" dir="rtl">');
    expect(ar.text).toContain('السعر مرتفع جداً');
  });

  it('answers 404 for an unknown link and 410 for an expired or revoked one, with the same page that names no one, and writes nothing', async () => {
    const unknown = await http().get('/f/AAAAAAAAAAAAAAAAAAAAAAAA').set('Accept-Language', 'en').expect(404);
    for (const token of ['x', 'not-a-token', 'A'.repeat(300), '%00%27%22']) await http().get(`/f/${token}`).set('Accept-Language', 'en').expect(404);
    const expired = await linkedMessage(db.pool, orgId, { sentDaysAgo: LINK_DAYS + 1, clientName: CLIENT_NAME });
    const neverSent = await linkedMessage(db.pool, orgId, { sentDaysAgo: null, queuedDaysAgo: LINK_DAYS + 2, clientName: CLIENT_NAME });
    const revoked = await linkedMessage(db.pool, orgId, { revoked: true, clientName: CLIENT_NAME });
    const stillValid = await linkedMessage(db.pool, orgId, { sentDaysAgo: LINK_DAYS - 1 });
    const pages = [unknown.text];
    for (const m of [expired, neverSent, revoked]) {
      const res = await http().get(`/f/${m.token}`).set('Accept-Language', 'en').expect(410);
      pages.push(res.text);
      // A submission to a gone link is refused the same way and writes nothing.
      await post(m.token, { reason: reasons.price, text: 'hello', callMe: 'yes' }).set('Accept-Language', 'en').expect(410);
      expect(await written(m)).toMatchObject({ queued: 0, responses: 0, replies: 0, callTasks: 0, events: 0, repliedAt: null, episode: { reason_id: null } });
    }
    await http().get(`/f/${stillValid.token}`).expect(200);
    // One page for every case: the generic text in every language, nothing about the client or the business.
    expect(new Set(pages).size).toBe(1);
    expect(unknown.text).toContain('This link does not work');
    expect(unknown.text).toContain('ეს ბმული არ მუშაობს');
    expect(unknown.text).toContain('lang="ar" dir="rtl"');
    expect(unknown.text).not.toContain('Kutaisi');
    expect(unknown.text).not.toContain(CLIENT_NAME);
    expect(unknown.headers['content-security-policy']).toContain("default-src 'self'");
    expect(unknown.headers['cache-control']).toBe('no-store');
    // The visitor's browser language comes first.
    const inArabic = await http().get('/f/AAAAAAAAAAAAAAAAAAAAAAAA').set('Accept-Language', 'ar,en;q=0.5').expect(404);
    expect(inArabic.text).toContain('<html lang="ar" dir="rtl">');
  });

  it('thanks at once and records an answer in one go, and a second submission updates it: one response, one reply, the episode written back, usage counted once, one call task', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ru' });
    const [priceBefore, movedBefore] = [await usage(reasons.price), await usage(reasons.moved)];
    // Full-width letters and digits are folded by NFKC; CR LF becomes LF.
    const first = await answer(m.token, { reason: reasons.price, text: '  Ｃｅｎｙ ｗｅｎｔ ｕｐ ２０％\r\nsorry  ', callMe: 'yes', callTime: ' after   18:00 ', rating: '4', submit: '' });
    expect(first.text).toContain('<html lang="ru" dir="ltr">');
    expect(first.text).toContain('Спасибо');
    expect(first.text).toContain('Мы вам позвоним. Удобное для вас время: \u2068after 18:00\u2069.');

    const response = await one(`SELECT organization_id, client_id::text, reason_id::text, free_text, call_me, call_time, rating, submitted_at, updated_at FROM feedback_responses WHERE message_id = $1`, [m.messageId]);
    expect(response).toMatchObject({ organization_id: orgId, client_id: m.clientId, reason_id: reasons.price, free_text: 'Ceny went up 20%\nsorry', call_me: true, call_time: 'after 18:00', rating: 4 });
    const reply = await one(`SELECT organization_id, client_id::text, episode_id::text, channel, kind, text, reason_id::text, matched_by, match_score, needs_review FROM replies WHERE message_id = $1`, [m.messageId]);
    expect(reply).toEqual({
      organization_id: orgId, client_id: m.clientId, episode_id: m.episodeId, channel: 'feedback', kind: 'feedback', text: 'Ceny went up 20%\nsorry',
      reason_id: reasons.price, matched_by: 'form', match_score: 1, needs_review: false,
    });
    const episode = await one<{ reason_id: string; reason_note: string; reason_channel: string; reason_set_at: Date | null; reason_set_by: string | null; churn_type: string }>(
      `SELECT reason_id::text, reason_note, reason_channel, reason_set_at, reason_set_by, churn_type FROM churn_episodes WHERE id = $1`,
      [m.episodeId],
    );
    expect(episode).toMatchObject({ reason_id: reasons.price, reason_note: 'Ceny went up 20%\nsorry', reason_channel: 'feedback', reason_set_by: null, churn_type: 'voluntary' });
    expect(episode.reason_set_at).toBeInstanceOf(Date);
    const repliedAt = (await written(m)).repliedAt;
    expect(repliedAt).toBeInstanceOf(Date);
    expect(await usage(reasons.price)).toBe(priceBefore + 1);
    const task = await one(
      `SELECT queue, source, status, preferred_time, episode_id::text, cycle::text = to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Tbilisi'), 'YYYY-MM-DD') AS this_cycle
         FROM call_tasks WHERE organization_id = $1 AND client_id = $2`,
      [orgId, m.clientId],
    );
    expect(task).toEqual({ queue: 'retention', source: 'asked', status: 'open', preferred_time: 'after 18:00', episode_id: m.episodeId, this_cycle: true });
    // The event, as the client timeline's consumer receives it; with the answer's request id (the
    // inbound job's correlation id), for the logs of its consumers.
    const replyRow = await one<{ id: string }>(`SELECT id::text FROM replies WHERE message_id = $1`, [m.messageId]);
    expect(await recorded(m.clientId)).toEqual([
      {
        id: expect.any(String), name: EventName.ReasonRecorded, occurredAt: expect.any(String),
        payload: { organizationId: orgId, clientId: m.clientId, episodeId: m.episodeId, replyId: replyRow.id }, correlationId: expect.any(String),
      },
    ]);

    // The page now shows the answer, to change it.
    const again = await http().get(`/f/${m.token}`).expect(200);
    expect(again.text).toContain('Вы ответили');
    expect(again.text).toMatch(new RegExp(`value="${reasons.price}" checked`));
    expect(again.text).toContain('Ceny went up 20%\nsorry</textarea>');

    // Changed: another reason, no words, no rating, another time.
    await answer(m.token, { reason: reasons.moved, text: '', callMe: 'yes', callTime: 'mornings', rating: '' });
    expect(await count(`SELECT 1 FROM feedback_responses WHERE message_id = $1`, [m.messageId])).toBe(1);
    const changed = await one<{ reason_id: string; free_text: string | null; rating: number | null; submitted_at: Date; updated_at: Date }>(
      `SELECT reason_id::text, free_text, rating, submitted_at, updated_at FROM feedback_responses WHERE message_id = $1`,
      [m.messageId],
    );
    expect(changed).toMatchObject({ reason_id: reasons.moved, free_text: null, rating: null });
    expect(changed.submitted_at.getTime()).toBe((response.submitted_at as Date).getTime());
    expect(changed.updated_at.getTime()).toBeGreaterThanOrEqual((response.updated_at as Date).getTime());
    expect(await count(`SELECT 1 FROM replies WHERE message_id = $1`, [m.messageId])).toBe(1);
    expect(await one(`SELECT reason_id::text, text, matched_by FROM replies WHERE message_id = $1`, [m.messageId])).toEqual({ reason_id: reasons.moved, text: null, matched_by: 'form' });
    // The episode takes the new reason and keeps the client's earlier words (none were sent this time).
    expect(await one(`SELECT reason_id::text, reason_note FROM churn_episodes WHERE id = $1`, [m.episodeId])).toEqual({ reason_id: reasons.moved, reason_note: 'Ceny went up 20%\nsorry' });
    expect([await usage(reasons.price), await usage(reasons.moved)]).toEqual([priceBefore, movedBefore + 1]);
    expect(await count(`SELECT 1 FROM call_tasks WHERE client_id = $1`, [m.clientId])).toBe(1);
    expect((await one<{ preferred_time: string }>(`SELECT preferred_time FROM call_tasks WHERE client_id = $1`, [m.clientId])).preferred_time).toBe('mornings');
    expect((await written(m)).repliedAt).toEqual(repliedAt);
    expect((await written(m)).events).toBe(2);

    // The same answer again counts nothing twice; taking back "call me" removes the open task it made.
    await answer(m.token, { reason: reasons.moved, callMe: 'yes', callTime: 'mornings' });
    expect(await usage(reasons.moved)).toBe(movedBefore + 1);
    await answer(m.token, { reason: reasons.moved });
    expect(await count(`SELECT 1 FROM call_tasks WHERE client_id = $1`, [m.clientId])).toBe(0);
    expect(await count(`SELECT 1 FROM feedback_responses WHERE message_id = $1`, [m.messageId])).toBe(1);
    expect(await count(`SELECT 1 FROM replies WHERE message_id = $1`, [m.messageId])).toBe(1);
  });

  it('reopens a call this cycle already reached when the client asks again, and sets it back to done when they take that back', async () => {
    const m = await linkedMessage(db.pool, orgId);
    await answer(m.token, { reason: reasons.price, callMe: 'yes', callTime: 'evenings' });
    const task = await one<{ id: string }>(`SELECT id::text FROM call_tasks WHERE client_id = $1`, [m.clientId]);
    const caller = (await createStaffAccount(db.pool, { organizationId: orgId, email: `caller-${m.messageId}@clinic.test`, displayName: 'Caller', role: 'caller', password: 'long enough passphrase' })).id;
    await assignCallTask(db.pool, orgId, task.id, caller, true);
    await recordCallOutcome(db.pool, { organizationId: orgId, taskId: task.id, recordedBy: caller, outcome: 'reached', reasonId: reasons.price, agreedToReturn: false });
    const state = () => one(`SELECT status, source, attempts, preferred_time, call_back_at FROM call_tasks WHERE id = $1`, [task.id]);
    expect(await state()).toMatchObject({ status: 'done', attempts: 1 });

    // Asked again after the call: to ring again, with the new time; the call made stays on the task.
    await answer(m.token, { reason: reasons.price, callMe: 'yes', callTime: 'weekends' });
    expect(await state()).toEqual({ status: 'open', source: 'asked', attempts: 1, preferred_time: 'weekends', call_back_at: null });
    expect(await count(`SELECT 1 FROM call_tasks WHERE client_id = $1`, [m.clientId])).toBe(1);

    // Taken back: the reached call is not lost (no delete), the task is done again.
    await answer(m.token, { reason: reasons.price });
    expect(await state()).toMatchObject({ status: 'done', attempts: 1 });
    expect(await count(`SELECT 1 FROM call_outcomes WHERE task_id = $1 AND outcome = 'reached'`, [task.id])).toBe(1);
  });

  it('applies simultaneous submissions of one link one after the other: still one response, one reply, one call task, usage counted once', async () => {
    const m = await linkedMessage(db.pool, orgId);
    const before = await usage(reasons.wait);
    const results = await Promise.all(Array.from({ length: 6 }, () => post(m.token, { reason: reasons.wait, callMe: 'yes' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await written(m)).toMatchObject({ queued: 6, responses: 1, replies: 1, callTasks: 1 });
    expect(await usage(reasons.wait)).toBe(before + 1);
  });

  it('applies a link\'s answers in the order they were sent, whatever order the worker meets them in', async () => {
    const m = await linkedMessage(db.pool, orgId);
    const processor = collector.worker!.get(InboundProcessor);
    const job = (key: string, sentAt: string, reasonId: string, text: string): InboundPayload => ({
      source: 'feedback',
      key,
      receivedAt: sentAt.replace(/\d{3}Z$/, 'Z'),
      payload: { checked: true, messageId: m.messageId, organizationId: orgId, sentAt, answer: { reasonId, text, callMe: false, callTime: null, rating: null } },
    });
    // The later answer reaches the worker first (jobs run concurrently); the earlier one then changes nothing but the first-answer time.
    expect(await processor.process(job('order-2', '2030-01-01T10:00:00.000002Z', reasons.moved, 'second'))).toBe('processed');
    expect(await processor.process(job('order-1', '2030-01-01T10:00:00.000001Z', reasons.price, 'first'))).toBe('processed');
    const row = await one<{ reason_id: string; free_text: string; submitted_at: Date; updated_at: Date }>(
      `SELECT reason_id::text, free_text, submitted_at, updated_at FROM feedback_responses WHERE message_id = $1`,
      [m.messageId],
    );
    expect(row).toMatchObject({ reason_id: reasons.moved, free_text: 'second' });
    expect([row.submitted_at.toISOString(), row.updated_at.toISOString()]).toEqual(['2030-01-01T10:00:00.000Z', '2030-01-01T10:00:00.000Z']);
    expect(await one(`SELECT reason_id::text, text FROM replies WHERE message_id = $1`, [m.messageId])).toEqual({ reason_id: reasons.moved, text: 'second' });
    expect((await db.pool.query(`SELECT idempotency_key, error FROM inbound_requests WHERE idempotency_key LIKE 'order-%' ORDER BY idempotency_key`)).rows).toEqual([
      { idempotency_key: 'order-1', error: 'not written: a later answer of this link was applied already' },
      { idempotency_key: 'order-2', error: null },
    ]);
    // Micro-seconds kept: the first answer's time is the earlier one.
    expect((await one<{ earlier: boolean }>(`SELECT submitted_at < updated_at AS earlier FROM feedback_responses WHERE message_id = $1`, [m.messageId])).earlier).toBe(true);
  });

  it('leaves the answer alone when an earlier one waited for the link\'s lock while a later one was written', async () => {
    const m = await linkedMessage(db.pool, orgId);
    const processor = collector.worker!.get(InboundProcessor);
    // Another transaction holds the message's lock and writes the later answer…
    const other = await db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM messages WHERE id = $1 FOR UPDATE`, [m.messageId]);
      const earlier = processor.process({
        source: 'feedback',
        key: 'waited-1',
        receivedAt: '2030-02-01T10:00:00.000Z',
        payload: { checked: true, messageId: m.messageId, organizationId: orgId, sentAt: '2030-02-01T10:00:00.000001Z', answer: { reasonId: reasons.price, text: 'earlier', callMe: false, callTime: null, rating: null } },
      });
      // …while the earlier answer waits for that lock.
      await waitFor('the earlier answer waiting for the lock', async () =>
        (await db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount! > 0,
      );
      await other.query(
        `INSERT INTO feedback_responses (message_id, organization_id, client_id, reason_id, free_text, submitted_at, updated_at) VALUES ($1, $2, $3, $4, 'later', $5, $5)`,
        [m.messageId, orgId, m.clientId, reasons.moved, '2030-02-01T10:00:00.000002Z'],
      );
      await other.query('COMMIT');
      expect(await earlier).toBe('processed');
    } finally {
      other.release();
    }
    expect(await one(`SELECT reason_id::text, free_text FROM feedback_responses WHERE message_id = $1`, [m.messageId])).toEqual({ reason_id: reasons.moved, free_text: 'later' });
    expect((await one<{ error: string }>(`SELECT error FROM inbound_requests WHERE idempotency_key = 'waited-1'`)).error).toBe('not written: a later answer of this link was applied already');
  });

  it('keeps free text the reason list cannot place as the client\'s words and a candidate for staff, and matches one it can', async () => {
    const m = await linkedMessage(db.pool, orgId);
    await answer(m.token, { text: 'Нашла клинику ближе к дому' });
    expect(await one(`SELECT reason_id, free_text FROM feedback_responses WHERE message_id = $1`, [m.messageId])).toEqual({ reason_id: null, free_text: 'Нашла клинику ближе к дому' });
    expect(await one(`SELECT reason_id, matched_by, match_score, needs_review, text FROM replies WHERE message_id = $1`, [m.messageId])).toEqual({
      reason_id: null, matched_by: null, match_score: null, needs_review: true, text: 'Нашла клинику ближе к дому',
    });
    expect(await one(`SELECT reason_id, reason_note, reason_channel FROM churn_episodes WHERE id = $1`, [m.episodeId])).toEqual({
      reason_id: null, reason_note: 'Нашла клинику ближе к дому', reason_channel: 'feedback',
    });
    expect((await written(m)).events).toBe(1);
    expect(await one(`SELECT sample_text, status FROM reason_candidates WHERE organization_id = $1 AND sample_text = $2`, [orgId, 'Нашла клинику ближе к дому'])).toEqual({ sample_text: 'Нашла клинику ближе к дому', status: 'open' });

    // Words the list knows (a label in Georgian) are matched to the reason.
    const known = await linkedMessage(db.pool, orgId);
    await answer(known.token, { text: 'ძალიან ძვირია!' });
    expect(await one(`SELECT reason_id::text, matched_by FROM replies WHERE message_id = $1`, [known.messageId])).toEqual({ reason_id: reasons.price, matched_by: 'alias' });
    expect(await one(`SELECT reason_id::text FROM churn_episodes WHERE id = $1`, [known.episodeId])).toEqual({ reason_id: reasons.price });

    // A client the campaign had no episode for: the answer is kept, nothing to write back.
    const noEpisode = await linkedMessage(db.pool, orgId, { episode: false });
    await answer(noEpisode.token, { text: 'just a rating and words', rating: '2' });
    expect(await written(noEpisode)).toMatchObject({ responses: 1, replies: 1, events: 0, callTasks: 0, episode: null });
  });

  it('refuses another organization\'s reason, a retired one and malformed fields with 400 and the form again, writing nothing', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'en' });
    const foreignBefore = await usage(reasons.foreign);
    const refused: [Record<string, string> | string, string][] = [
      [{ reason: reasons.foreign, text: 'mine' }, 'Please choose one of the reasons listed.'],
      [{ reason: reasons.retired }, 'Please choose one of the reasons listed.'],
      [{ reason: '1 OR 1=1' }, 'Please choose one of the reasons listed.'],
      [{ text: 'x'.repeat(2001) }, 'Please keep your words under 2,000 characters.'],
      [{ reason: reasons.price, callMe: 'yes', callTime: 'y'.repeat(101) }, 'Please keep the time under 100 characters.'],
      [{ reason: reasons.price, rating: '6' }, 'Please choose a rating from 1 to 5, or no rating.'],
      [{ text: '   ', rating: '' }, 'Please choose a reason, write a few words, or let us call you.'],
      [`reason=${reasons.price}&reason=${reasons.moved}`, 'The form did not arrive complete. Please try again.'],
    ];
    for (const [fields, problem] of refused) {
      const res = await post(m.token, fields).expect(400);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain(problem);
    }
    // What was typed is shown again, escaped.
    const kept = await post(m.token, { reason: reasons.foreign, text: '<script>alert(1)</script>' }).expect(400);
    expect(kept.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
    expect(kept.text).not.toContain('<script>alert');
    expect(kept.text).not.toContain('Other clinic reason');
    expect(await written(m)).toEqual({ queued: 0, responses: 0, replies: 0, callTasks: 0, events: 0, repliedAt: null, episode: { reason_id: null, reason_note: null, reason_channel: null, reason_set_at: null } });
    expect(await usage(reasons.foreign)).toBe(foreignBefore);
    // 2,000 characters are fine, counted as characters (an emoji is one, not two UTF-16 units).
    await answer(m.token, { text: '😀'.repeat(2000) });
    expect([...(await one<{ free_text: string }>(`SELECT free_text FROM feedback_responses WHERE message_id = $1`, [m.messageId])).free_text]).toHaveLength(2000);
  });
});
