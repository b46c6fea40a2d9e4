import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Pool } from 'pg';
import request from 'supertest';
import twilio from 'twilio';
import { factories, startPrivatePostgres, testRedisPrefix, waitFor, type PrivatePostgres } from '@comeback/testing';
import { linkedMessage, type LinkedMessage, reason } from '../feedback/testing/personal-link.fixture';
import { startTestCollector, type TestCollector } from '../testing/test-collector';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'outage-test-auth-token';
const ROOT = join(__dirname, '..', '..', '..', '..');

jest.setTimeout(120_000);

/**
 * The durable intake under a PostgreSQL outage, on a PostgreSQL server of the test's own: the
 * server is stopped while clients reply and answer the feedback page; every webhook is still
 * answered 200 and every well-formed answer thanked (the request waits in Redis), and once the
 * server is back every reply is on its client's card, once, and every answer whose link and reason
 * were good when it was sent is written (the latest of a link's answers), the others not.
 */
describe('replies and feedback answers while PostgreSQL is down', () => {
  let pg: PrivatePostgres;
  let pool: Pool;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let orgId: string;
  let otherOrgId: string;
  const prefix = testRedisPrefix();
  const clients: string[] = [];
  const reasons: Record<string, string> = {};
  const links: Record<string, LinkedMessage> = {};

  const reply = (n: number, from: string, body: string) => {
    const path = `/webhooks/twilio/sms?org=${orgId}`;
    const fields = { MessageSid: `SM${n.toString(16).padStart(32, '0')}`, From: from, Body: body };
    return request(app.getHttpServer()).post(path).type('form').send(fields).set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TOKEN, `${PUBLIC}${path}`, fields));
  };

  beforeAll(async () => {
    process.env.OUTAGE_TWILIO_TOKEN = TOKEN;
    pg = await startPrivatePostgres();
    const url = pg.url.replace(/\/postgres$/, '/comeback');
    execFileSync(process.execPath, ['bin/comeback.js', 'migrate', '--create-database'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
    pool = new Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined); // the server is stopped on purpose
    const make = factories(pool);
    orgId = (await make.organization({ name: 'Outage Clinic' })).id;
    otherOrgId = (await make.organization({ name: 'Another Clinic' })).id;
    reasons.price = await reason(pool, orgId, 'Too expensive');
    reasons.moved = await reason(pool, orgId, 'Moved away');
    reasons.retired = await reason(pool, orgId, 'Old building', { retired: true });
    reasons.foreign = await reason(pool, otherOrgId, 'Not ours');
    links.answered = await linkedMessage(pool, orgId, { clientLocale: 'ka' });
    links.expired = await linkedMessage(pool, orgId, { sentDaysAgo: 91 });
    links.revoked = await linkedMessage(pool, orgId, { revoked: true });
    links.retiredReason = await linkedMessage(pool, orgId);
    links.foreignReason = await linkedMessage(pool, orgId);
    await pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [
      orgId, { providers: { sms: { type: 'twilio', accountSid: `AC${'2'.repeat(32)}`, authTokenEnv: 'OUTAGE_TWILIO_TOKEN', from: '+995322000000' } } },
    ]);
    for (let i = 0; i < 10; i++) {
      const id = await make.client(orgId, { name: `Client ${i}`, phone: `+99559900${String(i).padStart(4, '0')}` });
      clients.push(id);
      await pool.query(`INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method) VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence')`, [orgId, id]);
    }
    collector = await startTestCollector({ DATABASE_URL: url, REDIS_PREFIX: prefix, PUBLIC_BASE_URL: PUBLIC, FEEDBACK_LINK_DAYS: '90' });
    app = collector.app;
  });
  afterAll(async () => {
    await collector?.close();
    await pool?.end();
    pg?.destroy();
    delete process.env.OUTAGE_TWILIO_TOKEN;
  });

  it('answers every reply while the database is stopped and puts each on its card, once, when it is back', async () => {
    // One reply while all is well (the app has met the organization's settings).
    await reply(1, '+995599000000', 'first').expect(200);
    await waitFor('the first reply', async () => (await pool.query(`SELECT 1 FROM replies`)).rowCount === 1);

    pg.stop();
    for (let i = 0; i < 10; i++) {
      await reply(100 + i, `+99559900${String(i).padStart(4, '0')}`, `reply ${i} during the outage`).expect(200);
    }
    // A provider retrying one of them while the database is still down: queued once.
    await reply(105, '+995599000005', 'reply 5 during the outage').expect(200);

    // Feedback answers: the form is checked, the link and the reason cannot be, so each well-formed
    // answer is thanked (in the visitor's language: the client's is in the database) and queued.
    const answer = (token: string, fields: Record<string, string>) =>
      request(app.getHttpServer()).post(`/f/${token}`).type('form').set('Accept-Language', 'ka,en;q=0.5').send(fields);
    const first = await answer(links.answered.token, { reason: reasons.price, text: 'ძალიან ძვირია', rating: '2' }).expect(200);
    expect(first.text).toContain('<html lang="ka" dir="ltr">');
    expect(first.text).not.toContain('Outage Clinic');
    await answer(links.answered.token, { reason: reasons.moved, text: 'გადავედი ქუთაისში', callMe: 'yes', callTime: 'evenings', rating: '3' }).expect(200);
    await answer(links.expired.token, { reason: reasons.price }).expect(200);
    await answer(links.revoked.token, { text: 'hello' }).expect(200);
    await answer('AAAAAAAAAAAAAAAAAAAAAAAA', { text: 'who knows' }).expect(200);
    await answer(links.retiredReason.token, { reason: reasons.retired }).expect(200);
    await answer(links.foreignReason.token, { reason: reasons.foreign }).expect(200);
    // A form that is not acceptable is still refused (it needs no database to tell), nothing queued.
    await answer(links.answered.token, { rating: '9' }).expect((res) => expect(res.status).toBeGreaterThanOrEqual(400));
    await new Promise((r) => setTimeout(r, 3000));
    pg.start();

    await waitFor('every reply on its card', async () => (await pool.query(`SELECT count(*)::int AS n FROM replies WHERE channel = 'sms'`)).rows[0].n === 11, 90_000);
    const { rows } = await pool.query<{ client_id: string; text: string; note: string }>(
      `SELECT r.client_id::text, r.text, e.reason_note AS note FROM replies r JOIN churn_episodes e ON e.id = r.episode_id WHERE r.text LIKE '%outage' ORDER BY r.client_id`,
    );
    expect(rows.map((r) => r.client_id)).toEqual([...clients].sort((a, b) => Number(a) - Number(b)));
    for (const r of rows) expect(r.note).toBe(r.text);
    expect((await pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'processed')::int AS done FROM inbound_requests WHERE source = 'twilio-sms'`)).rows[0]).toEqual({ n: 11, done: 11 });

    // The feedback answers taken during the outage (below) were written or refused by now too.
    await collector.settled(90_000);
    const answered = (
      await pool.query(`SELECT reason_id::text, free_text, call_me, call_time, rating FROM feedback_responses WHERE message_id = $1`, [links.answered.messageId])
    ).rows;
    // The link's later answer is the one kept; one response, one reply, the episode written back.
    expect(answered).toEqual([{ reason_id: reasons.moved, free_text: 'გადავედი ქუთაისში', call_me: true, call_time: 'evenings', rating: 3 }]);
    expect((await pool.query(`SELECT kind, reason_id::text, matched_by FROM replies WHERE message_id = $1`, [links.answered.messageId])).rows).toEqual([
      { kind: 'feedback', reason_id: reasons.moved, matched_by: 'form' },
    ]);
    expect((await pool.query(`SELECT reason_id::text, reason_channel FROM churn_episodes WHERE id = $1`, [links.answered.episodeId])).rows[0]).toEqual({ reason_id: reasons.moved, reason_channel: 'feedback' });
    expect((await pool.query(`SELECT count(*)::int AS n FROM call_tasks WHERE client_id = $1`, [links.answered.clientId])).rows[0].n).toBe(1);
    // Nothing for a dead link, an unknown one, or a reason the organization did not offer: each request says why.
    for (const m of [links.expired, links.revoked, links.retiredReason, links.foreignReason]) {
      expect((await pool.query(`SELECT 1 FROM feedback_responses WHERE message_id = $1 UNION ALL SELECT 1 FROM replies WHERE message_id = $1`, [m.messageId])).rowCount).toBe(0);
    }
    const notes = (await pool.query<{ status: string; error: string | null }>(`SELECT status, error FROM inbound_requests WHERE source = 'feedback' ORDER BY id`)).rows;
    expect(notes).toHaveLength(7);
    expect(notes.every((n) => n.status === 'processed')).toBe(true);
    // The link's two answers ran concurrently: both written in order, or the earlier one found the later applied.
    const superseded = 'not written: a later answer of this link was applied already';
    expect(notes.filter((n) => n.error === null || n.error === superseded)).toHaveLength(2);
    expect(notes.map((n) => n.error).filter((e): e is string => e !== null && e !== superseded).sort()).toEqual([
      'not written: no message has this link',
      'not written: the link was expired when the answer was sent',
      'not written: the link was revoked when the answer was sent',
      'not written: the reason is not one this organization offers',
      'not written: the reason is not one this organization offers',
    ]);
  });
});
