import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { ConfigError, loadConfig } from '@comeback/config';
import { JobName, QueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { csrfOf, signIn } from '../testing/console-session';

const PASSWORD = 'queue dashboard passphrase';
// A single-business deployment (one organization) without QUEUE_DASHBOARD_ORGANIZATIONS: its admins may open it.
describe('queue dashboard (/console/queues) over HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let campaigns: Queue;
  const cookies: Record<string, string> = {};
  let adminCsrf = '';
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = testRedisPrefix();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    const org = (await factories(db.pool).organization({ name: 'Queue Clinic' })).id;
    for (const role of ['admin', 'marketer', 'viewer']) {
      await createStaffAccount(db.pool, { organizationId: org, email: `${role}@queues.test`, displayName: role, role, password: PASSWORD });
      cookies[role] = await signIn(app, `${role}@queues.test`, PASSWORD);
    }
    adminCsrf = csrfOf((await http().get('/console/lost-clients').set('Cookie', cookies.admin).expect(200)).text);
    campaigns = new Queue(QueueName.Campaigns, { connection: { url: TEST_REDIS_URL }, prefix });
    await campaigns.add(JobName.StartCampaign, { campaignId: '42' }, { jobId: 'campaign-42', delay: 3_600_000 });
  });

  afterAll(async () => {
    await campaigns?.obliterate({ force: true });
    await campaigns?.close();
    await app?.close();
    await db?.drop();
  });

  it('sends an anonymous visitor to the sign-in page, and refuses its API', async () => {
    const page = await http().get('/console/queues').expect(303);
    expect(page.headers.location).toBe('/console/login?next=%2Fconsole%2Fqueues');
    const api = await http().get('/console/queues/api/queues').set('Accept', 'application/json');
    expect(api.status).toBe(401);
    expect(api.text).not.toContain('campaign-42');
    expect(api.body).toMatchObject({ error: 'SIGN_IN_REQUIRED' });
  });

  it.each(['marketer', 'viewer'])('refuses a signed-in %s with the console 403, pages and API alike', async (role) => {
    const page = await http().get('/console/queues').set('Cookie', cookies[role]);
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('Comeback queues');
    const api = await http().get('/console/queues/api/queues').set('Cookie', cookies[role]).set('Accept', 'application/json');
    expect(api.status).toBe(403);
    expect(api.body).toMatchObject({ error: 'FORBIDDEN' });
    const lost = await http().get('/console/lost-clients').set('Cookie', cookies[role]).expect(200);
    expect(lost.text).not.toContain('href="/console/queues"');
  });

  it('shows an admin every queue of the contract with its jobs, and links to it from the console', async () => {
    const lost = await http().get('/console/lost-clients').set('Cookie', cookies.admin).expect(200);
    expect(lost.text).toContain('href="/console/queues"');
    const page = await http().get('/console/queues').set('Cookie', cookies.admin).expect(200);
    expect(page.text).toContain('<title>Comeback queues</title>');
    expect(page.text).toContain('<base href="/console/queues/"');
    const api = await http().get('/console/queues/api/queues').query({ activeQueue: QueueName.Campaigns, status: 'delayed', page: 1, jobsPerPage: 10 }).set('Cookie', cookies.admin).expect(200);
    const queues = (api.body as { queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[] }).queues;
    expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QueueName).sort());
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);
    const campaignQueue = queues.find((q) => q.name === QueueName.Campaigns)!;
    expect(campaignQueue.counts.delayed).toBe(1);
    expect(campaignQueue.jobs.map((j) => j.id)).toEqual(['campaign-42']);
  });

  it("keeps inbound jobs' request (the client's number and words) out of the dashboard", async () => {
    const inbound = new Queue(QueueName.Inbound, { connection: { url: TEST_REDIS_URL }, prefix: campaigns.opts.prefix });
    try {
      await inbound.add(JobName.ProcessInbound, { source: 'twilio-sms', key: 'SM0001', receivedAt: new Date().toISOString(), payload: { From: '+995555123456', Body: 'too expensive for me' } }, { jobId: 'twilio-sms-SM0001', delay: 3_600_000 });
      const api = await http().get('/console/queues/api/queues').query({ activeQueue: QueueName.Inbound, status: 'delayed', page: 1, jobsPerPage: 10 }).set('Cookie', cookies.admin).expect(200);
      expect(api.text).toContain('twilio-sms-SM0001');
      expect(api.text).toContain('SM0001');
      expect(api.text).not.toContain('995555123456');
      expect(api.text).not.toContain('too expensive');
    } finally {
      await inbound.obliterate({ force: true });
      await inbound.close();
    }
  });

  it('refuses actions, even from an admin with the console CSRF token: the dashboard is read only', async () => {
    const noToken = await http().put(`/console/queues/api/queues/${QueueName.Campaigns}/pause`).set('Cookie', cookies.admin).set('Accept', 'application/json');
    expect(noToken.status).toBe(403);
    const withToken = await http().put(`/console/queues/api/queues/${QueueName.Campaigns}/pause`).set('Cookie', cookies.admin).set('X-CSRF-Token', adminCsrf).set('Accept', 'application/json');
    // Past the console guard (valid CSRF token), Bull Board's read-only mode refuses it.
    expect(withToken.status).toBe(405);
    const promote = await http().put(`/console/queues/api/queues/${QueueName.Campaigns}/campaign-42/promote`).set('Cookie', cookies.admin).set('X-CSRF-Token', adminCsrf).set('Accept', 'application/json');
    expect(promote.status).toBe(405);
    expect(await campaigns.isPaused()).toBe(false);
    expect(await (await campaigns.getJob('campaign-42'))!.getState()).toBe('delayed');
  });
});

