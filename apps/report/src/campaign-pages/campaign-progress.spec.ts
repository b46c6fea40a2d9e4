import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { CampaignsService } from '@comeback/campaigns';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { csrfOf, signIn } from '../testing/console-session';

const PASSWORD = 'campaign progress passphrase';

/**
 * The campaign page's progress poll (`/console/campaigns/:id/progress.json`): however many pages
 * poll a campaign at once, its messages are counted once per interval; an action on the campaign
 * shows at the next poll; the kept answer is never another organization's.
 */
describe('campaign progress polled by many pages', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let campaignId: string;
  const cookies: Record<string, string> = {};
  const http = () => request(app.getHttpServer());

  const poll = (who: string, id = campaignId) => http().get(`/console/campaigns/${id}/progress.json`).set('Cookie', cookies[who]).set('Accept', 'application/json');

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    const f = factories(db.pool);
    const alfa = (await f.organization({ name: 'Alfa Clinic' })).id;
    const bravo = (await f.organization({ name: 'Bravo Clinic' })).id;
    campaignId = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at)
         VALUES ($1, 'Why did you leave?', 'running', 'ask', ARRAY['sms'], now(), now()) RETURNING id::text`,
        [alfa],
      )
    ).rows[0].id;
    for (const [who, org] of [['alfa', alfa], ['bravo', bravo]] as const) {
      await createStaffAccount(db.pool, { organizationId: org, email: `admin@${who}.test`, displayName: who, role: 'admin', password: PASSWORD });
      cookies[who] = await signIn(app, `admin@${who}.test`, PASSWORD, { next: '/console/campaigns' });
    }
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('counts once for twenty pages polling at the same time, shows a pause at the next poll, and never answers another organization from what it kept', async () => {
    const reads = jest.spyOn(app.get(CampaignsService), 'get');
    const answers = await Promise.all(Array.from({ length: 20 }, () => poll('alfa')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.body.status)).toEqual(Array(20).fill('running'));
    expect(answers[0].body.progress).toMatchObject({ total: 0, queued: 0 });
    expect(reads).toHaveBeenCalledTimes(1);

    // Bravo's admin asks for Alfa's campaign while Alfa's answer is kept: refused all the same.
    const foreign = await poll('bravo');
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain('running');

    const page = await http().get(`/console/campaigns/${campaignId}`).set('Cookie', cookies.alfa).expect(200);
    await http().post(`/console/campaigns/${campaignId}/pause`).set('Cookie', cookies.alfa).type('form').send({ _csrf: csrfOf(page.text) }).expect(303);
    const after = await poll('alfa').expect(200);
    expect(after.body.status).toBe('paused');
    reads.mockRestore();
  });
});
