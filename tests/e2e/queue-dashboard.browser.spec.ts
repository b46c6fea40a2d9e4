import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import type { Browser } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { JobName, QueueName } from '@comeback/contracts';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../../apps/report/src/config';
import { reportAppOptions } from '../../apps/report/src/report-app';

const PASSWORD = 'browser test passphrase';

jest.setTimeout(120_000);

/**
 * The queue dashboard as staff meet it (report app, real Redis, headless Chromium): an admin
 * follows the console's "Queues" link to Bull Board, sees every queue and opens a delayed job; a
 * viewer has no link and gets the console's 403 page at the address.
 */
describe('queue dashboard in headless Chromium', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let campaigns: Queue;

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = testRedisPrefix();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error', HOST: '127.0.0.1' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const org = (await factories(db.pool).organization({ name: 'Queue Clinic' })).id;
    await createStaffAccount(db.pool, { organizationId: org, email: 'admin@queues.test', displayName: 'Nino', role: 'admin', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: org, email: 'viewer@queues.test', displayName: 'Levan', role: 'viewer', password: PASSWORD });
    campaigns = new Queue(QueueName.Campaigns, { connection: { url: TEST_REDIS_URL }, prefix });
    await campaigns.add(JobName.StartCampaign, { campaignId: '77' }, { jobId: 'campaign-77', delay: 3_600_000 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await campaigns?.obliterate({ force: true });
    await campaigns?.close();
    await app?.close();
    await db?.drop();
  });

  it('takes an admin from the console link to every queue and a waiting job', async () => {
    const page = await signInToConsole(browser, base, '/console/lost-clients', 'admin@queues.test', PASSWORD, /\/console\/lost-clients/);
    await page.getByRole('navigation').getByRole('link', { name: 'Queues' }).click();
    await page.waitForURL(/\/console\/queues/);
    expect(await page.title()).toBe('Comeback queues');
    // Bull Board's own page (its scripts from this app, under the console's CSP) lists every queue of the contract.
    for (const name of Object.values(QueueName)) await page.getByText(name, { exact: true }).first().waitFor({ state: 'visible', timeout: 20_000 });
    await page.goto(`${base}/console/queues/queue/${QueueName.Campaigns}?status=delayed`);
    await page.getByText('campaign-77').first().waitFor({ state: 'visible', timeout: 20_000 });
    await screenshot(page, 'queue-dashboard-admin');
    await page.close();
  });

  it('gives a viewer no link and the console 403 page at the address', async () => {
    const page = await signInToConsole(browser, base, '/console/lost-clients', 'viewer@queues.test', PASSWORD, /\/console\/lost-clients/);
    expect(await page.getByRole('navigation').getByRole('link', { name: 'Queues' }).count()).toBe(0);
    const res = await page.goto(`${base}/console/queues`);
    expect(res?.status()).toBe(403);
    expect(await page.title()).not.toBe('Comeback queues');
    await page.close();
  });
});
