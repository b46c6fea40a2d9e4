import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import request from 'supertest';
import twilio from 'twilio';
import { loadConfig } from '@comeback/config';
import { QueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { factories, startPrivatePostgres, TEST_REDIS_URL, testRedisPrefix, waitFor, type PrivatePostgres } from '@comeback/testing';
import { RESPONSE_COLLECTOR_ENV } from '../config';
import { responseCollectorAppOptions } from '../response-collector-app';

const PUBLIC = 'https://answers.example.test';
const TOKEN = 'outage-test-auth-token';
const ROOT = join(__dirname, '..', '..', '..', '..');

jest.setTimeout(120_000);

/**
 * The durable intake under a PostgreSQL outage, on a PostgreSQL server of the test's own: the
 * server is stopped while clients reply; every webhook is still answered 200 (the request waits in
 * Redis), and once the server is back every reply is on its client's card, once.
 */
describe('replies while PostgreSQL is down', () => {
  let pg: PrivatePostgres;
  let pool: Pool;
  let app: NestExpressApplication;
  let redis: Redis;
  let orgId: string;
  const prefix = testRedisPrefix();
  const clients: string[] = [];

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
    await pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [
      orgId, { providers: { sms: { type: 'twilio', accountSid: `AC${'2'.repeat(32)}`, authTokenEnv: 'OUTAGE_TWILIO_TOKEN', from: '+995322000000' } } },
    ]);
    for (let i = 0; i < 10; i++) {
      const id = await make.client(orgId, { name: `Client ${i}`, phone: `+99559900${String(i).padStart(4, '0')}` });
      clients.push(id);
      await pool.query(`INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, last_visit_at, method) VALUES ($1, $2, 'lapsed', now(), now() - interval '90 days', 'cadence')`, [orgId, id]);
    }
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('response-collector', RESPONSE_COLLECTOR_ENV, { DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', PUBLIC_BASE_URL: PUBLIC });
    app = (await createNestApp({ ...responseCollectorAppOptions(config), config })) as NestExpressApplication;
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    const q = new Queue(QueueName.Inbound, { connection: redis, prefix });
    await q.obliterate({ force: true });
    await q.close();
    await redis?.quit();
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
    await new Promise((r) => setTimeout(r, 3000));
    pg.start();

    await waitFor('every reply on its card', async () => (await pool.query(`SELECT count(*)::int AS n FROM replies`)).rows[0].n === 11, 90_000);
    const { rows } = await pool.query<{ client_id: string; text: string; note: string }>(
      `SELECT r.client_id::text, r.text, e.reason_note AS note FROM replies r JOIN churn_episodes e ON e.id = r.episode_id WHERE r.text LIKE '%outage' ORDER BY r.client_id`,
    );
    expect(rows.map((r) => r.client_id)).toEqual([...clients].sort((a, b) => Number(a) - Number(b)));
    for (const r of rows) expect(r.note).toBe(r.text);
    expect((await pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'processed')::int AS done FROM inbound_requests`)).rows[0]).toEqual({ n: 11, done: 11 });
  });
});
