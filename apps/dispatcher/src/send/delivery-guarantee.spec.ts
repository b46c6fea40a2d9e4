import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { QueueName, SEND_JOBS, sendJobId } from '@comeback/contracts';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';

const ROOT = join(__dirname, '../../../..');
const MESSAGES = 10_000;

/**
 * The delivery guarantee under a killed worker: a 10,000-message campaign is being sent by a real
 * dispatcher process through the sandbox provider; the process is killed with SIGKILL in the
 * middle (messages claimed and in flight), a new one is started, and in the end every client has
 * exactly one message: none twice, none lost.
 */
describe('delivery guarantee: SIGKILL in the middle of a campaign, then restart', () => {
  let db: TestDatabase;
  let redis: Redis;
  const prefix = testRedisPrefix();
  const children: ChildProcess[] = [];

  const startDispatcher = (port: number) => {
    const child = spawn(process.execPath, ['-r', './tools/register.js', 'apps/dispatcher/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env, DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error',
        DISPATCH_CONCURRENCY: '50', DISPATCH_RATE_SMS: '100000',
        // A short lock, so the killed worker's jobs come back in seconds rather than half a minute.
        DISPATCH_LOCK_SECONDS: '3',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const count = async (where: string, campaignId: string) =>
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND ${where}`, [campaignId])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await redis.quit();
    await db.drop();
  });

  it('sends every message exactly once', async () => {
    const org = await factories(db.pool).organization({ timezone: 'UTC' });
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}}' WHERE id = $1`, [org.id]);
    const campaignId = (
      await db.pool.query<{ id: string }>(`INSERT INTO campaigns (organization_id, name, status, template_key, channels, fanned_out_at) VALUES ($1, 'Big', 'running', 'ask', '{sms}', now()) RETURNING id::text`, [org.id])
    ).rows[0].id;
    await db.pool.query(
      `INSERT INTO clients (organization_id, external_id, name, phone) SELECT $1, 'c' || i, 'Client ' || i, '+9955' || lpad(i::text, 8, '0') FROM generate_series(1, $2) i`,
      [org.id, MESSAGES],
    );
    const { rows: ids } = await db.pool.query<{ id: string }>(
      `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content)
       SELECT $1, $2, c.id, 'sms', c.phone, 'en', jsonb_build_object('text', 'Why did you leave, ' || c.name || '?') FROM clients c WHERE c.organization_id = $1
       RETURNING id::text`,
      [org.id, campaignId],
    );
    const queue = new Queue(QueueName.SendSms, { connection: redis, prefix });
    try {
      for (let i = 0; i < ids.length; i += 1000) {
        await queue.addBulk(
          ids.slice(i, i + 1000).map(({ id }) => ({
            name: SEND_JOBS.sms.job, data: { messageId: id }, opts: { jobId: sendJobId(id), attempts: 6, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
          })),
        );
      }
      // Kill while messages are between claim and outcome: the case the guarantee is about. The
      // moment is a race, so a kill that found none in flight is tried again (from a new process).
      let inFlight = 0;
      for (let round = 1; round <= 5 && inFlight === 0; round++) {
        const worker = startDispatcher(39_470 + round);
        await waitFor(
          'sends under way',
          async () => (await count(`status = 'delivered'`, campaignId)) >= (MESSAGES / 10) * round && (await count(`status = 'sending'`, campaignId)) > 0,
          120_000,
        );
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        inFlight = await count(`status = 'sending'`, campaignId);
      }
      expect(inFlight).toBeGreaterThan(0);
      expect(await count(`status = 'delivered'`, campaignId)).toBeLessThan(MESSAGES);

      startDispatcher(39_479);
      await waitFor('every message to be settled', async () => (await count(`status IN ('queued', 'sending')`, campaignId)) === 0, 180_000);
    } finally {
      await queue.close();
    }
    // Every message sent (the sandbox delivers as it accepts), each client exactly once at the provider.
    expect(await count(`status = 'delivered'`, campaignId)).toBe(MESSAGES);
    const perClient = await db.pool.query<{ sends: number; clients: number }>(
      `SELECT coalesce(s.n, 0)::int AS sends, count(*)::int AS clients
         FROM messages m LEFT JOIN (SELECT message_id, count(*) AS n FROM sandbox_messages GROUP BY 1) s ON s.message_id = m.id
        WHERE m.campaign_id = $1 GROUP BY 1`,
      [campaignId],
    );
    expect(perClient.rows).toEqual([{ sends: 1, clients: MESSAGES }]);
    // And each recorded provider id is the send the sandbox holds for it.
    expect(
      (await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM messages m JOIN sandbox_messages s ON s.message_id = m.id WHERE m.campaign_id = $1 AND m.provider_message_id = 'sandbox-' || s.id`,
        [campaignId],
      )).rows[0].n,
    ).toBe(MESSAGES);
  }, 360_000);
});
