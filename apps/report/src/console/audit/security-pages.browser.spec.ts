import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, textOf, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../../config';
import { reportAppOptions } from '../../report-app';

const PASSWORD = 'long enough passphrase';

/**
 * The security pages in Chromium (real PostgreSQL and Redis): an administrator sees a locked
 * account on the accounts page and clears it, and reads the audit log (an export they just made,
 * a consent change), filtered; the pages work under the console's CSP with helmet's headers in
 * front (any CSP violation or script error fails the test).
 */
describe('accounts lock and audit log in the browser', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let orgId: string;
  const problems: string[] = [];

  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    return page;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Clinic A' })).id;
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'admin@a.ge', displayName: 'Admin', role: 'admin', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'tamar@a.ge', displayName: 'Tamar', role: 'caller', password: PASSWORD });
    await db.pool.query(`UPDATE staff_accounts SET failed_logins = 2, lockouts = 1, locked_until = now() + interval '1 minute' WHERE email = 'tamar@a.ge'`);
    const client = await make.client(orgId, { name: 'Nino' });
    await db.pool.query(`INSERT INTO consent_changes (organization_id, client_id, channel, status, source) VALUES ($1, $2, 'sms', 'revoked', 'sms-stop')`, [orgId, client]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('shows a locked account and clears the lock; the account then signs in', async () => {
    const page = watch(await signInToConsole(browser, base, '/console/accounts', 'admin@a.ge', PASSWORD, /\/console\/accounts/));
    const row = page.locator('tr', { hasText: 'tamar@a.ge' });
    expect(await textOf(row.locator('.sign-in-state'))).toMatch(/^locked until .+ 2 failed attempts/);
    await screenshot(page, '70-accounts-locked');
    await row.getByRole('button', { name: 'Clear the lock' }).click();
    await page.waitForURL(/unlocked=1/);
    expect(await textOf(page.locator('.notice'))).toContain('The lock is cleared');
    expect(await page.locator('tr', { hasText: 'tamar@a.ge' }).getByRole('button', { name: 'Clear the lock' }).count()).toBe(0);
    const tamar = await signInToConsole(browser, base, '/console/lost-clients', 'tamar@a.ge', PASSWORD, /\/console\/lost-clients/);
    await tamar.close();
    await page.close();
  });

  it('lists an export and a consent change in the audit log, filtered by kind', async () => {
    const page = watch(await signInToConsole(browser, base, '/console/lost-clients', 'admin@a.ge', PASSWORD, /\/console\/lost-clients/));
    const download = await page.request.get(`${base}/console/lost-clients.csv`);
    expect(download.status()).toBe(200);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.waitForURL(/\/console\/audit/);
    const rows = page.locator('#audit-entries tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await textOf(rows.nth(0))).toContain('lost-clients.csv');
    expect(await textOf(rows.nth(0))).toContain('admin@a.ge');
    expect(await textOf(rows.nth(1))).toContain('sms-stop');
    await screenshot(page, '71-audit-log');
    await page.getByLabel('Show').selectOption('consent');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/kind=consent/);
    expect(await rows.count()).toBe(1);
    expect(await textOf(rows.nth(0))).toContain('sms: revoked');
    await page.close();
    expect(problems).toEqual([]);
  });
});
