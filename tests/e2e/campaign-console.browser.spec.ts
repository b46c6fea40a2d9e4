import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import {
  createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, textOf, waitFor, type TestDatabase,
} from '@comeback/testing';
import { campaignAppOptions } from '../../apps/campaign/src/campaign-app';
import { CAMPAIGN_ENV } from '../../apps/campaign/src/config';
import { DISPATCHER_ENV } from '../../apps/dispatcher/src/config';
import { dispatcherAppOptions } from '../../apps/dispatcher/src/dispatcher-app';
import { REPORT_ENV } from '../../apps/report/src/config';
import { reportAppOptions } from '../../apps/report/src/report-app';

const PASSWORD = 'browser test passphrase';
const DAY = 86_400_000;

jest.setTimeout(180_000);

/**
 * The campaign pages end to end, as staff use them: the console (report app) with the campaign
 * app's fan-out worker and a dispatcher on the sandbox provider, all on the real PostgreSQL and
 * Redis, in headless Chromium. Write a template with the live preview and SMS counter, compose a
 * campaign with the live audience count, schedule it, watch it finish, answer a message in the
 * sandbox inbox, and retry dead letters.
 */
describe('campaign pages in headless Chromium, through the real services', () => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];
  let browser: Browser;
  let base: string;
  let orgId: string;
  const clients: Record<string, string> = {};

  const shot = screenshot;
  const signIn = (email: string): Promise<Page> => signInToConsole(browser, base, '/console/campaigns', email, PASSWORD, /\/console\/campaigns/);

  beforeAll(async () => {
    db = await createTestDatabase();
    const common = { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', HOST: '127.0.0.1', PUBLIC_FEEDBACK_URL: 'https://answers.example.test' };
    const report = loadConfig('report', REPORT_ENV, common);
    const console = (await createNestApp({ ...reportAppOptions(report), config: report })) as NestExpressApplication;
    await console.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(console.getHttpServer().address() as AddressInfo).port}`;
    const campaign = loadConfig('campaign', CAMPAIGN_ENV, common);
    const dispatcher = loadConfig('dispatcher', DISPATCHER_ENV, { ...common, DISPATCH_LOCK_SECONDS: '5' });
    apps.push(console, await createNestApp({ ...campaignAppOptions(campaign), config: campaign }), await createNestApp({ ...dispatcherAppOptions(dispatcher), config: dispatcher }));
    await Promise.all(apps.slice(1).map((a) => a.init()));

    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Tbilisi Smile', timezone: 'Asia/Tbilisi', defaultLocale: 'ka' })).id;
    // Calls and texts allowed all day, so the test does not depend on the hour it runs at.
    await db.pool.query(`UPDATE organizations SET messaging_settings = '{"allowedHours": {"from": "00:00", "to": "23:59"}, "prices": {"smsSegment": "0.05"}}' WHERE id = $1`, [orgId]);
    const people: [string, string, string][] = [
      ['ნინო ბერიძე', 'lapsed', '+995599000101'],
      ['Ayşe Yılmaz', 'lapsed', '+995599000102'],
      ['<script>alert(1)</script>', 'lapsed', '+995599000103'],
      ['Иван Петров', 'at_risk', '+995599000104'],
    ];
    for (const [name, status, phone] of people) {
      const id = await make.client(orgId, { name, phone });
      clients[name] = id;
      await db.pool.query(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, revenue_12m, value_tier)
         VALUES ($1, $2, $3, now(), CASE WHEN $3 = 'lapsed' THEN now() END, $4, ($4::timestamptz + interval '1 day')::date, 'passive', 'cadence', 500, 1)`,
        [orgId, id, status, new Date(Date.now() - 120 * DAY)],
      );
    }
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'marketer@smile.test', displayName: 'Tamar', role: 'marketer', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'viewer@smile.test', displayName: 'Levan', role: 'viewer', password: PASSWORD });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const a of apps.reverse()) await a.close();
    await db?.drop();
  });

  it('writes a template with the live preview and SMS counter; a mistake is shown at its line and column and nothing is saved', async () => {
    const page = await signIn('marketer@smile.test');
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.waitForURL(/\/console\/templates/);
    await page.getByLabel('Template key').fill('win-back');
    await page.getByLabel('Channel', { exact: true }).selectOption('sms');
    await page.locator('#o-locale').fill('ka');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.waitForURL(/key=win-back/);

    // Previewed for a real lost client: the name in Georgian script, UCS-2 counted as 70 per segment.
    await page.getByLabel('Preview for').selectOption(clients['ნინო ბერიძე']);
    await page.getByLabel('Text', { exact: true }).fill('გამარჯობა {{client.firstName}}! რატომ აღარ მოდიხართ? {{feedbackUrl}} {{optOutText}}');
    await page.locator('#sms-counter').waitFor({ state: 'visible' });
    await page.locator('#preview pre', { hasText: 'ნინო' }).waitFor({ state: 'visible' });
    expect(await textOf(page.locator('#preview pre'))).toContain('https://answers.example.test/f/');
    expect(await textOf(page.locator('#sms-counter'))).toMatch(/^UCS-2 · \d+ characters · 2 segment\(s\) · 0\.10\d* GEL per message$/);
    await shot(page, '30-template-live-preview');

    // An unknown variable: shown under the field at its line and column, as typed.
    await page.getByLabel('Text', { exact: true }).fill('Hello\n{{client.nmae}}');
    await page.locator('.part-problems[data-part="text"] li').waitFor({ state: 'visible' });
    expect(await textOf(page.locator('.part-problems[data-part="text"] li'))).toMatch(/^line 2, column 3: /);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForLoadState();
    expect(await textOf(page.locator('.part-problems[data-part="text"] li'))).toMatch(/^line 2, column 3: /);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM message_templates WHERE organization_id = $1`, [orgId])).rows[0].n).toBe(0);
    await shot(page, '31-template-problem');

    await page.getByLabel('Text', { exact: true }).fill('გამარჯობა {{client.firstName}}! {{feedbackUrl}}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The template was saved.').waitFor({ state: 'visible' });
    expect(await textOf(page.locator('#template-list'))).toContain('win-back · sms · ka');
    await page.close();
  });

  it('composes a campaign with the live audience count and cost, schedules it, and follows it to done', async () => {
    const page = await signIn('marketer@smile.test');
    // The audience starts from the lost-clients list as filtered there.
    await page.getByRole('link', { name: 'Lost clients' }).click();
    await page.getByLabel('Status').selectOption('lapsed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=lapsed/);
    await page.getByRole('link', { name: 'Send a campaign to these clients' }).click();
    await page.waitForURL(/\/console\/campaigns\/new\?.*status=lapsed/);
    await page.getByLabel('Campaign name').fill('Spring win-back');
    await page.getByLabel('Template').selectOption('win-back');
    await page.getByLabel('Channel 1').selectOption('sms');
    await page.getByLabel('Channel 2').selectOption('');
    await page.getByLabel('Control group (%)').fill('0');
    await page.locator('#estimate[data-matching="3"]').waitFor({ state: 'visible' });
    // The live count follows the filters: any state, then only the lapsed again.
    await page.getByLabel('Status').selectOption('');
    await page.locator('#estimate[data-matching="4"]').waitFor({ state: 'visible' });
    await page.getByLabel('Status').selectOption('lapsed');
    await page.locator('#estimate[data-matching="3"]').waitFor({ state: 'visible' });
    expect(await textOf(page.locator('#estimate'))).toContain('3 messages (sms 3)');
    await shot(page, '32-campaign-wizard');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.waitForURL(/\/console\/campaigns\/\d+$/);
    expect(await textOf(page.locator('#campaign-status'))).toBe('Draft');
    // The estimate before start: 3 SMS of at most two UCS-2 segments (Georgian text and a link) at 0.05 GEL.
    expect(await textOf(page.locator('#campaign-estimate'))).toContain('SMS segments per message (at most)\t2');
    expect(await textOf(page.locator('#estimate-cost'))).toMatch(/0[.,]30/);
    await shot(page, '33-campaign-draft-estimate');

    await page.getByRole('button', { name: 'Schedule' }).click();
    // The page follows the campaign and reloads when its state changes; done once all three are sent.
    await page.locator('#campaign-status', { hasText: 'Done' }).waitFor({ state: 'visible', timeout: 60_000 });
    const sentOrDelivered = Number(await textOf(page.locator('[data-progress="sent"]'))) + Number(await textOf(page.locator('[data-progress="delivered"]')));
    expect(sentOrDelivered).toBe(3);
    await shot(page, '34-campaign-done');
    const { rows } = await db.pool.query(
      `SELECT c.name, count(s.id)::int AS sends FROM messages m JOIN clients c ON c.id = m.client_id LEFT JOIN sandbox_messages s ON s.message_id = m.id AND s.direction = 'out'
        WHERE m.organization_id = $1 GROUP BY c.name ORDER BY c.name`,
      [orgId],
    );
    expect(rows).toEqual([{ name: '<script>alert(1)</script>', sends: 1 }, { name: 'Ayşe Yılmaz', sends: 1 }, { name: 'ნინო ბერიძე', sends: 1 }]);
    await page.close();
  });

  it('shows the sandbox inbox as the client saw it and takes a simulated reply onto the campaign', async () => {
    const page = await signIn('marketer@smile.test');
    await page.getByRole('link', { name: 'Sandbox inbox' }).click();
    await page.waitForURL(/\/console\/sandbox/);
    expect(await page.locator('#sandbox-inbox > li').count()).toBe(3);
    // A name with markup is text, never markup.
    await page.getByText('<script>alert(1)</script>').first().waitFor({ state: 'visible' });
    await page.getByLabel('Reply as ნინო ბერიძე').fill('ძალიან ძვირია');
    await page.getByLabel('Reply as ნინო ბერიძე').press('Enter');
    await page.getByText('The reply was recorded on the message.').waitFor({ state: 'visible' });
    expect(await textOf(page.locator(`#sandbox-inbox li:has-text("ნინო ბერიძე") .replies`))).toContain('ძალიან ძვირია');
    await shot(page, '35-sandbox-inbox-reply');
    await page.getByRole('link', { name: 'campaign', exact: true }).first().click();
    await page.waitForURL(/\/console\/campaigns\/\d+/);
    expect(await textOf(page.locator('[data-progress="replied"]'))).toBe('1');
    await page.close();
  });

  it('lists dead letters and retries them: a refused message is sent again, one in doubt is settled by staff', async () => {
    const campaignId = (await db.pool.query(`SELECT id::text FROM campaigns WHERE organization_id = $1`, [orgId])).rows[0].id;
    const ivan = clients['Иван Петров'];
    const refused = (
      await db.pool.query(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, attempts, last_error_code, last_error)
         VALUES ($1, $2, $3, 'sms', '+995599000104', 'ka', '{"text":"გამარჯობა"}', 'dead', 6, 'http-503', 'provider unavailable') RETURNING id::text`,
        [orgId, campaignId, ivan],
      )
    ).rows[0].id;
    const doubt = (
      await db.pool.query(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, attempts)
         VALUES ($1, $2, $3, 'email', 'ivan@example.test', 'ru', '{"subject":"?","text":"?","html":"?"}', 'in_doubt', 1) RETURNING id::text`,
        [orgId, campaignId, ivan],
      )
    ).rows[0].id;
    const page = await signIn('marketer@smile.test');
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.waitForURL(/\/console\/dead-letters/);
    expect(await page.locator('#dead-letters tbody tr').count()).toBe(2);
    expect(await textOf(page.locator(`tr[data-message="${refused}"]`))).toContain('provider unavailable');
    await shot(page, '36-dead-letters');
    await page.locator(`tr[data-message="${refused}"]`).getByRole('button', { name: 'Retry' }).click();
    await page.getByText('The message is queued again.').waitFor({ state: 'visible' });
    // The dispatcher takes it again through the sandbox: sent once.
    await waitFor('the retried message sent', async () => {
      const { rows } = await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [refused]);
      return ['sent', 'delivered'].includes(rows[0].status);
    }, 30_000);
    await page.locator(`tr[data-message="${doubt}"]`).getByRole('button', { name: 'It was sent' }).click();
    await page.getByText('The message is marked as sent.').waitFor({ state: 'visible' });
    expect(await page.locator('#dead-letters tbody tr').count()).toBe(0);
    expect((await db.pool.query(`SELECT status FROM messages WHERE id = $1`, [doubt])).rows[0].status).toBe('sent');
    await page.close();
  });

  it('lets a viewer see campaigns but not compose, edit or retry', async () => {
    const page = await signIn('viewer@smile.test');
    expect(await page.getByRole('link', { name: 'New campaign' }).count()).toBe(0);
    expect((await page.goto(`${base}/console/campaigns/new`))?.status()).toBe(403);
    await page.goto(`${base}/console/sandbox`);
    expect(await page.locator('.reply-form').count()).toBe(0);
    const answer = await page.request.post(`${base}/console/templates`, { form: { key: 'x', channel: 'sms', locale: 'en', 'part.text': 'hi', action: 'save' } });
    expect(answer.status()).toBe(403);
    await page.close();
  });

  it('schedules for the time typed, keeps it after a mistake, and reloads the page when the campaign starts', async () => {
    const staff = (await db.pool.query<{ id: string }>(`INSERT INTO staff_members (organization_id, external_id, name) VALUES ($1, 'giorgi', 'Dr Giorgi') RETURNING id::text`, [orgId])).rows[0].id;
    const id = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO campaigns (organization_id, name, template_key, channels, control_share, audience) VALUES ($1, 'Later', 'win-back', '{sms,email}', 0, $2) RETURNING id::text`,
        [orgId, { status: 'lapsed', staff }],
      )
    ).rows[0].id;
    const page = await signIn('marketer@smile.test');
    const confirms: string[] = [];
    page.on('dialog', (dialog) => void confirms.push(dialog.message()));
    // The list names channels in words.
    expect(await textOf(page.locator('#campaign-list tr', { hasText: 'Later' }))).toContain('SMS → E-mail');
    // The page's clock is the test's: the 30-second wait of a scheduled campaign is run forward, not waited.
    await page.clock.install();
    await page.goto(`${base}/console/campaigns/${id}`);
    // The audience's staff member by name; fallback messages said to be left out of the cost.
    expect(await textOf(page.locator('dl.facts'))).toContain('staff member: Dr Giorgi');
    await page.locator('#estimate-fallback-note').waitFor({ state: 'visible' });

    // No e-mail template: each problem in its own words.
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.locator('ul.problem').waitFor({ state: 'visible' });
    expect(await textOf(page.locator('ul.problem'))).toBe('no template for email');
    expect(confirms.pop()).toBe('Start this campaign now? Messages will be sent and paid for.');
    await db.pool.query(`UPDATE campaigns SET channels = '{sms}' WHERE id = $1`, [id]);

    // A time in the past: refused, and the form comes back with the time as typed.
    await page.goto(`${base}/console/campaigns/${id}`);
    await page.getByLabel('Start at (empty: now)').fill('2020-01-01T10:00');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.getByText('must not be in the past').waitFor({ state: 'visible' });
    expect(await page.getByLabel('Start at (empty: now)').inputValue()).toBe('2020-01-01T10:00');
    expect(await textOf(page.locator('#campaign-status'))).toBe('Draft');

    // Tomorrow at 10:00 in Tbilisi (UTC+4): scheduled for then, nothing sent now.
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tbilisi', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + DAY));
    await page.getByLabel('Start at (empty: now)').fill(`${tomorrow}T10:00`);
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.locator('#campaign-status', { hasText: 'Scheduled' }).waitFor({ state: 'visible' });
    expect(confirms.pop()).toMatch(/^Schedule this campaign to start at .*10:00.* \(Asia\/Tbilisi\)\?/);
    const row = (await db.pool.query(`SELECT status, scheduled_at FROM campaigns WHERE id = $1`, [id])).rows[0];
    expect(row.status).toBe('scheduled');
    expect(new Date(row.scheduled_at).toISOString()).toBe(`${tomorrow}T06:00:00.000Z`);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1`, [id])).rows[0].n).toBe(0);
    await shot(page, '37-campaign-scheduled-later');

    // The campaign starts (as its fan-out would: running, a message waiting). A scheduled page asks
    // every 30 seconds: not after 20, and after 31 it sees the new state and reloads, with Pause.
    const polls: string[] = [];
    page.on('request', (request) => void (request.url().endsWith('/progress.json') && polls.push(request.url())));
    const client = clients['ნინო ბერიძე'];
    await db.pool.query(`UPDATE campaigns SET status = 'running', started_at = now() WHERE id = $1`, [id]);
    const message = (
      await db.pool.query<{ id: string }>(
        `INSERT INTO messages (organization_id, campaign_id, client_id, channel, to_address, locale, content, status, cost)
         VALUES ($1, $2, $3, 'sms', '+995599000101', 'ka', '{"text":"x"}', 'queued', 0.07) RETURNING id::text`,
        [orgId, id, client],
      )
    ).rows[0].id;
    await page.clock.fastForward(20_000);
    await page.waitForTimeout(300);
    expect(polls).toHaveLength(0);
    await page.clock.fastForward(11_000);
    await page.locator('#campaign-status', { hasText: 'Running' }).waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Pause' }).waitFor({ state: 'visible' });
    expect(await textOf(page.locator('#campaign-cost'))).toMatch(/0[.,]00/); // nothing has left yet
    // Running: every 2 seconds, the cost so far follows without a reload.
    await db.pool.query(`UPDATE messages SET status = 'sending' WHERE id = $1`, [message]);
    await page.clock.fastForward(2_100);
    await page.locator('#campaign-cost', { hasText: /0[.,]07/ }).waitFor({ state: 'visible' });
    expect(await textOf(page.locator('#campaign-status'))).toBe('Running');

    // The template it sends, opened with the locale typed another way, is the stored one; being
    // the last of its key and channel that a running campaign needs, it cannot be deleted.
    await page.goto(`${base}/console/templates?key=win-back&channel=sms&locale=KA`);
    expect(await page.getByLabel('Text', { exact: true }).inputValue()).toBe('გამარჯობა {{client.firstName}}! {{feedbackUrl}}');
    await page.getByRole('button', { name: 'Delete this template' }).click();
    await page.getByText(/is used by Later/).waitFor({ state: 'visible' });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM message_templates WHERE organization_id = $1 AND key = 'win-back'`, [orgId])).rows[0].n).toBe(1);
    await page.close();
  });
});
