import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { JobName, QueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';

const PASSWORD = 'queue dashboard passphrase';

describe('queue dashboard (/console/queues) over HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let campaigns: Queue;
  const cookies: Record<string, string> = {};
  let adminCsrf = '';
  const http = () => request(app.getHttpServer());
  const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const cookiesOf = (res: request.Response): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

  async function signIn(email: string): Promise<string> {
    const form = await http().get('/console/login').expect(200);
    const loginCookie = cookiesOf(form).find((c) => c.startsWith('cb_login_csrf='))!.split(';')[0];
    const res = await http().post('/console/login').set('Cookie', loginCookie).type('form').send({ email, password: PASSWORD, _csrf: csrfOf(form.text), next: '/console/lost-clients' });
    expect(res.status).toBe(303);
    return cookiesOf(res).find((c) => c.startsWith('cb_session='))!.split(';')[0];
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = testRedisPrefix();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    const org = (await factories(db.pool).organization({ name: 'Queue Clinic' })).id;
    for (const role of ['admin', 'marketer', 'viewer']) {
      await createStaffAccount(db.pool, { organizationId: org, email: `${role}@queues.test`, displayName: role, role, password: PASSWORD });
      cookies[role] = await signIn(`${role}@queues.test`);
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
