import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { fanOutLockKey } from '@comeback/campaigns';
import { loadConfig } from '@comeback/config';
import { QueueName, SEND_JOBS, sendJobId } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { DISPATCHER_ENV } from '../config';
import { dispatcherAppOptions } from '../dispatcher-app';
import { SendService } from './send.service';

/**
 * The dispatcher as it runs (Nest app, one BullMQ worker per channel on the real Redis under this
 * file's prefix, real PostgreSQL) with the sandbox provider: messages go once, paused and
 * cancelled campaigns hold, quiet hours delay, and a message left 'sending' by a dead worker is
 * settled without a second send.
 */
describe('dispatcher: sending campaign messages', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let redis: Redis;
  let org: OrganizationRow;
  let sms: Queue;
  let email: Queue;
  const prefix = testRedisPrefix();

  const campaign = async (status = 'running') =>
    (
      await db.pool.query<{ id: string }>(
        // Fanned out: the campaign's messages are all written (as the tests write them).
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', $2, 'ask', '{sms,email}', now()) RETURNING id::text`,
        [org.id, status],
      )
    ).rows[0].id;
  const message = async (campaignId: string, o: { channel?: string; timezone?: string; status?: string; claimedAgo?: string; receiptsExpected?: boolean } = {}) => {
    const { rows: c } = await db.pool.query<{ id: string }>(
      `INSERT INTO clients (organization_id, external_id, name, phone, email, timezone) VALUES ($1, gen_random_uuid()::text, 'N', '+995555000001', 'n@example.test', $2) RETURNING id::text`,
      [org.id, o.timezone ?? null],
    );
    const channel = o.channel ?? 'sms';
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, claimed_at, receipts_expected)
       VALUES ($1, $2, $3, $4, $5, 'en', $6, $7, now() - $8::interval, $9) RETURNING id::text`,
      [org.id, campaignId, c[0].id, channel, channel === 'sms' ? '+995555000001' : 'n@example.test',
        channel === 'sms' ? { text: 'Hello' } : { subject: 'Hi', html: '<p>Hi</p>', text: 'Hi', unsubscribeUrl: 'https://x.test/u/t' }, o.status ?? 'queued', o.claimedAgo ?? '0', o.receiptsExpected ?? true],
    );
    return rows[0].id;
  };
  const enqueue = (ids: string[], channel: 'sms' | 'email' = 'sms') =>
    (channel === 'sms' ? sms : email).addBulk(ids.map((id) => ({ name: SEND_JOBS[channel].job, data: { messageId: id }, opts: { jobId: sendJobId(id), attempts: 3, removeOnComplete: true } })));
  const statusOf = async (id: string) => (await db.pool.query<{ status: string }>(`SELECT status FROM messages WHERE id = $1`, [id])).rows[0].status;
  const sandboxCount = async (id: string) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM sandbox_messages WHERE message_id = $1`, [id])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const config = loadConfig('dispatcher', DISPATCHER_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createNestApp({ ...dispatcherAppOptions(config, { VIBER_TOKEN: 'viber-secret' }), config });
    await app.init();
    sms = new Queue(QueueName.SendSms, { connection: redis, prefix });
    email = new Queue(QueueName.SendEmail, { connection: redis, prefix });
    // Allowed all day, so only the quiet-hours test depends on the clock.
    org = await factories(db.pool).organization({ timezone: 'Asia/Tbilisi' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}}' WHERE id = $1`, [org.id]);
  });
  afterAll(async () => {
    await sms.close();
    await email.close();
    await app.close();
    await redis.quit();
    await db.drop();
  });

  it('sends each queued message once through the sandbox, records it as delivered (a perfect network), and finishes the campaign', async () => {
    const c = await campaign();
    const ids = [await message(c), await message(c), await message(c, { channel: 'email' })];
    await enqueue(ids.slice(0, 2));
    await enqueue(ids.slice(2), 'email');
    // The same job added again while it exists is ignored (job id = message).
    await enqueue(ids.slice(0, 1));
    await waitFor('the campaign to finish', async () => (await db.pool.query(`SELECT status FROM campaigns WHERE id = $1`, [c])).rows[0].status === 'done');
    for (const id of ids) {
      expect(await statusOf(id)).toBe('delivered');
      expect(await sandboxCount(id)).toBe(1);
    }
    const row = (await db.pool.query(`SELECT provider, provider_message_id, attempts, sent_at, delivered_at FROM messages WHERE id = $1`, [ids[0]])).rows[0];
    expect(row).toMatchObject({ provider: 'sandbox', attempts: 1 });
    expect(row.delivered_at).toBeInstanceOf(Date);
    expect(row.delivered_at.getTime()).toBe(row.sent_at.getTime());
    expect(row.provider_message_id).toMatch(/^sandbox-\d+$/);
    // A job for a message already sent changes nothing.
    await sms.add(SEND_JOBS.sms.job, { messageId: ids[0] }, { jobId: `${sendJobId(ids[0])}-again`, removeOnComplete: true });
    await waitFor('the extra job', async () => !(await sms.getJob(`${sendJobId(ids[0])}-again`)));
    expect(await sandboxCount(ids[0])).toBe(1);
  });

  it('does not finish a campaign while one of its messages may still fall back to a later channel', async () => {
    const service = app.get(SendService);
    const statusOfCampaign = async (id: string) => (await db.pool.query<{ status: string }>(`SELECT status FROM campaigns WHERE id = $1`, [id])).rows[0].status;
    // Campaigns are written paused and set running once their messages are (the finished check also runs on its own, after sends).
    const running = (id: string) => db.pool.query(`UPDATE campaigns SET status = 'running' WHERE id = $1`, [id]);
    // An SMS refused (campaign order sms, email) and no fallback yet: the sweep may still write one.
    const refused = await campaign('paused');
    const failed = await message(refused, { status: 'failed' });
    await running(refused);
    await service.finishCampaigns();
    expect(await statusOfCampaign(refused)).toBe('running');
    // Its fallback written and delivered: settled. While its fan-out is under way (the campaign app
    // holds this lock as it writes messages), not done yet; then done.
    const fanOut = await db.pool.connect();
    try {
      await fanOut.query(`SELECT pg_advisory_lock(${fanOutLockKey('$1')})`, [refused]);
      await db.pool.query(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, fallback_of)
         SELECT organization_id, campaign_id, client_id, 'email', 'n@example.test', 'en', '{}', 'delivered', id FROM messages WHERE id = $1`,
        [failed],
      );
      await service.finishCampaigns();
      expect(await statusOfCampaign(refused)).toBe('running');
      await fanOut.query(`SELECT pg_advisory_unlock_all()`);
    } finally {
      fanOut.release();
    }
    await service.finishCampaigns();
    expect(await statusOfCampaign(refused)).toBe('done');

    // With fallback hours, a text sent without a delivery receipt keeps its campaign running ...
    const hours = await campaign('paused');
    await db.pool.query(`UPDATE campaigns SET fallback_after_hours = 24 WHERE id = $1`, [hours]);
    const unreceipted = await message(hours, { status: 'sent' });
    await running(hours);
    await service.finishCampaigns();
    expect(await statusOfCampaign(hours)).toBe('running');
    // (a message whose provider reports no delivery, e-mail over SMTP, never waits for a receipt)
    const smtpLike = await campaign('paused');
    await db.pool.query(`UPDATE campaigns SET fallback_after_hours = 24 WHERE id = $1`, [smtpLike]);
    await message(smtpLike, { status: 'sent', receiptsExpected: false });
    await running(smtpLike);
    await service.finishCampaigns();
    expect(await statusOfCampaign(smtpLike)).toBe('done');
    // ... unless the client replied to it; and a message on the last channel has nothing to fall back to.
    await db.pool.query(`UPDATE messages SET replied_at = now() WHERE id = $1`, [unreceipted]);
    await message(hours, { channel: 'email', status: 'sent' });
    await service.finishCampaigns();
    expect(await statusOfCampaign(hours)).toBe('done');
  });

  it('holds messages of a paused campaign (left queued) and never sends a cancelled one', async () => {
    const paused = await campaign('paused');
    const p = await message(paused);
    const running = await campaign();
    const cancelled = await message(running, { status: 'cancelled' });
    await enqueue([p, cancelled]);
    await waitFor('both jobs to be done', async () => !(await sms.getJob(sendJobId(p))) && !(await sms.getJob(sendJobId(cancelled))));
    expect(await statusOf(p)).toBe('queued');
    expect(await statusOf(cancelled)).toBe('cancelled');
    expect(await sandboxCount(p)).toBe(0);
    expect(await sandboxCount(cancelled)).toBe(0);
  });

  it('never sends a message to a client who opted out of its channel after it was written: refused for good, so a fallback may follow', async () => {
    const c = await campaign();
    const m = await message(c);
    await db.pool.query(`UPDATE clients SET consent_sms = 'revoked' WHERE id = (SELECT client_id FROM messages WHERE id = $1)`, [m]);
    await enqueue([m]);
    await waitFor('the job to be done', async () => !(await sms.getJob(sendJobId(m))));
    expect(await statusOf(m)).toBe('failed');
    expect((await db.pool.query(`SELECT last_error_code FROM messages WHERE id = $1`, [m])).rows[0].last_error_code).toBe('opted-out');
    expect(await sandboxCount(m)).toBe(0);
  });

  it('delays a text to the client\'s allowed hours instead of sending it at night', async () => {
    // A one-hour window that is closed right now in this client's timezone: ten hours from now, UTC.
    const opens = new Date(Date.now() + 10 * 3600_000);
    const from = `${String(opens.getUTCHours()).padStart(2, '0')}:00`;
    const to = `${String((opens.getUTCHours() + 1) % 24).padStart(2, '0')}:00`;
    // Texts to the same timezone may go for an organization allowing every hour: that must not
    // open this one's window.
    const open = await factories(db.pool).organization({ timezone: 'UTC' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}}' WHERE id = $1`, [open.id]);
    const openCampaign = (await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', 'running', 'ask', '{sms}', now()) RETURNING id::text`, [open.id])).rows[0].id;
    const { rows: openClient } = await db.pool.query<{ id: string }>(`INSERT INTO clients (organization_id, external_id, name, phone, timezone) VALUES ($1, 'o', 'O', '+995555000008', 'UTC') RETURNING id::text`, [open.id]);
    const { rows: openMessage } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content) VALUES ($1, $2, $3, 'sms', '+995555000008', 'en', '{"text":"Hi"}') RETURNING id::text`,
      [open.id, openCampaign, openClient[0].id],
    );
    expect(await app.get(SendService).send(openMessage[0].id, false)).toMatchObject({ kind: 'sent' });

    const other = await factories(db.pool).organization({ timezone: 'UTC' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [other.id, { allowedHours: { from, to } }]);
    const c = (await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'C', 'running', 'ask', '{sms}', now()) RETURNING id::text`, [other.id])).rows[0].id;
    const { rows: cl } = await db.pool.query<{ id: string }>(`INSERT INTO clients (organization_id, external_id, name, phone, timezone) VALUES ($1, 'q', 'Q', '+995555000009', 'UTC') RETURNING id::text`, [other.id]);
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content) VALUES ($1, $2, $3, 'sms', '+995555000009', 'en', '{"text":"Hi"}') RETURNING id::text`,
      [other.id, c, cl[0].id],
    );
    const id = rows[0].id;
    await enqueue([id]);
    await waitFor('the job to be delayed', async () => (await (await sms.getJob(sendJobId(id)))?.getState()) === 'delayed');
    const m = (await db.pool.query<{ status: string; not_before: Date; attempts: number }>(`SELECT status, not_before, attempts FROM messages WHERE id = $1`, [id])).rows[0];
    expect(m.status).toBe('queued');
    expect(m.attempts).toBe(0);
    expect(m.not_before.getUTCHours()).toBe(opens.getUTCHours());
    expect(m.not_before.getUTCMinutes()).toBe(0);
    expect(m.not_before.getTime()).toBeGreaterThan(Date.now());
    expect(await sandboxCount(id)).toBe(0);
    await (await sms.getJob(sendJobId(id)))!.remove();
  });

  it('settles a message a dead worker left sending: recorded as delivered if the sandbox has it, sent once if not', async () => {
    const c = await campaign();
    // Accepted by the provider, then the worker died before recording it.
    const accepted = await message(c, { status: 'sending', claimedAgo: '5 minutes' });
    await db.pool.query(`INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content) VALUES ($1, $2, 'sms', '+995555000001', '{"text":"Hello"}')`, [org.id, accepted]);
    // Claimed, then the worker died before calling the provider.
    const neverSent = await message(c, { status: 'sending', claimedAgo: '5 minutes' });
    // Claimed a moment ago: another worker is still on it; not touched now.
    const busy = await message(c, { status: 'sending', claimedAgo: '1 second' });
    const service = app.get(SendService);
    expect(await service.send(accepted, false)).toMatchObject({ kind: 'settled-sent' });
    expect(await service.send(neverSent, false)).toMatchObject({ kind: 'sent' });
    await expect(service.send(busy, false)).rejects.toMatchObject({ kind: 'transient', code: 'claimed' });
    expect([await statusOf(accepted), await statusOf(neverSent), await statusOf(busy)]).toEqual(['delivered', 'delivered', 'sending']);
    expect([await sandboxCount(accepted), await sandboxCount(neverSent), await sandboxCount(busy)]).toEqual([1, 1, 0]);
  });

  it('claims and records messages sent at the same moment together, each with its own provider id', async () => {
    const c = await campaign();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await message(c));
    const outcomes = await Promise.all(ids.map((id) => app.get(SendService).send(id, false)));
    expect(outcomes.every((o) => o.kind === 'sent')).toBe(true);
    const rows = (await db.pool.query<{ id: string; status: string; attempts: number; provider_message_id: string; sandbox_id: string; sends: number }>(
      `SELECT m.id::text, m.status, m.attempts, m.provider_message_id, min(s.id)::text AS sandbox_id, count(s.id)::int AS sends
         FROM messages m LEFT JOIN sandbox_messages s ON s.message_id = m.id WHERE m.id = ANY($1::bigint[]) GROUP BY m.id ORDER BY m.id`,
      [ids],
    )).rows;
    expect(rows).toHaveLength(30);
    for (const [i, r] of rows.entries()) {
      expect(r).toMatchObject({ status: 'delivered', attempts: 1, sends: 1, provider_message_id: `sandbox-${r.sandbox_id}` });
      expect(outcomes[ids.indexOf(r.id)]).toEqual({ kind: 'sent', providerMessageId: `sandbox-${r.sandbox_id}` });
      if (i) expect(r.provider_message_id).not.toBe(rows[i - 1].provider_message_id);
    }
  });

  it('waits for a message another transaction holds locked instead of skipping it', async () => {
    const c = await campaign();
    const [locked, free] = [await message(c), await message(c)];
    const other = await db.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT id FROM messages WHERE id = $1 FOR UPDATE`, [locked]);
      const service = app.get(SendService);
      const sends = [service.send(locked, false), service.send(free, false)];
      // The batch goes on without the locked row ...
      await expect(sends[1]).resolves.toMatchObject({ kind: 'sent' });
      expect(await statusOf(locked)).toBe('queued');
      // ... which is claimed alone once the lock is released: sent, not skipped.
      await other.query('COMMIT');
      await expect(sends[0]).resolves.toMatchObject({ kind: 'sent' });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
    expect([await statusOf(locked), await sandboxCount(locked)]).toEqual(['delivered', 1]);
  });

  it('leaves a message the provider accepted but whose outcome could not be written sending, then settles it without a second send', async () => {
    const c = await campaign();
    const id = await message(c);
    // Recording the sandbox's accept (delivered) fails for this message (as when the connection drops after the provider's accept).
    await db.pool.query(`CREATE FUNCTION refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'database went away'; END $$`);
    await db.pool.query(`CREATE TRIGGER refuse_sent BEFORE UPDATE ON messages FOR EACH ROW WHEN (NEW.status IN ('sent', 'delivered') AND OLD.id = ${Number(id)}) EXECUTE FUNCTION refuse_sent()`);
    try {
      await expect(app.get(SendService).send(id, false)).rejects.toThrow('database went away');
    } finally {
      await db.pool.query(`DROP TRIGGER refuse_sent ON messages`);
      await db.pool.query(`DROP FUNCTION refuse_sent()`);
    }
    // Not back to queued (a retry would send it again): left for the settling of its retry.
    expect([await statusOf(id), await sandboxCount(id)]).toEqual(['sending', 1]);
    await db.pool.query(`UPDATE messages SET claimed_at = now() - interval '5 minutes' WHERE id = $1`, [id]);
    expect(await app.get(SendService).send(id, false)).toMatchObject({ kind: 'settled-sent' });
    expect([await statusOf(id), await sandboxCount(id)]).toEqual(['delivered', 1]);
  });

  describe('through a real provider (Viber\'s REST contract on a local server)', () => {
    let server: Server;
    let viberOrg: OrganizationRow;
    /** What the server answers next, per receiver; and every request body it got. */
    const answers = new Map<string, { status: number; body: string }[]>();
    const received: { token: string | undefined; body: { receiver: string; tracking_data: string } }[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        let raw = '';
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          const body = JSON.parse(raw);
          received.push({ token: req.headers['x-viber-auth-token'] as string | undefined, body });
          const next = answers.get(body.receiver)?.shift() ?? { status: 500, body: '{"status":99}' };
          res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      viberOrg = await factories(db.pool).organization({ timezone: 'UTC' });
      await db.pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [
        viberOrg.id,
        { allowedHours: { from: '00:00', to: '23:59' }, providers: { viber: { type: 'viber', authTokenEnv: 'VIBER_TOKEN', senderName: 'Clinic', apiBaseUrl: base } } },
      ]);
    });
    afterAll(async () => new Promise<void>((r) => server.close(() => r())));

    const viberMessage = async (receiver: string) => {
      const c = (await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'V', 'running', 'ask', '{viber}', now()) RETURNING id::text`, [viberOrg.id])).rows[0].id;
      const cl = (await db.pool.query<{ id: string }>(`INSERT INTO clients (organization_id, external_id, name, viber_id) VALUES ($1, $2, 'V', $2) RETURNING id::text`, [viberOrg.id, receiver])).rows[0].id;
      return (
        await db.pool.query<{ id: string }>(
          `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content) VALUES ($1, $2, $3, 'viber', $4, 'en', $5) RETURNING id::text`,
          [viberOrg.id, c, cl, receiver, { text: 'Why did you leave?', buttonText: 'Tell us', buttonUrl: 'https://x.test/f/t' }],
        )
      ).rows[0].id;
    };

    it('retries a transient error, fails a permanent one at once, and gives up after the last attempt', async () => {
      const service = app.get(SendService);
      // Viber's message tokens are 64-bit integers, beyond a JavaScript number: written raw.
      answers.set('flaky', [{ status: 503, body: '{}' }, { status: 200, body: '{"status":0,"status_message":"ok","message_token":5741311803571721087}' }]);
      answers.set('unsubscribed', [{ status: 200, body: '{"status":6,"status_message":"notSubscribed"}' }]);
      answers.set('down', [{ status: 500, body: '{}' }, { status: 500, body: '{}' }]);
      const [flaky, unsubscribed, down] = [await viberMessage('flaky'), await viberMessage('unsubscribed'), await viberMessage('down')];

      await expect(service.send(flaky, false)).rejects.toMatchObject({ kind: 'transient' });
      expect(await statusOf(flaky)).toBe('queued'); // back for the retry
      expect(await service.send(flaky, false)).toEqual({ kind: 'sent', providerMessageId: '5741311803571721087' });

      expect(await service.send(unsubscribed, false)).toEqual({ kind: 'failed', code: 'viber-6' });
      await expect(service.send(down, false)).rejects.toMatchObject({ kind: 'transient' });
      expect(await service.send(down, true)).toMatchObject({ kind: 'dead' });

      const rows = (await db.pool.query<{ id: string; status: string; attempts: number; last_error_code: string | null; provider_message_id: string | null }>(
        `SELECT id::text, status, attempts, last_error_code, provider_message_id FROM messages WHERE id = ANY($1::bigint[]) ORDER BY id`, [[flaky, unsubscribed, down]],
      )).rows;
      expect(rows.map((r) => [r.status, r.attempts, r.last_error_code])).toEqual([['sent', 2, null], ['failed', 1, 'viber-6'], ['dead', 2, 'http-500']]);
      expect(rows[0].provider_message_id).toBe('5741311803571721087');
      // Every request carried the secret read from the environment variable the settings name.
      expect(received.length).toBe(5);
      expect(received.every((r) => r.token === 'viber-secret')).toBe(true);
      expect(received.map((r) => r.body.tracking_data)).toEqual([flaky, flaky, unsubscribed, down, down]);
    });

    it('fails a message at once when the provider\'s secret is not set, naming the variable', async () => {
      await db.pool.query(`UPDATE organizations SET messaging_settings = jsonb_set(messaging_settings, '{providers,viber,authTokenEnv}', '"VIBER_TOKEN_MISSING"') WHERE id = $1`, [viberOrg.id]);
      const id = await viberMessage('nosecret');
      expect(await app.get(SendService).send(id, false)).toEqual({ kind: 'failed', code: 'missing-secret' });
      expect((await db.pool.query(`SELECT last_error FROM messages WHERE id = $1`, [id])).rows[0].last_error).toContain('VIBER_TOKEN_MISSING');
    });
  });
});