/**
 * A shared deployment: BullMQ's queues hold every organization's jobs, so an organization's admin
 * is an admin of the deployment only when QUEUE_DASHBOARD_ORGANIZATIONS lists the organization.
 * Two apps on one database with two organizations, one app without the setting, one naming Alfa.
 */
describe('queue dashboard in a deployment of several organizations', () => {
  let db: TestDatabase;
  let unset: NestExpressApplication;
  let alfaListed: NestExpressApplication;
  let campaigns: Queue;
  const cookies: Record<'alfa' | 'bravo', string> = { alfa: '', bravo: '' };

  async function startReport(prefix: string, queueDashboardOrganizations?: string): Promise<NestExpressApplication> {
    const config = loadConfig('report', REPORT_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', QUEUE_DASHBOARD_ORGANIZATIONS: queueDashboardOrganizations,
    });
    const app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    return app;
  }

  /** The dashboard's page and its JSON API as the admin, and whether the console's nav links to it. */
  async function visit(app: NestExpressApplication, cookie: string) {
    const http = () => request(app.getHttpServer());
    const page = await http().get('/console/queues').set('Cookie', cookie);
    const api = await http().get('/console/queues/api/queues').query({ activeQueue: QueueName.Campaigns, status: 'delayed', page: 1, jobsPerPage: 10 }).set('Cookie', cookie).set('Accept', 'application/json');
    const lost = await http().get('/console/lost-clients').set('Cookie', cookie).expect(200);
    return { page, api, linked: lost.text.includes('href="/console/queues"') };
  }

  function expectRefused({ page, api, linked }: Awaited<ReturnType<typeof visit>>): void {
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('Comeback queues');
    // The 403 page has the console's nav too: no link there either.
    expect(page.text).not.toContain('href="/console/queues"');
    expect(api.status).toBe(403);
    expect(api.body).toMatchObject({ error: 'FORBIDDEN' });
    expect(api.text).not.toContain('campaign-7');
    expect(linked).toBe(false);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const make = factories(db.pool);
    const alfa = (await make.organization({ name: 'Alfa Clinic' })).id;
    const bravo = (await make.organization({ name: 'Bravo Clinic' })).id;
    await createStaffAccount(db.pool, { organizationId: alfa, email: 'admin@alfa.test', displayName: 'Alfa admin', role: 'admin', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: bravo, email: 'admin@bravo.test', displayName: 'Bravo admin', role: 'admin', password: PASSWORD });
    unset = await startReport(testRedisPrefix());
    // Upper case and spaces around the commas are taken; a listed organization that does not exist opens nothing.
    const prefix = testRedisPrefix();
    alfaListed = await startReport(prefix, ` ${alfa.toUpperCase()} , ${randomUUID()}`);
    cookies.alfa = await signIn(unset, 'admin@alfa.test', PASSWORD);
    cookies.bravo = await signIn(unset, 'admin@bravo.test', PASSWORD);
    campaigns = new Queue(QueueName.Campaigns, { connection: { url: TEST_REDIS_URL }, prefix });
    await campaigns.add(JobName.StartCampaign, { campaignId: '7' }, { jobId: 'campaign-7', delay: 3_600_000 });
  });

  afterAll(async () => {
    await campaigns?.obliterate({ force: true });
    await campaigns?.close();
    await unset?.close();
    await alfaListed?.close();
    await db?.drop();
  });

  it.each(['alfa', 'bravo'] as const)('without QUEUE_DASHBOARD_ORGANIZATIONS, refuses the admin of %s with the console 403, pages and API alike, and shows no link', async (org) => {
    expectRefused(await visit(unset, cookies[org]));
  });

  it("with QUEUE_DASHBOARD_ORGANIZATIONS naming Alfa, shows Alfa's admin every organization's jobs, and links to it", async () => {
    const { page, api, linked } = await visit(alfaListed, cookies.alfa);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Comeback queues</title>');
    expect(api.status).toBe(200);
    const queues = (api.body as { queues: { name: string; jobs: { id: string }[] }[] }).queues;
    expect(queues.find((q) => q.name === QueueName.Campaigns)!.jobs.map((j) => j.id)).toEqual(['campaign-7']);
    expect(linked).toBe(true);
  });

  it("with QUEUE_DASHBOARD_ORGANIZATIONS naming Alfa, refuses Bravo's admin with the console 403, pages and API alike, and shows no link", async () => {
    expectRefused(await visit(alfaListed, cookies.bravo));
  });
});

describe('QUEUE_DASHBOARD_ORGANIZATIONS', () => {
  const load = (value?: string) => loadConfig('report', REPORT_ENV, { QUEUE_DASHBOARD_ORGANIZATIONS: value });

  it('is a list of organization ids: empty when unset, lower case, spaces and repeats dropped', () => {
    const id = randomUUID();
    const other = randomUUID();
    expect(load().QUEUE_DASHBOARD_ORGANIZATIONS).toEqual([]);
    expect(load('').QUEUE_DASHBOARD_ORGANIZATIONS).toEqual([]);
    expect(load(` ${id.toUpperCase()} ,${other},, ${id}`).QUEUE_DASHBOARD_ORGANIZATIONS).toEqual([id, other]);
  });

  it('stops start-up on an entry that is not a UUID, naming the variable and the entry', () => {
    const bad = () => load(`${randomUUID()}, alfa-clinic`);
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/QUEUE_DASHBOARD_ORGANIZATIONS: not an organization id .*"alfa-clinic"/);
  });
});
