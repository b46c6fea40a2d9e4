import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { EventConsumer, EventName, eventQueueName } from '@comeback/contracts';
import { OutboxRelayService } from '@comeback/events';
import { createNestApp } from '@comeback/platform';
import { createReason } from '@comeback/reasons';
import { createTestDatabase, factories, publishedEvents, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { consoleSession } from '../testing/console-session';

const PASSWORD = 'long enough passphrase';

/**
 * A merge made in the console's reason list (POST /console/reasons/:id/merge) writes reason.merged,
 * which the report app's own outbox relay publishes at once (no lapse detector runs here) to the
 * client timeline's queue; the app's client-activity consumer then brings the client's timeline up
 * to date.
 */
describe('reason merge in the console: reason.merged through the report app\'s own relay', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  let timeline: Queue;
  let orgId: string;
  let cookie: string;
  let csrf: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error' });
    // As main.ts starts it: the HTTP app with its event consumer (client-activity).
    const options = reportAppOptions(config);
    app = await createNestApp({ ...options, config });
    options.connectTransports!(app);
    await app.startAllMicroservices();
    await app.init();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    timeline = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection: redis, prefix: config.REDIS_PREFIX });

    orgId = (await factories(db.pool).organization({ name: 'Merging Clinic' })).id;
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'admin@merging.test', displayName: 'Admin', role: 'admin', password: PASSWORD });
    ({ cookie, csrf } = await consoleSession(app, 'admin@merging.test', PASSWORD, { next: '/console/reasons' }));
  });
  afterAll(async () => {
    await app?.close();
    await timeline?.close();
    await redis?.quit();
    await db?.drop();
  });

  it("publishes the merge's event at once, and the client's timeline entry then names the reason it is now", async () => {
    const into = (await createReason(db.pool, { organizationId: orgId, label: 'Too expensive' })).reason.id;
    const from = (await createReason(db.pool, { organizationId: orgId, label: 'Pricey' })).reason.id;
    // A reason staff recorded on a client's card, on the timeline under the reason's id and label.
    const client = await factories(db.pool).client(orgId);
    const entry = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details) VALUES ($1, $2, 'reason.recorded', now(), $3) RETURNING id::text`,
        [orgId, client, { reasonId: from, reason: 'Pricey', note: null, newReason: false }],
      )
    ).rows[0].id;
    const kick = jest.spyOn(app.get(OutboxRelayService), 'kick');

    const merged = await http().post(`/console/reasons/${from}/merge`).set('Cookie', cookie).type('form').send({ _csrf: csrf, intoId: into, confirm: 'yes' }).expect(303);
    expect(merged.headers.location).toBe('/console/reasons?done=merged');
    expect(kick).toHaveBeenCalledTimes(1);

    const events = await publishedEvents(db.pool, timeline, EventName.ReasonMerged, { fromReasonId: from });
    expect(events).toEqual([
      {
        id: expect.any(String), name: EventName.ReasonMerged, occurredAt: expect.any(String),
        payload: { organizationId: orgId, fromReasonId: from, intoReasonId: into, moved: expect.any(Object) }, correlationId: expect.any(String),
      },
    ]);
    await waitFor('the client-activity consumer to handle the merge', async () =>
      (await db.pool.query(`SELECT 1 FROM event_receipts WHERE consumer = $1 AND event_id = $2`, [EventConsumer.ClientActivity, events[0].id])).rowCount === 1,
    );
    expect((await db.pool.query(`SELECT details FROM client_activities WHERE id = $1`, [entry])).rows[0].details).toEqual({
      reasonId: into, reason: 'Too expensive', recordedAs: 'Pricey', note: null, newReason: false,
    });
  });
});
